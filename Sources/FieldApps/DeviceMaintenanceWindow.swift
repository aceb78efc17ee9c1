import FieldCore

/// A technician's maintenance or test window (`maintenance` command) on one device whose alarms it
/// holds back: the pole cabinet's door, the fire-water devices' tests. The command's arguments,
/// its answers and the derived values the platform sees (`maintenance`, `maintenance-until`,
/// `maintenance-by`) are the same for every app that has one.
struct DeviceMaintenanceWindow: Hashable, Sendable {
    var until: Timestamp
    var by: String

    /// `maintenance {"action": "start", "for": "1h"}` (1 min…24 h; `nil` duration: the app's
    /// default) or `maintenance {"action": "end"}`.
    static func request(_ command: AppCommand) -> Result<(start: Bool, duration: Duration?), AppError> {
        command.readArguments { o -> (start: Bool, duration: Duration?)? in
            let action = o.string("action", required: true, oneOf: ["start", "end"])
            let duration = o.duration("for", range: AppCommands.window)
            guard let action else { return nil }
            if action == "end", duration != nil { o.reader.report(o.path.key("for"), "not allowed with action \"end\"") }
            return (action == "start", duration)
        }
    }

    /// The answer to a `start`.
    func started(utcOffsetMinutes: Int) -> JSONValue {
        ["maintenance": true, "until": .string(until.iso8601(offsetMinutes: utcOffsetMinutes)), "by": .string(by)]
    }

    /// The answer to an `end`: whether a window was open.
    static func ended(wasActive: Bool, by: String) -> JSONValue {
        ["maintenance": false, "was-active": .bool(wasActive), "by": .string(by)]
    }

    /// The window's derived values at `now` (`nil`: no window open).
    static func derivedValues(_ window: DeviceMaintenanceWindow?, now: Timestamp, utcOffsetMinutes: Int) -> [AppEffect] {
        [.derived(name: "maintenance", .bool(window != nil, at: now), unit: ""),
         .derived(name: "maintenance-until", Reading(.text(window.map { $0.until.iso8601(offsetMinutes: utcOffsetMinutes) } ?? ""), at: now), unit: ""),
         .derived(name: "maintenance-by", Reading(.text(window?.by ?? ""), at: now), unit: "")]
    }
}
