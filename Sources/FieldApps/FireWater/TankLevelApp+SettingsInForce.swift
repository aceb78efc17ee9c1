import FieldCore

extension TankLevelApp {
    package var settingsInForce: [String: JSONValue] {
        [
            "low": .number(settings.low),
            "high": .optional(settings.high, JSONValue.number),
            "hysteresis": .number(settings.hysteresis),
            "delay": .duration(settings.delay),
            "sensor-fault-delay": .duration(settings.sensorFaultDelay),
            "stale-after": .duration(settings.staleAfter),
        ]
    }
}
