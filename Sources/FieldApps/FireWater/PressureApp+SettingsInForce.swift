import FieldCore

extension PressureApp {
    /// The device-wide settings at the top level; `points` lists a watched point only where its
    /// settings differ from them (a `points` override, or a `set-threshold` command).
    package var settingsInForce: [String: JSONValue] {
        var x = settings.base.inForce
        x["sensor-fault-delay"] = .duration(settings.sensorFaultDelay)
        x["stale-after"] = .duration(settings.staleAfter)
        let own = settings.points.filter { $0.value != settings.base }
        if !own.isEmpty { x["points"] = .object(own.mapValues { .object($0.inForce) }) }
        return x
    }
}

extension PressurePointSettings {
    var inForce: [String: JSONValue] {
        [
            "category": .string(category.rawValue),
            "low": .optional(low, JSONValue.number),
            "high": .optional(high, JSONValue.number),
            "flowing-low": .optional(flowingLow, JSONValue.number),
            "flowing-high": .optional(flowingHigh, JSONValue.number),
            "flowing": .optional(flowing, JSONValue.point),
            "hysteresis": .number(hysteresis),
            "delay": .duration(delay),
            "clear-delay": .duration(clearDelay),
            "rapid-drop": .number(rapidDrop),
            "rapid-drop-window": .duration(rapidDropWindow),
            "rapid-drop-confirm": .duration(rapidDropConfirm),
            "rapid-drop-reference": .duration(rapidDropReference),
        ]
    }
}
