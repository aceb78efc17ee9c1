import Testing
import FieldCore
@testable import FieldApps

/// Runs one app in simulated time the way the runtime will: readings and commands in, a tick at
/// least every few seconds, effects collected; alarms go through a real `AlarmTable`.
struct LampFireRig<App: DeviceApp> {
    var app: App
    var now: Timestamp
    var alarms = AlarmTable()
    var events: [AlarmEvent] = []
    var writes: [(time: Timestamp, ref: PointRef, value: PointValue)] = []
    var derived: [String: Reading] = [:]
    var derivedHistory: [(name: String, reading: Reading)] = []
    var replies: [Result<JSONValue, AppError>] = []

    init(_ app: App, at start: Timestamp) {
        self.app = app
        now = start
    }

    /// Feeds one input at the current time and applies its effects.
    @discardableResult
    mutating func send(_ input: AppInput) -> [AppEffect] {
        let effects = app.handle(input, now: now)
        for effect in effects {
            switch effect {
            case .alarm(let id, let severity, let signal):
                if let e = alarms.apply(signal, id: id, severity: severity, now: now) { events.append(e) }
            case .write(let ref, let value):
                writes.append((now, ref, value))
            case .derived(let name, let reading, _):
                derived[name] = reading
                derivedHistory.append((name, reading))
            case .reply(let r):
                replies.append(r)
            }
        }
        return effects
    }

    mutating func reading(_ ref: PointRef, _ value: PointValue?, quality: Quality = .good) {
        send(.reading(ref, Reading(value, quality: quality, at: now)))
    }

    mutating func tick() { send(.tick) }

    /// Sends a command and returns the app's reply.
    mutating func command(_ name: String, _ arguments: JSONValue = .object([:]), by user: String = "tech") -> Result<JSONValue, AppError>? {
        let before = replies.count
        send(.command(AppCommand(name: name, arguments: arguments, by: user)))
        return replies.count > before ? replies.last : nil
    }

    /// Advances time in `step`s, ticking and calling `each` (a poll) at every step.
    mutating func run(for duration: Duration, step: Duration = .seconds(1), each: (inout Self) -> Void = { _ in }) {
        let end = now + duration
        while now < end {
            now += step
            each(&self)
            tick()
        }
    }

    func isActive(_ type: String) -> Bool {
        alarms.active.contains { $0.id.type == type }
    }

    func raises(_ type: String) -> [AlarmEvent] {
        events.filter { $0.kind == .raise && $0.id.type == type }
    }

    func severity(_ type: String) -> Severity? {
        alarms.all.first { $0.id.type == type }?.severity
    }

    /// The last value written to `point` (of any device).
    func lastWrite(_ point: String) -> PointValue? {
        writes.last { $0.ref.point == point }?.value
    }
}

/// Builds an app context with the given points.
func appContext(_ device: String, profile: String, points: [String: AppPointInfo],
                latitude: Double? = 34.0357, longitude: Double? = 113.8523) -> AppContext {
    AppContext(deviceID: device, profileID: profile, points: points,
               site: SiteInfo(id: "test-site", latitude: latitude, longitude: longitude, utcOffsetMinutes: 480))
}

/// A local (UTC+8) time as a timestamp.
func beijingTime(_ text: String) -> Timestamp {
    Timestamp(iso8601: text, defaultOffsetMinutes: 480)!
}

/// Reads a settings object the way the runtime will, returning what the factory made and the
/// issues found.
func makeApp(_ factory: any DeviceAppFactory, _ context: AppContext, settings: JSONValue?) -> (app: (any DeviceApp)?, issues: [String]) {
    let reader = JSONReader()
    let object = settings.flatMap { reader.object($0, at: JSONPath.root.key("devices").index(0).key("settings")) }
    let app = factory.make(context: context, settings: object)
    object?.finish()  // as the runtime does after the factory
    return (app, reader.issues.map(\.description))
}
