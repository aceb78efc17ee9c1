import FieldCore

/// One pollutant of an air terminal: its source's readings turned into the standard's rolling
/// average and a short average, its exceedance and sensor-fault alarms, its LED band and its
/// vote for the fan.
struct PollutantMonitor: Sendable {
    let pollutant: AirPollutant
    let settings: AirTerminalSettings.Pollutant
    let maxSampleGap: Duration
    private(set) var average: AirAverageWindow
    private(set) var short: AirAverageWindow
    /// The last valid sample (working unit) and when it came.
    private var held: (value: Double, at: Timestamp)?
    private var integratedUntil: Timestamp?
    /// False until the source answers, and again after it stops answering: its next answer starts
    /// a warm-up.
    private var sourceUp = false
    private var warmUpUntil: Timestamp?
    private(set) var exceedance: ThresholdRule
    private var sensorFault: QualityRule
    /// The LED band of the short average, with hysteresis (nil: no valid short average).
    private(set) var band: AirQualityLevel?
    /// Whether this pollutant asks for the fan, with hysteresis between fan-on and fan-off.
    private(set) var wantsFan = false
    /// The latest reading in the working unit, with the quality the terminal gives it.
    private(set) var latest: Reading?

    init(_ pollutant: AirPollutant, settings: AirTerminalSettings.Pollutant, indicatorWindow: Duration, maxSampleGap: Duration,
         sensorFaultDelay: Duration) {
        self.pollutant = pollutant
        self.settings = settings
        self.maxSampleGap = maxSampleGap
        average = AirAverageWindow(length: settings.window)
        short = AirAverageWindow(length: indicatorWindow)
        exceedance = ThresholdRule(.high, limit: settings.limit, hysteresis: settings.hysteresis, onDelay: settings.delay,
                                   name: "\(pollutant.displayName) \(Self.label(settings.window)) average", unit: pollutant.unit.rawValue)
        sensorFault = QualityRule([.sensorFault], onDelay: sensorFaultDelay, message: "\(pollutant.displayName) sensor fault (\(settings.source))")
    }

    /// `1h`, `8h`, `24h`, `90m`: the window as it appears in derived value names.
    static func label(_ window: Duration) -> String {
        let ms = window.milliseconds
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        return "\(ms / 1000)s"
    }

    var averageName: String { "\(pollutant.rawValue)-\(Self.label(settings.window))" }
    var shortName: String { "\(pollutant.rawValue)-\(Self.label(short.length))" }

    /// Takes a reading of the source; returns the sensor-fault alarm's change, if any.
    mutating func record(_ reading: Reading, now: Timestamp) -> AlarmSignal? {
        advance(to: now)
        var quality = reading.quality
        switch quality {
        case .commError, .stale:
            sourceUp = false
        default:
            if !sourceUp {
                sourceUp = true
                warmUpUntil = now + settings.warmUp
            }
            if quality == .good, let until = warmUpUntil, now < until { quality = .warmingUp }
        }
        let value = reading.value?.number.flatMap { pollutant.convert($0, from: settings.sourceUnit) }
        if quality == .good, value.map({ !$0.isFinite || $0 < 0 }) ?? true {
            // A text value, or a negative concentration: not a measurement.
            quality = .outOfRange
        }
        let r = Reading(value.map { .number($0) }, quality: quality, at: now)
        latest = r
        held = r.goodNumber.map { ($0, now) }
        // Without an answer the sensor's own state is unknown: a fault alarm neither raises nor clears.
        return sourceUp ? sensorFault.evaluate(r, now: now) : nil
    }

    /// Lets the last valid sample stand for the time up to `now` (at most `maxSampleGap` after it
    /// came).
    mutating func advance(to now: Timestamp) {
        defer { integratedUntil = max(integratedUntil ?? now, now) }
        guard let held, let from = integratedUntil else { return }
        let end = min(now, held.at + maxSampleGap)
        guard end > from else { return }
        average.add(held.value, from: from, to: end)
        short.add(held.value, from: from, to: end)
    }

    /// The standard's average as a reading: a number when valid samples cover at least
    /// `minCoverage` of the window, otherwise no value and quality `insufficient-data`.
    func averageReading(at now: Timestamp) -> (reading: Reading, coverage: Double) {
        reading(of: average, minCoverage: settings.minCoverage, at: now)
    }

    func shortReading(at now: Timestamp, minCoverage: Double) -> (reading: Reading, coverage: Double) {
        reading(of: short, minCoverage: minCoverage, at: now)
    }

    private func reading(of window: AirAverageWindow, minCoverage: Double, at now: Timestamp) -> (reading: Reading, coverage: Double) {
        let s = window.summary(at: now)
        guard let mean = s.mean, s.coverage >= minCoverage else {
            return (Reading(nil, quality: .insufficientData, at: now), s.coverage)
        }
        return (.number(mean, at: now), s.coverage)
    }

    /// Evaluates the exceedance alarm on the standard's average.
    mutating func evaluateExceedance(now: Timestamp) -> AlarmSignal? {
        exceedance.evaluate(averageReading(at: now).reading, now: now)
    }

    /// Updates the LED band and the fan vote from the short average.
    mutating func judge(shortAverage: Double?, hysteresis: Double) {
        guard let v = shortAverage else {
            band = nil
            return
        }
        var level = classify(v)
        if let current = band, level < current {
            level = min(current, classify(v / max(0.01, 1 - hysteresis)))
        }
        band = level
        if v >= settings.fanOn { wantsFan = true } else if v <= settings.fanOff { wantsFan = false }
    }

    private func classify(_ v: Double) -> AirQualityLevel {
        v > settings.poorAbove ? .poor : v > settings.moderateAbove ? .moderate : .good
    }
}

/// The status LED's three colours.
package enum AirQualityLevel: String, CaseIterable, Sendable, Comparable {
    case good, moderate, poor

    private var rank: Int {
        switch self {
        case .good: 0
        case .moderate: 1
        case .poor: 2
        }
    }

    package static func < (a: AirQualityLevel, b: AirQualityLevel) -> Bool { a.rank < b.rank }
}
