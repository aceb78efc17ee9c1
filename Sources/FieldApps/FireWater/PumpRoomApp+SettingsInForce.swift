import FieldCore

extension PumpRoomApp {
    package var settingsInForce: [String: JSONValue] {
        [
            "valve-debounce": .duration(settings.valveDebounce),
            "contact-debounce": .duration(settings.contactDebounce),
            "pressure-point": .optional(settings.pressurePoint, JSONValue.point),
            "start-pressure": .optional(settings.startPressure, JSONValue.number),
            "start-hysteresis": .number(settings.startHysteresis),
            "start-delay": .duration(settings.startDelay),
            "stale-after": .duration(settings.staleAfter),
            "jockey-starts-limit": .int(settings.jockeyStartsLimit),
            "jockey-window": .duration(settings.jockeyWindow),
        ]
    }
}
