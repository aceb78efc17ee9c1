import FieldCore

/// "Prohibited appliance" analysis: a resistive load (an electric heater, a hot plate) switched
/// on where none should be. What it looks for is a **step** in active power of at least `step`
/// whose own power factor is ≈ 1, held for `hold`:
/// - the step is measured from the **baseline**, the median of the last `baseline` (60 s) before
///   it, so noise and a slowly growing load never make one (the median follows them);
/// - the step's power factor is the increment's, ΔP / √(ΔP² + ΔQ²), with the reactive power
///   Q = P·tan(arccos PF) of the whole circuit before and after: a heater adds P and no Q, a
///   motor or a compressor adds both (its step's PF is 0.7–0.85), whatever the circuit already ran;
/// - it is judged on the median of the last 30 s, so a motor's inrush (seconds) is not its level;
/// - it must stay `hold` (5 min): a kettle (3–4 min) or a hair dryer is gone before.
/// The alarm clears once the circuit has been below baseline + step/2 for `clearDelay`.
struct ApplianceDetector: Sendable {
    struct Sample: Sendable, Hashable {
        var time: Timestamp
        var power: Double
        var reactive: Double
    }

    /// A step seen and not yet judged.
    struct Candidate: Sendable, Hashable {
        var since: Timestamp
        var basePower: Double
        var baseReactive: Double
    }

    let settings: ApplianceSettings
    let utcOffsetMinutes: Int
    private var samples: [Sample] = []
    private(set) var candidate: Candidate?
    private(set) var isActive = false
    private var activeBase = 0.0
    private var off: DelayedCondition
    /// The settled level of a candidate is the median over this last stretch.
    static let settle: Duration = .seconds(30)

    init(settings: ApplianceSettings, utcOffsetMinutes: Int) {
        self.settings = settings
        self.utcOffsetMinutes = utcOffsetMinutes
        off = DelayedCondition(onDelay: settings.clearDelay)
    }

    /// The reactive power (var, inductive taken as positive) of `power` W at power factor `pf`.
    static func reactive(power: Double, pf: Double) -> Double {
        guard power >= 10, pf > 0.05, pf < 1 else { return 0 }
        return power * (1 - pf * pf).squareRoot() / pf
    }

    /// One poll's total active power (W) and power factor at `now`.
    mutating func evaluate(power: Double, powerFactor: Double, now: Timestamp) -> AlarmSignal? {
        guard let step = settings.step else { return nil }
        let sample = Sample(time: now, power: power, reactive: Self.reactive(power: power, pf: powerFactor))
        let span = max(settings.baseline, settings.hold + Self.settle)
        samples.removeAll { now - $0.time > span }
        defer { samples.append(sample) }
        if isActive {
            guard off.update(power < activeBase + step / 2, now: now), off.isActive else { return nil }
            isActive = false
            off.reset(to: false)
            return .clear(value: .number(power))
        }
        if candidate == nil {
            guard settings.applies(atMinute: localMinute(now)), let base = baseline(before: now),
                  power - base.power >= step else { return nil }
            candidate = Candidate(since: now, basePower: base.power, baseReactive: base.reactive)
        }
        return judge(now: now, sample: sample, step: step)
    }

    private mutating func judge(now: Timestamp, sample: Sample, step: Double) -> AlarmSignal? {
        guard let c = candidate else { return nil }
        let settled = samples.filter { $0.time >= c.since && now - $0.time < Self.settle } + [sample]
        let dP = median(settled.map(\.power)) - c.basePower
        let dQ = median(settled.map(\.reactive)) - c.baseReactive
        // The load went away (a kettle boiled): judged on the settled level, not one reading.
        if dP < step * 0.8, now - c.since >= .seconds(5) {
            candidate = nil
            return nil
        }
        guard now - c.since >= settings.hold else { return nil }
        candidate = nil
        let stepPF = dP / (dP * dP + dQ * dQ).squareRoot()
        // Not resistive (a motor, a compressor), or gone: the baseline takes the new level.
        guard dP >= step, stepPF >= settings.minPowerFactor else { return nil }
        isActive = true
        activeBase = c.basePower
        off.reset(to: false)
        let minute = localMinute(c.since)
        let at = format2(minute / 60) + ":" + format2(minute % 60)
        return .raise(value: .number(sample.power),
                      message: "resistive load of \(formatNumber(dP, decimals: 0)) W (power factor of the step \(formatNumber(stepPF, decimals: 2))) "
                        + "switched on at \(at) and on for \(formatDuration(now - c.since)): an electric heater or similar where none is allowed")
    }

    /// The median power and reactive power of the `baseline` before `now`; nil until half of it
    /// has been seen.
    private func baseline(before now: Timestamp) -> (power: Double, reactive: Double)? {
        let recent = samples.filter { now - $0.time <= settings.baseline }
        guard let first = recent.first, now - first.time >= settings.baseline / 2 else { return nil }
        return (median(recent.map(\.power)), median(recent.map(\.reactive)))
    }

    private func localMinute(_ t: Timestamp) -> Int {
        let m = (t.milliseconds / 60_000 + Int64(utcOffsetMinutes)) % 1440
        return Int(m < 0 ? m + 1440 : m)
    }
}

private func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let s = values.sorted()
    let mid = s.count / 2
    return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

private func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
