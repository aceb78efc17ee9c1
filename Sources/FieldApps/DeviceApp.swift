import FieldCore
import FieldDevices

/// What a device's app knows about where it runs: its device, its points, the site.
package struct AppContext: Sendable {
    package var deviceID: String
    package var profileID: String
    /// The device's points (registers and GPIO signals alike) by name.
    package var points: [String: AppPointInfo]
    package var site: SiteInfo

    package init(deviceID: String, profileID: String, points: [String: AppPointInfo], site: SiteInfo) {
        self.deviceID = deviceID
        self.profileID = profileID
        self.points = points
        self.site = site
    }

    package func ref(_ point: String) -> PointRef { PointRef(device: deviceID, point: point) }
}

/// One point of the device as an app sees it.
package struct AppPointInfo: Sendable, Hashable {
    package var unit: String
    package var writable: Bool
    /// True for a GPIO signal, false for a Modbus point.
    package var isSignal: Bool

    package init(unit: String = "", writable: Bool = false, isSignal: Bool = false) {
        self.unit = unit
        self.writable = writable
        self.isSignal = isSignal
    }
}

/// The site as apps need it: where it is (astronomical clock) and its local time.
package struct SiteInfo: Sendable, Hashable {
    package var id: String
    package var latitude: Double?
    package var longitude: Double?
    /// Local time's offset east of UTC (China: +480, no daylight saving).
    package var utcOffsetMinutes: Int

    package init(id: String, latitude: Double? = nil, longitude: Double? = nil, utcOffsetMinutes: Int = 480) {
        self.id = id
        self.latitude = latitude
        self.longitude = longitude
        self.utcOffsetMinutes = utcOffsetMinutes
    }
}

/// What the runtime hands an app.
package enum AppInput: Sendable, Hashable {
    /// A new reading of a point the app subscribed to (its own or another device's).
    case reading(PointRef, Reading)
    /// Time passed (the runtime ticks every app about once a second, and at least every 5 s).
    case tick
    /// A command from the console or the platform (DESIGN rule 7: one command path).
    case command(AppCommand)
}

/// A typed command for an app: `lamp` (on/off/dim/auto, with an expiry), `maintenance`
/// (start/end), `silence`, `set-threshold`, … Each app documents the commands it takes.
package struct AppCommand: Sendable, Hashable {
    package var name: String
    package var arguments: JSONValue
    /// Who asked: a console user name or "platform".
    package var by: String

    package init(name: String, arguments: JSONValue = .object([:]), by: String) {
        self.name = name
        self.arguments = arguments
        self.by = by
    }
}

/// Something an app wants done. Apps never do I/O: the runtime carries out effects.
package enum AppEffect: Sendable, Hashable {
    /// Raise or clear an alarm (the runtime's alarm table makes events of real changes only).
    case alarm(AlarmID, Severity, AlarmSignal)
    /// Write a value to a writable point: a Modbus register/coil or a GPIO output.
    case write(PointRef, PointValue)
    /// A derived value (daily kWh, a rolling average, the lift's floor), published and shown like
    /// a point of the app's device.
    case derived(name: String, Reading, unit: String)
    /// The answer to the command being handled.
    case reply(Result<JSONValue, AppError>)
}

/// A command the app refused, with the reason an operator can act on.
package struct AppError: Error, Hashable, Sendable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// A device's domain logic: a pure state machine over readings, commands and time
/// (DESIGN rule 1). `(state, input, now) -> (state, [effect])`.
package protocol DeviceApp: Sendable {
    /// Every point whose readings the app needs, including other devices' points.
    var subscriptions: Set<PointRef> { get }
    mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect]
    /// When the app next needs a tick between inputs: a debounce or a delay that runs out then
    /// (the lift's alarm button). nil when the regular tick is soon enough.
    var wakeUp: Timestamp? { get }
    /// Every setting the app applies, defaults included, under the site file's keys and in its
    /// notation (durations as "10s"; null: off or none), so the console can show the value in
    /// force beside what the file sets. Read from the app's parsed settings, never a second table.
    var settingsInForce: [String: JSONValue] { get }
}

extension DeviceApp {
    package var wakeUp: Timestamp? { nil }
    package var settingsInForce: [String: JSONValue] { [:] }
}

/// Makes an app from its device's context and the device's `settings` object in the site file.
/// Settings errors are reported through the reader with their JSON path, like every config error.
package protocol DeviceAppFactory: Sendable {
    /// The app's name, as a profile's `app` field names it ("lamp-head", "pressure", "lift", …).
    var name: String { get }
    func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)?
    /// The commands the app takes, as data in the schema profiles use (`AppCommands`). The engine
    /// checks every command against them before the app sees it; the console's help and
    /// completion and the platform's `runCommand` are derived from them. A name not here is refused.
    var commands: [CommandSpec] { get }
}

extension DeviceAppFactory {
    package var commands: [CommandSpec] { [] }
}
