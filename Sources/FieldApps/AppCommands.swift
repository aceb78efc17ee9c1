import FieldCore
import FieldDevices

/// Every app's commands as data (`DeviceAppFactory.commands`), in the schema profiles use for
/// theirs: names, parameters with their types, units and ranges, and the role that may run
/// them. The engine checks a command against these once, before the app sees it; the console's
/// `app` help and completion and the platform's `runCommand` read the same lists. Each family's
/// page documents them. Every app command needs the technician role, except `restore-stats`
/// (admin): it overwrites the lift's counters for good, which maintenance contracts are billed by.
package enum AppCommands {
    /// A manual override or a maintenance window: 1 min to 24 h.
    static let window: ClosedRange<Duration> = .minutes(1) ... .hours(24)
    /// The pressure limits `set-threshold` may set (MPa), as the settings `low`, `high` and
    /// `rapid-drop` take them.
    static let pressureLimits: ClosedRange<Double> = 0...100
    /// The tank level limits `set-threshold` may set (m), as the settings `low` and `high` take them.
    static let levelLimits: ClosedRange<Double> = 0...1000
    /// A lift counter `restore-stats` may set (trips, door cycles, running hours, faults of a type).
    static let counts: ClosedRange<Double> = 0...1e12

    /// `lamp {"action": "on"|"off"|"dim"|"auto", "level": 0…100, "for": "1m"…"24h"}` (docs/lamp-pole.md).
    package static let lamp = CommandSpec(name: "lamp", description: "switch or dim the lamp by hand, or back to its schedule (auto)", parameters: [
        CommandParameter(name: "action", kind: .word(LampCommand.actions)),
        CommandParameter(name: "level", description: "dim level, with action dim", unit: "%",
                         range: Double(LampCommand.levels.lowerBound)...Double(LampCommand.levels.upperBound), required: false),
        CommandParameter(name: "for", description: "how long the override lasts (default: the app's override-duration)",
                         kind: .duration(LampCommand.durations), required: false),
    ])

    /// `maintenance {"action": "start"|"end", "for": "1m"…"24h"}`: a technician's window.
    package static let maintenance = CommandSpec(name: "maintenance", description: "open or close a maintenance window (alarms held back)", parameters: [
        CommandParameter(name: "action", kind: .word(["start", "end"])),
        CommandParameter(name: "for", description: "how long, with start (default: the app's maintenance duration)", kind: .duration(window), required: false),
    ])

    /// The pressure app's `set-threshold`: limits per watched point until the gateway restarts.
    package static let pressureThreshold = CommandSpec(name: "set-threshold", description: "change a watched point's pressure limits until restart", parameters: [
        CommandParameter(name: "point", description: "the watched point (needed when the device watches several)", kind: .word([]), required: false),
        CommandParameter(name: "low", unit: "MPa", range: pressureLimits, integer: false, required: false),
        CommandParameter(name: "high", unit: "MPa", range: pressureLimits, integer: false, required: false),
        CommandParameter(name: "rapid-drop", unit: "MPa", range: pressureLimits, integer: false, required: false),
        CommandParameter(name: "alarm", description: "the platform's form: alarm and value", kind: .word(["low-pressure", "high-pressure", "rapid-drop"]), required: false),
        CommandParameter(name: "value", unit: "MPa", range: pressureLimits, integer: false, required: false),
    ])

    /// The tank level app's `set-threshold`.
    package static let tankThreshold = CommandSpec(name: "set-threshold", description: "change the tank's level limits until restart", parameters: [
        CommandParameter(name: "low", unit: "m", range: levelLimits, integer: false, required: false),
        CommandParameter(name: "high", unit: "m", range: levelLimits, integer: false, required: false),
        CommandParameter(name: "alarm", description: "the platform's form: alarm and value", kind: .word(["low-level", "high-level"]), required: false),
        CommandParameter(name: "value", unit: "m", range: levelLimits, integer: false, required: false),
    ])

    /// The air terminal's (docs/indoor-air.md).
    package static let airTerminal = [
        CommandSpec(name: "fan", description: "run the fan by hand, for a while or until set back to auto", parameters: [
            CommandParameter(name: "mode", kind: .word(["on", "off", "auto"])),
            CommandParameter(name: "for", description: "then back to auto", kind: .duration(window), required: false),
        ]),
        CommandSpec(name: "silence", description: "quiet the buzzer until the poor spell ends, for a while, or let it sound again", parameters: [
            CommandParameter(name: "for", kind: .duration(window), required: false),
            CommandParameter(name: "cancel", description: "let it sound again", kind: .flag, required: false),
        ]),
        CommandSpec(name: "status", description: "averages, coverage, LED band, fan and buzzer"),
    ]

    /// The lift's (docs/elevator.md).
    package static let lift = [
        CommandSpec(name: "status", description: "direction, floor, door, occupancy, mode, active alarms"),
        CommandSpec(name: "stats", description: "trips, door cycles, running hours, faults by type"),
        CommandSpec(name: "restore-stats", description: "set the statistics from a saved stats reply", parameters: [
            CommandParameter(name: "trips", range: counts, required: false),
            CommandParameter(name: "door-cycles", range: counts, required: false),
            CommandParameter(name: "running-hours", unit: "h", range: counts, integer: false, required: false),
            CommandParameter(name: "faults", description: "count by fault type", kind: .object, required: false),
        ], role: .admin),
        maintenance,
        CommandSpec(name: "set-floor", description: "tell the floor counter where the stopped car is (in a door zone)", parameters: [
            CommandParameter(name: "floor", description: "the floor's label", range: -99...999),
        ]),
    ]
}
