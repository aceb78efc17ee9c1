import FieldCore

extension PoleCabinetApp {
    package var settingsInForce: [String: JSONValue] {
        [
            "door-debounce": .duration(settings.doorDebounce),
            "water-debounce": .duration(settings.waterDebounce),
            "cable-debounce": .duration(settings.cableDebounce),
            "manhole-debounce": .duration(settings.manholeDebounce),
            "maintenance-duration": .duration(settings.maintenanceDuration),
            "lamps": .array(settings.lamps.map(JSONValue.string)),
        ]
    }
}
