import FieldCore
import FieldDevices
import FieldHAL

/// A command from the console or the platform (DESIGN rule 7: one command path). MQTT RPC and
/// console lines are both turned into a `GatewayCommand`, validated the same way, executed by the
/// runtime on the right worker, and audited.
package enum GatewayCommand: Sendable, Hashable {
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
    /// command the role its declaration names; a point write the highest role among the
    /// profile's commands that write that point (`address` needs what `set-address` needs);
    /// anything else a technician.
    /// - Parameters:
    ///   - profileCommands: the commands the device's profile declares.
    ///   - appCommands: the commands the device's app declares.
    ///   - points: the profile's Modbus points (a point write's target is looked up here).
    package func requiredRole(profileCommands: [CommandSpec], appCommands: [CommandSpec], points: [PointSpec]) -> RoleRequirement {
        switch self {
        case .acknowledge:
            return RoleRequirement(role: .viewer)
        case .app(_, let name, _):
            let spec = appCommands.first { $0.name == name }
            return RoleRequirement(role: spec?.role ?? .technician, command: spec?.name)
        case .deviceCommand(_, let name, _, _):
            let spec = profileCommands.first { $0.name == name }
            return RoleRequirement(role: spec?.role ?? .technician, command: spec?.name)
        case .writePoint(let ref, _):
            guard let point = points.first(where: { $0.name == ref.point }) else { return RoleRequirement(role: .technician) }
            let (role, by) = CommandSpec.writeRole(of: point, among: profileCommands)
            return RoleRequirement(role: role, command: by?.name, point: ref.point)
        default:
            return RoleRequirement(role: .technician)
        }
    }

    /// The device whose profile and app declare what this command needs, if any.
    package var declaringDevice: String? {
        switch self {
        case .app(let device, _, _), .deviceCommand(let device, _, _, _): device
        case .writePoint(let ref, _): ref.device
        default: nil
        }
    }
}

/// What a command needs of its caller (`GatewayCommand.requiredRole`): a role, and which
/// declaration asks for it.
package struct RoleRequirement: Sendable, Hashable {
    package var role: ConsoleUser.Role
    /// The app's or profile's command whose declaration names the role: the command run, or,
    /// for a point write, the command that writes the point (nil when none asks for more
    /// than a technician).
    package var command: String?
    /// The point written, for a point write.
    package var point: String?

    package init(role: ConsoleUser.Role, command: String? = nil, point: String? = nil) {
        self.role = role
        self.command = command
        self.point = point
    }

    /// What the caller was refused, after "may not" or before "needs": `run set-baud`,
    /// `write address (set-address writes it)`, nil when no declaration is involved.
    package var what: String? {
        guard let command else { return nil }
        guard let point else { return "run \(command)" }
        return "write \(point) (\(command), \(role == .admin ? "an" : "a") \(role.rawValue) command, writes it)"
    }
}

/// Who asked for a command, for permission checks and the audit log.
package struct CommandOrigin: Sendable, Hashable {
    package enum Channel: String, Sendable, Hashable {
        case console, platform, local
    }

    package var user: String
    package var role: ConsoleUser.Role
    package var channel: Channel

    package init(user: String, role: ConsoleUser.Role, channel: Channel) {
        self.user = user
        self.role = role
        self.channel = channel
    }

    /// The platform's RPCs with the default `uplink.rpcRole`.
    package static let platform = CommandOrigin(user: "platform", role: .technician, channel: .platform)

    /// The platform's RPCs, acting with the site's `uplink.rpcRole`.
    package static func platform(role: ConsoleUser.Role) -> CommandOrigin {
        CommandOrigin(user: "platform", role: role, channel: .platform)
    }
}

/// Why a command was refused or failed, in words an operator can act on.
package struct CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Code: String, Sendable, Hashable {
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

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
