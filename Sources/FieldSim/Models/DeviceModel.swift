import FieldCore
import FieldDevices

/// The time of one physics step: simulated time (which may run faster than real time) and the
/// wall clock, which the wire and its timeouts keep to.
struct StepTime: Sendable, Hashable {
    /// Simulated wall-clock time now.
    var now: Timestamp
    /// Simulated time since the previous step.
    var dt: Duration
    /// Real monotonic time now (ms), for what the wire measures: a controller's fallback
    /// timeout counts real seconds of gateway silence whatever the acceleration.
    var wall: Int64

    var seconds: Double { dt.inSeconds }
}

/// What a device model exchanges with its registers and GPIO lines in one physics step. The
/// world fills `held` and `outputs` before the step and serves `values` and `contacts` after it,
/// through the control layer's forced values and value faults.
struct DeviceIO {
    /// The device's writable points as its registers hold them now: what a master last wrote,
    /// or what the model last set.
    var held: [String: PointValue] = [:]
    /// The device's GPIO outputs as the gateway drives them (logical levels, by signal name).
    var outputs: [String: Bool] = [:]
    /// False while the device has no power: its Modbus side stays silent.
    var powered = true
    /// What the device serves from now on, by point name, in the point's unit (mA for a point
    /// with a 4–20 mA loop). Writable points appear only when the model changes them.
    var values: [String: PointValue] = [:]
    /// The device's input contacts (logical levels, by signal name).
    var contacts: [String: Bool] = [:]

    func number(_ point: String) -> Double? { held[point]?.number }
    func flag(_ point: String) -> Bool? { held[point]?.bool }
}

/// A named action a model takes (`call`, `press`, `hydrant`), for `fieldsim ctl` and the docs.
struct ActionInfo: Sendable, Hashable {
    var name: String
    /// Arguments as `fieldsim ctl do` takes them, e.g. `FLOOR`, `open|close`.
    var synopsis: String
    var summary: String

    /// `call FLOOR`.
    var usage: String { synopsis.isEmpty ? name : "\(name) \(synopsis)" }
}

extension PointValue {
    /// The value as JSON, for `show` and scenario reports.
    var json: JSONValue {
        switch self {
        case .number(let v): .number(v)
        case .bool(let b): .bool(b)
        case .text(let s): .string(s)
        }
    }
}

/// Shared physics that several devices measure: the fire-water network, a room's air, the
/// weather. Stepped once per tick, before the devices.
protocol SimSystem: AnyObject {
    /// The id `fieldsim ctl` addresses it by (`fire-water`, `weather`, an air terminal's id).
    var id: String { get }
    var knobs: [Knob] { get }
    var actions: [ActionInfo] { get }
    func step(_ time: StepTime)
    func perform(_ action: String, _ arguments: [String], at time: StepTime) throws(ControlError) -> JSONValue
    /// Derived state for `show` beyond the knobs.
    func state() -> [String: JSONValue]
}

extension SimSystem {
    var actions: [ActionInfo] { [] }
    func perform(_ action: String, _ arguments: [String], at time: StepTime) throws(ControlError) -> JSONValue {
        throw ControlError("\(id) has no action \"\(action)\"\(actions.isEmpty ? "" : " (actions: \(actions.map(\.name).joined(separator: ", ")))")")
    }
    func state() -> [String: JSONValue] { [:] }
}

/// The physics of one installed device: what it measures and how it answers the gateway's
/// writes and outputs. One per device of the site, made by `ModelFactory` from its profile.
protocol DeviceModel: AnyObject {
    var device: DeviceConfig { get }
    /// The shared systems the device belongs to: the world looks their knobs and actions up
    /// through the device too (`fieldsim ctl set main-pt.leak 0.3`).
    var systems: [any SimSystem] { get }
    var knobs: [Knob] { get }
    var actions: [ActionInfo] { get }
    /// Advances the device by `time.dt` and says what it serves now.
    func step(_ time: StepTime, io: inout DeviceIO)
    /// A master wrote to the device (after the registers took the write).
    func gatewayWrote(_ write: GatewayWrite, at time: StepTime)
    func perform(_ action: String, _ arguments: [String], at time: StepTime) throws(ControlError) -> JSONValue
    /// Derived state for `show` beyond the knobs and the served values.
    func state() -> [String: JSONValue]
    /// Writable registers as the device leaves the factory (an S8's ABC period), applied once
    /// when the simulator starts.
    func factoryValues() -> [String: PointValue]
}

extension DeviceModel {
    var id: String { device.id }
    var systems: [any SimSystem] { [] }
    var actions: [ActionInfo] { [] }
    func gatewayWrote(_ write: GatewayWrite, at time: StepTime) {}
    func perform(_ action: String, _ arguments: [String], at time: StepTime) throws(ControlError) -> JSONValue {
        throw ControlError("\(id) has no action \"\(action)\"")
    }
    func state() -> [String: JSONValue] { [:] }
    func factoryValues() -> [String: PointValue] { [:] }
}

/// Reads an action's arguments the way `fieldsim ctl do` gives them: words.
enum ActionArguments {
    static func number(_ arguments: [String], _ index: Int, _ what: String, action: String) throws(ControlError) -> Double {
        guard index < arguments.count else { throw ControlError("\(action) needs \(what)") }
        guard let n = Double(arguments[index]), n.isFinite else {
            throw ControlError("\(action): \(what) must be a number, got \"\(arguments[index])\"")
        }
        return n
    }

    static func optionalDuration(_ arguments: [String], _ index: Int, action: String) throws(ControlError) -> Duration? {
        guard index < arguments.count else { return nil }
        guard let d = parseDuration(arguments[index]) else {
            throw ControlError("\(action): \"\(arguments[index])\" is not a duration (e.g. 3s, 500ms, 2m)")
        }
        return d
    }

    /// One of `choices`, e.g. `open|close`.
    static func choice(_ arguments: [String], _ index: Int, _ choices: [String], action: String) throws(ControlError) -> String {
        guard index < arguments.count, choices.contains(arguments[index]) else {
            throw ControlError("\(action) takes \(choices.joined(separator: "|"))\(index < arguments.count ? ", got \"\(arguments[index])\"" : "")")
        }
        return arguments[index]
    }
}
