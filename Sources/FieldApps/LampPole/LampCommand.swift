import FieldCore

/// The lamp head's `lamp` command as data: its arguments with their types and limits (level
/// 0–100 %, an override of 1 min–24 h), read in this one place for the app and for the
/// platform's `setLamp`; the console's `lamp` line reaches it through the app.
package struct LampCommand: Sendable, Hashable {
    package static let actions = ["on", "off", "dim", "auto"]
    /// Dim levels, percent.
    package static let levels = 0...100
    /// How long a manual override may last.
    package static let durations: ClosedRange<Duration> = .minutes(1) ... .hours(24)

    /// `on`, `off`, `dim` or `auto` (back to the schedule).
    package var action: String
    package var level: Int?
    /// nil: the app's `overrideDuration`.
    package var duration: Duration?

    /// The command as the app takes it (`{"action": "dim", "level": 40, "for": "2h"}`).
    package var arguments: JSONValue {
        var o: [String: JSONValue] = ["action": .string(action)]
        if let level { o["level"] = .number(Double(level)) }
        if let duration { o["for"] = .string(formatDuration(duration)) }
        return .object(o)
    }

    /// Reads `{"action", "level", "for"}`, reporting every problem at its path (`level: 120 is
    /// out of range (expected 0…100)`); nil when there was one.
    package static func read(_ o: JSONObjectReader) -> LampCommand? {
        let before = o.reader.issues.count
        let action = o.string("action", required: true, oneOf: actions)
        let level = o.int("level", range: levels)
        let duration = o.duration("for", range: durations)
        guard let action else { return nil }
        if action == "dim", !o.has("level") { o.reader.report(o.path.key("level"), "required with action \"dim\"") }
        if action == "off" || action == "auto", o.has("level") { o.reader.report(o.path.key("level"), "not allowed with action \"\(action)\"") }
        if action == "auto", o.has("for") { o.reader.report(o.path.key("for"), "not allowed with action \"auto\" (back to the schedule now)") }
        guard o.reader.issues.count == before else { return nil }
        return LampCommand(action: action, level: level, duration: duration)
    }
}
