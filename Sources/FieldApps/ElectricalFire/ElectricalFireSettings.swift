import FieldCore

/// An electrical fire detector's `settings` (docs/electrical-fire.md lists each default and where
/// it comes from). Every key is optional: the defaults make a working monitor of a 220/380 V
/// distribution box.
package struct ElectricalFireSettings: Hashable, Sendable {
    /// Residual-current alarm (mA). GB 14287.2: alarm values settable 20–1000 mA; GB 50116
    /// suggests 300–500 mA at a building's supply side; 300 mA is the stricter end.
    package var leakageAlarm = 300.0
    package var leakageHysteresis = 10.0
    /// GB 14287.2 asks a detector to alarm within 30 s; the gateway's own check takes 10 s.
    package var leakageDelay: Duration = .seconds(10)
    /// Temperature alarm (°C) on every used channel. GB 14287.3: settable 55–140 °C; 80 °C is
    /// ours (10 K above the 70 °C a PVC-insulated conductor may carry continuously).
    package var temperatureAlarm = 80.0
    package var temperatureHysteresis = 3.0
    package var temperatureDelay: Duration = .seconds(10)
    /// How long a value must be back inside (by the hysteresis) before an alarm clears.
    package var clearDelay: Duration = .seconds(30)
    /// The temperature channels with a sensor fitted (1–4); an empty channel is not judged.
    package var temperatureChannels = [1, 2, 3, 4]
    /// 1: single phase (only `voltage-a` and `current-a` are judged); 3: three phases.
    package var phases = 3
    /// Phase voltage limits (V): 220 V ± 10 %.
    package var overVoltage = 242.0
    package var underVoltage = 198.0
    /// A phase below this is lost (V), not merely low: 30 % of 220 V.
    package var phaseLossVoltage = 66.0
    package var voltageHysteresis = 2.0
    package var voltageDelay: Duration = .seconds(10)
    package var phaseLossDelay: Duration = .seconds(2)
    /// Over-current per phase (A): the circuit's rating; nil: not judged (no rating is known).
    package var overCurrent: Double?
    /// Longer than a motor's start (seconds of several times its running current).
    package var overCurrentDelay: Duration = .seconds(30)
    package var sensorFaultDelay: Duration = .seconds(5)
    package var staleAfter: Duration = .seconds(60)
    /// Early warning: the mean residual current of the last `trendWindow` rose this much (mA)
    /// above the mean of the `trendWindow` before it. 0 switches it off.
    package var trendRise = 30.0
    package var trendWindow: Duration = .hours(24)
    package var appliance = ApplianceSettings()

    package init() {}

    package static func read(_ s: JSONObjectReader) -> ElectricalFireSettings {
        var x = ElectricalFireSettings()
        if let v = s.double("leakage-alarm", range: 20...1000) { x.leakageAlarm = v }
        if let v = s.double("leakage-hysteresis", range: 0...500) { x.leakageHysteresis = v }
        if let v = s.duration("leakage-delay", range: .zero ... .seconds(30)) { x.leakageDelay = v }
        if let v = s.double("temperature-alarm", range: 55...140) { x.temperatureAlarm = v }
        if let v = s.double("temperature-hysteresis", range: 0...50) { x.temperatureHysteresis = v }
        if let v = s.duration("temperature-delay", range: .zero ... .minutes(10)) { x.temperatureDelay = v }
        if let v = s.duration("clear-delay", range: .zero ... .hours(1)) { x.clearDelay = v }
        if let v = s.array("temperature-channels", { v, p -> Int? in
            guard let n = v.numberValue, n == n.rounded(), (1...4).contains(n) else {
                s.reader.report(p, "expected a channel number 1…4, got \(v.serialized())")
                return nil
            }
            return Int(n)
        }) { x.temperatureChannels = Array(Set(v)).sorted() }
        if let v = s.int("phases", range: 1...3) {
            if v == 2 { s.reader.report(s.path.key("phases"), "1 (single phase) or 3 (three phases), got 2") } else { x.phases = v }
        }
        if let v = s.double("over-voltage", range: 100...500) { x.overVoltage = v }
        if let v = s.double("under-voltage", range: 50...450) { x.underVoltage = v }
        if let v = s.double("phase-loss-voltage", range: 0...400) { x.phaseLossVoltage = v }
        if let v = s.double("voltage-hysteresis", range: 0...50) { x.voltageHysteresis = v }
        if let v = s.duration("voltage-delay", range: .zero ... .minutes(10)) { x.voltageDelay = v }
        if let v = s.duration("phase-loss-delay", range: .zero ... .minutes(10)) { x.phaseLossDelay = v }
        x.overCurrent = s.double("over-current", range: 0.1...6000)
        if let v = s.duration("over-current-delay", range: .zero ... .hours(1)) { x.overCurrentDelay = v }
        if let v = s.duration("sensor-fault-delay", range: .zero ... .hours(1)) { x.sensorFaultDelay = v }
        if let v = s.duration("stale-after", range: .seconds(1) ... .hours(1)) { x.staleAfter = v }
        if let v = s.double("trend-rise", range: 0...1000) { x.trendRise = v }
        if let v = s.duration("trend-window", range: .seconds(12) ... .hours(168)) { x.trendWindow = v }
        if let o = s.object("appliance") { x.appliance = ApplianceSettings.read(o) }
        if x.underVoltage >= x.overVoltage {
            s.reader.report(s.path.key("under-voltage"), "\(formatNumber(x.underVoltage)) V must be below over-voltage (\(formatNumber(x.overVoltage)) V)")
        }
        if x.phaseLossVoltage >= x.underVoltage {
            s.reader.report(s.path.key("phase-loss-voltage"), "\(formatNumber(x.phaseLossVoltage)) V must be below under-voltage (\(formatNumber(x.underVoltage)) V)")
        }
        return x
    }
}

/// "Prohibited appliance" detection (`appliance` in the settings): a resistive load of at least
/// `step` switched on and left on for `hold`, within `hours` (local time). Off without `step`.
package struct ApplianceSettings: Hashable, Sendable {
    /// The smallest step of active power that counts (W); nil: detection off.
    package var step: Double?
    /// The step's own power factor must be at least this (a heater is ≈ 1; a motor 0.7–0.85).
    package var minPowerFactor = 0.95
    /// How long the load must stay on: longer than a kettle's boil (3–4 min for 1.5 l at 2 kW).
    package var hold: Duration = .minutes(5)
    /// How long the load must be off before the alarm clears: longer than a thermostat's pause,
    /// so a cycling heater is one alarm, not one per cycle.
    package var clearDelay: Duration = .minutes(10)
    /// The level before a step is the median of this last stretch: a load that grows slowly
    /// moves it along and never makes a step.
    package var baseline: Duration = .seconds(60)
    /// Local times `["23:00", "06:00"]` when no such load is allowed; nil: all day.
    package var hours: (start: Int, end: Int)?

    package init(step: Double? = nil) { self.step = step }

    package static func == (a: ApplianceSettings, b: ApplianceSettings) -> Bool {
        a.step == b.step && a.minPowerFactor == b.minPowerFactor && a.hold == b.hold && a.clearDelay == b.clearDelay
            && a.baseline == b.baseline && a.hours?.start == b.hours?.start && a.hours?.end == b.hours?.end
    }

    package func hash(into h: inout Hasher) {
        h.combine(step)
        h.combine(minPowerFactor)
        h.combine(hold)
        h.combine(hours?.start)
        h.combine(hours?.end)
    }

    /// True when `minuteOfDay` (local) falls within `hours` (which may span midnight).
    func applies(atMinute m: Int) -> Bool {
        guard let (start, end) = hours else { return true }
        return start <= end ? (m >= start && m < end) : (m >= start || m < end)
    }

    static func read(_ o: JSONObjectReader) -> ApplianceSettings {
        var x = ApplianceSettings()
        x.step = o.double("step", required: true, range: 100...100_000)
        if let v = o.double("power-factor", range: 0.5...1) { x.minPowerFactor = v }
        if let v = o.duration("hold", range: .seconds(10) ... .hours(2)) { x.hold = v }
        if let v = o.duration("clear-delay", range: .zero ... .hours(2)) { x.clearDelay = v }
        if let v = o.duration("baseline", range: .seconds(10) ... .minutes(30)) { x.baseline = v }
        if let times = o.array("hours", { v, p -> Int? in
            guard let text = v.stringValue, let m = parseTimeOfDay(text) else {
                o.reader.report(p, "expected a local time \"HH:MM\", got \(v.serialized())")
                return nil
            }
            return m
        }) {
            let given = o.value("hours")?.arrayValue?.count ?? 0
            if times.count == 2, times[0] != times[1] {
                x.hours = (times[0], times[1])
            } else if given != 2 || times.count == 2 {
                o.reader.report(o.path.key("hours"), "give two different local times, from and to: [\"23:00\", \"06:00\"]")
            }
        }
        o.finish()
        return x
    }
}
