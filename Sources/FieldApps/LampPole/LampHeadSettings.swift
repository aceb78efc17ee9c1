import FieldCore

/// A lamp head's `settings` object in the site file. Every value has a default; docs/lamp-pole.md
/// lists them with their sources.
package struct LampHeadSettings: Hashable, Sendable {
    /// Added to sunset (positive: on later), −3 h…3 h.
    package var duskOffset: Duration = .zero
    /// Added to sunrise (positive: off later), −3 h…3 h.
    package var dawnOffset: Duration = .zero
    package var dimming: DimmingProfile = .standard
    package var specialDays: [SpecialDay] = []
    /// Another device's illuminance point (lx) that can switch the lamp on outside the night.
    package var lightSensor: PointRef?
    /// Dark below this illuminance (lx). CJJ 45-2015's switching levels, as commonly cited.
    package var lightOnLux = 15.0
    /// Bright again above this illuminance (lx): the hysteresis band's top.
    package var lightOffLux = 30.0
    /// How long the sensor must agree before it switches (passing headlights, a cloud).
    package var lightSensorDelay: Duration = .minutes(2)
    /// The level the light sensor switches on at in the morning (nil: the night's last level).
    package var lightSensorDawnLevel: Int?
    /// What dusk and dawn are: sunset/sunrise (default) or the ends of civil twilight.
    package var twilight: LightingSchedule.Twilight = .sunset
    /// Dim level (%) when the schedule cannot be evaluated.
    package var failSafeLevel = 100
    /// How long a `lamp` command lasts when it names no duration.
    package var overrideDuration: Duration = .hours(2)
    /// Written to the controller's `default-dim`: the level it goes to on its own (%).
    package var defaultDim = 100
    /// Written to the controller's `fallback-timeout`: silence after which it goes to `default-dim`.
    package var fallbackTimeout: Duration = .minutes(5)
    /// How long after a command the lamp's current is not judged, and how long a current fault
    /// must last.
    package var settleTime: Duration = .seconds(60)
    /// Lamp failure: commanded on but current below this (A).
    package var lampFailureCurrent = 0.05
    /// Day burner: commanded off but current above this (A).
    package var dayBurnerCurrent = 0.05
    /// The luminaire's rated power (W); power too high/low is checked only when it is known.
    package var ratedPower: Double?
    /// Power too high/low: deviation from rated power × dim level (%).
    package var powerTolerance = 20.0
    /// Low power factor below this, checked at dim levels ≥ 50 %.
    package var powerFactorMin = 0.85
    /// Over-voltage above this (V): 220 V + 7 % (GB/T 12325).
    package var voltageHigh = 235.4
    /// Under-voltage below this (V): 220 V − 10 % (GB/T 12325).
    package var voltageLow = 198.0
    /// Leakage current above this (mA) is critical: the 30 mA class of residual-current devices.
    package var leakageLimit = 30.0
    /// On-delay of power, power-factor and voltage faults.
    package var faultDelay: Duration = .minutes(5)
    /// A measurement (or the light sensor's reading) older than this is not judged: the
    /// controller stopped answering, which the runtime reports as `comm-lost`.
    package var staleAfter: Duration = .seconds(180)

    package init() {}

    /// Reads settings, reporting problems with their JSON paths; unread keys are left for
    /// the caller's `finish()`.
    package static func read(_ s: JSONObjectReader) -> LampHeadSettings {
        var x = LampHeadSettings()
        let offsetRange = Duration.zero - .hours(3) ... Duration.hours(3)
        if let v = s.signedDuration("dusk-offset", range: offsetRange) { x.duskOffset = v }
        if let v = s.signedDuration("dawn-offset", range: offsetRange) { x.dawnOffset = v }
        if let v = readDimming(s, "dimming") { x.dimming = v }
        if let v = s.objects("special-days", readSpecialDay) { x.specialDays = v }
        x.lightSensor = s.pointReference("light-sensor")
        if let v = s.double("light-on-lux", range: 0...100_000) { x.lightOnLux = v }
        if let v = s.double("light-off-lux", range: 0...100_000) { x.lightOffLux = v }
        if x.lightOffLux <= x.lightOnLux {
            s.reader.report(s.path.key("light-off-lux"), "must be above light-on-lux (\(formatNumber(x.lightOnLux)) lx) to give the switching hysteresis")
        }
        if let v = s.duration("light-sensor-delay", range: .zero ... .hours(1)) { x.lightSensorDelay = v }
        x.lightSensorDawnLevel = s.percent("light-sensor-dawn-level")
        if let v = s.enumeration("twilight", LightingSchedule.Twilight.self) { x.twilight = v }
        if let v = s.percent("fail-safe-level") { x.failSafeLevel = v }
        if let v = s.duration("override-duration", range: .minutes(1) ... .hours(24)) { x.overrideDuration = v }
        if let v = s.percent("default-dim") { x.defaultDim = v }
        if let v = s.duration("fallback-timeout", range: .seconds(10) ... .hours(18)) { x.fallbackTimeout = v }
        if let v = s.duration("settle-time", range: .seconds(1) ... .hours(1)) { x.settleTime = v }
        if let v = s.double("lamp-failure-current", range: 0...100) { x.lampFailureCurrent = v }
        if let v = s.double("day-burner-current", range: 0...100) { x.dayBurnerCurrent = v }
        x.ratedPower = s.double("rated-power", range: 1...100_000)
        if let v = s.double("power-tolerance", range: 1...100) { x.powerTolerance = v }
        if let v = s.double("power-factor-min", range: 0...1) { x.powerFactorMin = v }
        if let v = s.double("voltage-high", range: 0...1000) { x.voltageHigh = v }
        if let v = s.double("voltage-low", range: 0...1000) { x.voltageLow = v }
        if x.voltageLow >= x.voltageHigh {
            s.reader.report(s.path.key("voltage-low"), "must be below voltage-high (\(formatNumber(x.voltageHigh)) V)")
        }
        if let v = s.double("leakage-limit", range: 1...1000) { x.leakageLimit = v }
        if let v = s.duration("fault-delay", range: .zero ... .hours(1)) { x.faultDelay = v }
        if let v = s.duration("stale-after", range: .seconds(10) ... .hours(1)) { x.staleAfter = v }
        return x
    }

    /// `[{"at": "dusk", "level": 100}, {"at": "00:00", "level": 50}]`
    static func readDimming(_ s: JSONObjectReader, _ key: String, required: Bool = false) -> DimmingProfile? {
        guard let steps: [DimmingProfile.Step] = s.objects(key, required: required, { o in
            let level = o.percent("level", required: true)
            let at = o.decode("at", required: true) { v, p -> Int?? in
                if v == "dusk" { return .some(nil) }
                guard let text = v.stringValue, let m = parseTimeOfDay(text) else {
                    o.reader.report(p, "expected \"dusk\" or a local time \"HH:MM\", got \(v.stringValue.map { "\"\($0)\"" } ?? v.kindDescription)")
                    return nil
                }
                return .some(m)
            }
            guard let level, let at else { return nil }
            return DimmingProfile.Step(minuteOfDay: at, level: level)
        }) else { return nil }
        if s.value(key)?.arrayValue?.isEmpty == true {
            s.reader.report(s.path.key(key), "needs at least one step")
            return nil
        }
        // Steps with errors were reported where they are.
        guard !steps.isEmpty else { return nil }
        let times = steps.map(\.minuteOfDay)
        if Set(times).count != times.count {
            s.reader.report(s.path.key(key), "two steps at the same time")
            return nil
        }
        return DimmingProfile(steps)
    }

    /// `{"date": "2026-10-01" or "10-01", "name": "National Day", "dimming": [...]}`
    static func readSpecialDay(_ o: JSONObjectReader) -> SpecialDay? {
        let name = o.string("name")
        let when = o.decode("date", required: true) { v, p -> SpecialDay.When? in
            guard let text = v.stringValue, let w = parseSpecialDate(text) else {
                o.reader.report(p, "expected a date \"YYYY-MM-DD\" or a yearly \"MM-DD\", got \(v.stringValue.map { "\"\($0)\"" } ?? v.kindDescription)")
                return nil
            }
            return w
        }
        guard let profile = readDimming(o, "dimming", required: true), let when else { return nil }
        return SpecialDay(when, name: name, profile: profile)
    }

    static func parseSpecialDate(_ text: String) -> SpecialDay.When? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.allSatisfy({ $0 != nil }) else { return nil }
        let n = parts.map { $0! }
        switch n.count {
        case 3 where text.count == 10 && (1...12).contains(n[1]) && (1...31).contains(n[2]):
            return .date(year: n[0], month: n[1], day: n[2])
        case 2 where text.count == 5 && (1...12).contains(n[0]) && (1...31).contains(n[1]):
            return .everyYear(month: n[0], day: n[1])
        default:
            return nil
        }
    }
}
