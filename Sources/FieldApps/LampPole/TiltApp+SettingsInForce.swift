import FieldCore

extension TiltApp {
    package var settingsInForce: [String: JSONValue] {
        [
            "limit": .number(settings.limit),
            "hysteresis": .number(settings.hysteresis),
            "delay": .duration(settings.delay),
            "baseline-x": .number(settings.baselineX),
            "baseline-y": .number(settings.baselineY),
            "baseline": .number(settings.baseline),
            "stale-after": .duration(settings.staleAfter),
        ]
    }
}
