import FieldCore

extension ElectricalFireApp {
    package var settingsInForce: [String: JSONValue] {
        let s = settings
        return [
            "leakage-alarm": .number(s.leakageAlarm),
            "leakage-hysteresis": .number(s.leakageHysteresis),
            "leakage-delay": .duration(s.leakageDelay),
            "temperature-alarm": .number(s.temperatureAlarm),
            "temperature-hysteresis": .number(s.temperatureHysteresis),
            "temperature-delay": .duration(s.temperatureDelay),
            "temperature-channels": .array(s.temperatureChannels.map(JSONValue.int)),
            "clear-delay": .duration(s.clearDelay),
            "phases": .int(s.phases),
            "over-voltage": .number(s.overVoltage),
            "under-voltage": .number(s.underVoltage),
            "phase-loss-voltage": .number(s.phaseLossVoltage),
            "voltage-hysteresis": .number(s.voltageHysteresis),
            "voltage-delay": .duration(s.voltageDelay),
            "phase-loss-delay": .duration(s.phaseLossDelay),
            "over-current": .optional(s.overCurrent, JSONValue.number),
            "over-current-delay": .duration(s.overCurrentDelay),
            "sensor-fault-delay": .duration(s.sensorFaultDelay),
            "stale-after": .duration(s.staleAfter),
            "trend-rise": .number(s.trendRise),
            "trend-window": .duration(s.trendWindow),
            "appliance": s.appliance.inForce,
        ]
    }
}

extension ApplianceSettings {
    /// null while detection is off (no `step`).
    var inForce: JSONValue {
        guard let step else { return .null }
        var x: [String: JSONValue] = [
            "step": .number(step),
            "power-factor": .number(minPowerFactor),
            "hold": .duration(hold),
            "clear-delay": .duration(clearDelay),
            "baseline": .duration(baseline),
        ]
        x["hours"] = hours.map { h in .array([.string(timeOfDay(h.start)), .string(timeOfDay(h.end))]) } ?? .null
        return .object(x)
    }

    private func timeOfDay(_ minute: Int) -> String {
        let h = minute / 60, m = minute % 60
        return (h < 10 ? "0\(h)" : "\(h)") + ":" + (m < 10 ? "0\(m)" : "\(m)")
    }
}
