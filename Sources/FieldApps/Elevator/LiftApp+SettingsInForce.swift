import FieldCore

extension LiftApp {
    package var settingsInForce: [String: JSONValue] { settings.inForce }
}

extension LiftSettings {
    /// Every setting under its site-file key (`LiftSettings(settings:)` reads them back the same).
    var inForce: [String: JSONValue] {
        [
            "floors": .optional(floors, JSONValue.int),
            "bottom-floor": .int(bottomFloor),
            "skip-zero": .bool(skipZero),
            "travel-time-per-floor": .duration(travelTimePerFloor),
            "floor-height": .number(floorHeight),
            "floor-heights": .optional(floorHeights) { .array($0.map(JSONValue.number)) },
            "overspeed-factor": .number(overspeedFactor),
            "reopen-count": .int(reopenCount),
            "alarm-button-clear": .duration(alarmButtonClear),
            "floor-lost-clear-runs": .int(floorLostClearRuns),
            "maintenance-duration": .duration(maintenanceDuration),
            "pir-hold": .duration(pirHold),
            "presence-confirm": .duration(presenceConfirm),
            "presence-window": .duration(presenceWindow),
            "inspection-suppresses-power-loss": .bool(inspectionSuppressesPowerLoss),
            "debounce": .object(Dictionary(uniqueKeysWithValues: debounce.map { ($0.key.rawValue, JSONValue.duration($0.value)) })),
            "delays": .object(Dictionary(uniqueKeysWithValues: delays.map { ($0.key.rawValue, JSONValue.duration($0.value)) })),
            "disabled": .array(disabled.map { JSONValue.string($0.rawValue) }.sorted { ($0.stringValue ?? "") < ($1.stringValue ?? "") }),
            "status-codes": .object(Dictionary(uniqueKeysWithValues: statusCodes.map { ("\($0.key)", JSONValue.string($0.value.rawValue)) })),
        ]
    }
}
