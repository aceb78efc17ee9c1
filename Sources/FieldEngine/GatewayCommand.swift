import FieldCore
import FieldDevices
import FieldHAL

/// A command from the console or the platform (DESIGN rule 7: one command path). MQTT RPC and
/// console lines are both turned into a `GatewayCommand`, validated the same way, executed by the
/// runtime on the right worker, and audited.
public enum GatewayCommand: Sendable, Hashable {
    /// A command for a device's app: `lamp` (on/off/dim/auto with an expiry), `maintenance`
    /// (start/end), `silence`, `fan`, `set-threshold`, `stats`, … as each app documents.
    case app(device: String, command: String, arguments: JSONValue)
    /// Acknowledge an alarm.
    case acknowledge(AlarmID)
    /// Run one of the commands the device's profile declares (`set-address`, `zero`,
    /// `set-power-limit`): its parameters' types and ranges are checked by the profile's
    /// `CommandSpec`, its register writes run in order on the device's bus worker. `unit` talks
    /// to another unit id than the configured one (a replacement sensor on its factory address).
    case deviceCommand(device: String, command: String, arguments: [String: Double], unit: Int? = nil)
    /// Write a value to a writable point: a register, a coil or a GPIO output. Read back after.
    case writePoint(PointRef, PointValue)
    /// Read raw registers or bits through the bus's worker, between polls.
    case readRegisters(bus: String, unit: Int, table: RegisterTable, address: Int, count: Int)
    /// Write raw registers (`table` holding) or coils (`table` coil, values 0/1) through the
    /// bus's worker, between polls. `function` asks for one function code (FC 16 for a single
    /// register, for a device that knows no FC 6); nil takes FC 5/6 for one value, 15/16 for more.
    case writeRegisters(bus: String, unit: Int, table: RegisterTable, address: Int, values: [UInt16], function: ModbusFunction? = nil)
    /// Drive a GPIO output line; with `revertAfter` it goes back to its previous level by itself.
    case setOutput(line: String, value: Bool, revertAfter: Duration?)
    /// Restart the gateway process (outputs to their safe state first).
    case restart
}

extension GatewayCommand {
    /// The role a caller needs for this command, the one rule the engine, the console and the
    /// platform's RPC check by: acknowledging an alarm needs a viewer; an app's or a profile's
    /// command the role its declaration (`spec`) names; anything else a technician.
    /// - Parameter spec: the declaration of the app's or profile's command, when it exists.
    public func requiredRole(declared spec: CommandSpec?) -> ConsoleUser.Role {
        switch self {
        case .acknowledge: .viewer
        case .app, .deviceCommand: spec?.role ?? .technician
        default: .technician
        }
    }
}

/// Who asked for a command, for permission checks and the audit log.
public struct CommandOrigin: Sendable, Hashable {
    public enum Channel: String, Sendable, Hashable {
        case console, platform, local
    }

    public var user: String
    public var role: ConsoleUser.Role
    public var channel: Channel

    public init(user: String, role: ConsoleUser.Role, channel: Channel) {
        self.user = user
        self.role = role
        self.channel = channel
    }

    /// The platform's RPCs with the default `uplink.rpcRole`.
    public static let platform = CommandOrigin(user: "platform", role: .technician, channel: .platform)

    /// The platform's RPCs, acting with the site's `uplink.rpcRole`.
    public static func platform(role: ConsoleUser.Role) -> CommandOrigin {
        CommandOrigin(user: "platform", role: role, channel: .platform)
    }
}

/// Why a command was refused or failed, in words an operator can act on.
public struct CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The command or its arguments are malformed or out of range. Nothing changed.
        case invalidArgument = "invalid-argument"
        /// No such device, point, line, bus or alarm.
        case notFound = "not-found"
        /// The caller's role or the site's settings do not allow it.
        case forbidden
        /// The device or bus answered with an error (timeout, exception).
        case deviceError = "device-error"
        /// The gateway cannot do it now (shutting down, queue full).
        case unavailable
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
