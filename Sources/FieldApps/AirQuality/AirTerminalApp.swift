import FieldCore

/// The indoor air terminal (`air-terminal`): GB/T 18883-2022 rolling averages with coverage and
/// exceedance alarms, a three-colour status LED, a buzzer for a sustained poor spell and a
/// purifier / fresh-air fan relay. A pure state machine over readings, commands and time.
///
/// Outputs are GPIO points of the device (`led-green`, `led-yellow`, `led-red`, `buzzer`, `fan`),
/// written only when they change; a device without one of them simply has no such output.
package struct AirTerminalApp: DeviceApp {
    let context: AppContext
    let settings: AirTerminalSettings
    private(set) var monitors: [PollutantMonitor]
    var fan: FanRelay
    var buzzer: AirBuzzer
    /// The LED's colour: the worst band of any pollutant with a valid short average.
    private(set) var level: AirQualityLevel?
    private(set) var worst: AirPollutant?
    private var written: [String: Bool] = [:]
    private var derived = DerivedValues()
    private var nextPublish: Timestamp?

    /// The terminal's output points.
    static let outputs = ["led-green", "led-yellow", "led-red", "buzzer", "fan"]

    init(context: AppContext, settings: AirTerminalSettings) {
        self.context = context
        self.settings = settings
        monitors = AirPollutant.allCases.compactMap { p in
            settings.pollutants[p].map {
                PollutantMonitor(p, settings: $0, indicatorWindow: settings.indicatorWindow, maxSampleGap: settings.maxSampleGap,
                                 sensorFaultDelay: settings.sensorFaultDelay)
            }
        }
        fan = FanRelay(mode: settings.fanMode, minOn: settings.fanMinOn, minOff: settings.fanMinOff)
        buzzer = AirBuzzer(enabled: settings.buzzerEnabled, delay: settings.buzzerDelay)
    }

    package var subscriptions: Set<PointRef> { Set(monitors.map(\.settings.source)) }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        switch input {
        case .reading(let ref, let reading):
            for i in monitors.indices where monitors[i].settings.source == ref {
                if let signal = monitors[i].record(reading, now: now) {
                    effects.append(.alarm(alarmID(monitors[i].pollutant, "sensor-fault"), .minor, signal))
                }
                if monitors[i].pollutant == .hcho, let latest = monitors[i].latest {
                    effects += formaldehydeNow(latest)
                }
            }
        case .tick:
            break
        case .command(let command):
            effects.append(.reply(Result { () throws(AppError) in try perform(command, now: now) }))
        }
        effects += evaluate(now: now)
        return effects
    }

    private func alarmID(_ p: AirPollutant, _ type: String) -> AlarmID {
        AlarmID(device: context.deviceID, type: "\(p.rawValue)-\(type)")
    }

    // MARK: - Evaluation

    private mutating func evaluate(now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        var worstScore: (AirQualityLevel, Double)?
        worst = nil
        for i in monitors.indices {
            monitors[i].advance(to: now)
            if let signal = monitors[i].evaluateExceedance(now: now) {
                effects.append(.alarm(alarmID(monitors[i].pollutant, "high"), monitors[i].settings.severity, signal))
            }
            let short = monitors[i].shortReading(at: now, minCoverage: settings.indicatorMinCoverage).reading.goodNumber
            monitors[i].judge(shortAverage: short, hysteresis: settings.indicatorHysteresis)
            if let band = monitors[i].band, let v = short {
                let score = (band, v / max(monitors[i].settings.poorAbove, .leastNormalMagnitude))
                if worstScore.map({ score.0 > $0.0 || (score.0 == $0.0 && score.1 > $0.1) }) ?? true {
                    worstScore = score
                    worst = monitors[i].pollutant
                }
            }
        }
        level = worstScore?.0
        let demand = monitors.contains { settings.fanDrivers.contains($0.pollutant) && $0.wantsFan }
        _ = fan.update(demand: demand, now: now)
        buzzer.update(poor: level == .poor, now: now)

        let desired: [String: Bool] = [
            "led-green": level == .good, "led-yellow": level == .moderate, "led-red": level == .poor,
            "buzzer": buzzer.isSounding(at: now), "fan": fan.isOn,
        ]
        for name in Self.outputs where context.points[name] != nil {
            let want = desired[name]!
            if written[name] != want {
                written[name] = want
                effects.append(.write(context.ref(name), .bool(want)))
            }
        }

        effects += derived.changed("air-quality", level.map { .text($0.rawValue) }, now: now)
        effects += derived.changed("air-quality-worst", worst.map { .text($0.rawValue) }, now: now)
        effects += derived.changed("fan-mode", .text(fan.mode.rawValue), now: now)
        effects += derived.changed("buzzer-silenced", .bool(buzzer.isSilenced(at: now)), now: now)

        if now >= nextPublish ?? now {
            effects += averages(now: now)
            let interval = settings.publishInterval.milliseconds
            nextPublish = Timestamp(milliseconds: (AirAverageWindow.floorDivide(now.milliseconds, interval) + 1) * interval)
        }
        return effects
    }

    /// Every average, its coverage (%) and the short averages.
    private func averages(now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        for m in monitors {
            let unit = m.pollutant.unit.rawValue
            let (avg, coverage) = m.averageReading(at: now)
            effects.append(.derived(name: m.averageName, avg, unit: unit))
            effects.append(.derived(name: m.averageName + "-coverage", .number((coverage * 1000).rounded() / 10, at: now), unit: "%"))
            if m.pollutant == .hcho {
                let ppb = Reading(avg.value?.number.map { .number(AirPollutant.formaldehydePPB(milligramsPerCubicMetre: $0)) }, quality: avg.quality, at: now)
                effects.append(.derived(name: m.averageName + "-ppb", ppb, unit: AirUnit.ppb.rawValue))
            }
            effects.append(.derived(name: m.shortName, m.shortReading(at: now, minCoverage: settings.indicatorMinCoverage).reading, unit: unit))
        }
        return effects
    }

    /// HCHO as it is now, in mg/m³ and in ppb, with the reading's quality.
    private func formaldehydeNow(_ latest: Reading) -> [AppEffect] {
        let mg = latest.value?.number
        return [
            .derived(name: "hcho-mgm3", Reading(mg.map { .number($0) }, quality: latest.quality, at: latest.time), unit: AirUnit.milligramsPerCubicMetre.rawValue),
            .derived(name: "hcho-ppb", Reading(mg.map { .number(AirPollutant.formaldehydePPB(milligramsPerCubicMetre: $0)) }, quality: latest.quality, at: latest.time), unit: AirUnit.ppb.rawValue),
        ]
    }
}
