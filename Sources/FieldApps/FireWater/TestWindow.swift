import FieldCore

/// A technician's test or maintenance window on a fire-water device (`maintenance` command, like
/// the cabinets' and lifts'): a pump test, a drain test, a valve exercised on purpose. While it is
/// open the device's alarms are held back instead of going to the monitoring centre; the platform
/// sees the window itself (derived values `maintenance`, `maintenance-until`, `maintenance-by`).
/// When the window ends, a condition that is still there is raised then, so a test that leaves a
/// valve closed or a pressure low is not forgotten. Alarms already up when it opens stay up.
struct TestWindow: Sendable {
    static let defaultDuration: Duration = .hours(1)

    private(set) var window: DeviceMaintenanceWindow?
    private let deviceID: String
    private let utcOffsetMinutes: Int
    /// Raises held back in the window whose condition has not cleared since.
    private var held: [AlarmID: (severity: Severity, value: PointValue?, message: String)] = [:]
    private var published: DeviceMaintenanceWindow??

    init(context: AppContext) {
        deviceID = context.deviceID
        utcOffsetMinutes = context.site.utcOffsetMinutes
    }

    /// `maintenance {"action": "start", "for": "1h"}` (1 min…24 h, default 1 h) or
    /// `maintenance {"action": "end"}`.
    mutating func command(_ command: AppCommand, now: Timestamp) -> Result<JSONValue, AppError> {
        DeviceMaintenanceWindow.request(command).map { request in
            if request.start {
                let w = DeviceMaintenanceWindow(until: now + (request.duration ?? Self.defaultDuration), by: command.by)
                window = w
                return w.started(utcOffsetMinutes: utcOffsetMinutes)
            }
            let was = window != nil
            window = nil
            return DeviceMaintenanceWindow.ended(wasActive: was, by: command.by)
        }
    }

    /// Passes the app's effects through the window at `now`: raises held back while it is open,
    /// their clears swallowed with them; at its end the held conditions raised; the window's
    /// derived values when it changes.
    mutating func filter(_ effects: [AppEffect], now: Timestamp) -> [AppEffect] {
        if let w = window, now >= w.until { window = nil }
        var out: [AppEffect] = []
        for effect in effects {
            guard case .alarm(let id, let severity, let signal) = effect, window != nil || held[id] != nil else {
                out.append(effect)
                continue
            }
            switch signal {
            case .raise(let value, let message):
                if window != nil { held[id] = (severity, value, message) } else { out.append(effect) }
            case .clear:
                // The clear of a held raise goes with it; one of an alarm raised before the window passes.
                if held.removeValue(forKey: id) == nil { out.append(effect) }
            }
        }
        if window == nil {
            for id in held.keys.sorted() {
                let h = held[id]!
                out.append(.alarm(id, h.severity, .raise(value: h.value, message: h.message + " (still so when the test window ended)")))
            }
            held = [:]
        }
        if published == nil || published! != window {
            published = .some(window)
            out += DeviceMaintenanceWindow.derivedValues(window, now: now, utcOffsetMinutes: utcOffsetMinutes)
        }
        return out
    }
}
