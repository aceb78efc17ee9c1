import FieldCore

/// A profile-defined operation the console and the platform's RPC may run on a device: a fixed
/// sequence of register writes, some taking a parameter (set the unit address, set the baud rate,
/// zero a pressure transmitter, start a CO2 background calibration).
package struct CommandSpec: Sendable, Hashable {
    /// The command's name within its profile (`set-address`), an identifier.
    package var name: String
    /// What it does and what the technician must do first ("vent the transmitter to air").
    package var description: String
    package var parameters: [CommandParameter]
    /// The writes, run in this order on the device's bus worker.
    package var writes: [CommandWrite]
    /// Who may run it: `technician` (readings, self-tests, silencing, calibration, limits) or
    /// `admin` (what changes the device's identity or bus settings, or what it keeps for good:
    /// unit id, baud rate, its own alarm settings, restored counters). The console offers and
    /// runs it for users with this role; the platform's RPCs when `uplink.rpcRole` reaches it.
    package var role: ConsoleUser.Role

    /// - Parameters:
    ///   - writes: a profile command's register writes; none for an app's command (the app
    ///     carries it out).
    ///   - role: who may run it (never `viewer`: every command acts on a device).
    package init(name: String, description: String = "", parameters: [CommandParameter] = [], writes: [CommandWrite] = [],
                role: ConsoleUser.Role = .technician) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.writes = writes
        self.role = role
    }

    package func parameter(_ name: String) -> CommandParameter? { parameters.first { $0.name == name } }
}

/// A value the operator gives a command.
package struct CommandParameter: Sendable, Hashable {
    package var name: String
    package var description: String
    package var unit: String
    /// Allowed values (ignored when `choices` are given).
    package var range: ClosedRange<Double>?
    /// Only whole numbers are allowed.
    package var integer: Bool
    /// The values the operator may give and the code written for each (baud 9600 → code 2).
    package var choices: [CommandChoice]
    /// What the value is: a number (the fields above), or, for an app's command, a word, a
    /// duration or a flag.
    package var kind: Kind
    /// The command cannot run without it (profile commands: always).
    package var required: Bool

    /// The value types besides numbers an app's command takes.
    package enum Kind: Sendable, Hashable {
        /// A number: whole where `integer`, within `range` or one of `choices`.
        case number
        /// One of these words (`on`, `off`, `auto`); any identifier when the list is empty (the
        /// app knows the set: a device's point names).
        case word([String])
        /// A duration as `"30m"`, `"2h"` or seconds, within the range.
        case duration(ClosedRange<Duration>)
        /// `true` or `false`.
        case flag
        /// A JSON object the app reads itself (a `stats` reply's faults by type).
        case object
    }

    package init(name: String, description: String = "", unit: String = "", range: ClosedRange<Double>? = nil,
                integer: Bool = true, choices: [CommandChoice] = [], kind: Kind = .number, required: Bool = true) {
        self.name = name
        self.description = description
        self.unit = unit
        self.range = range
        self.integer = integer
        self.choices = choices
        self.kind = kind
        self.required = required
    }

    /// The value to write for an operator's argument, or why it is refused.
    package func resolve(_ argument: Double) -> Result<Double, CommandSpecError> {
        if !choices.isEmpty {
            guard let c = choices.first(where: { $0.value == argument }) else {
                let allowed = choices.map { formatNumber($0.value) }.joined(separator: ", ")
                return .failure(.badArgument(parameter: name, "\(formatNumber(argument)) is not one of \(allowed)"))
            }
            return .success(c.code)
        }
        guard argument.isFinite else { return .failure(.badArgument(parameter: name, "expected a number")) }
        if integer, argument != argument.rounded() {
            return .failure(.badArgument(parameter: name, "\(formatNumber(argument)) is not a whole number"))
        }
        if let range, !range.contains(argument) {
            return .failure(.badArgument(parameter: name, "\(formatNumber(argument)) is out of range (expected \(formatNumber(range.lowerBound))…\(formatNumber(range.upperBound)))"))
        }
        return .success(argument)
    }
}

/// One allowed value of a parameter and the code the device wants for it.
package struct CommandChoice: Sendable, Hashable {
    package var value: Double
    package var code: Double

    package init(value: Double, code: Double) {
        self.value = value
        self.code = code
    }
}

/// One write of a command: a point (named, or a bare register given in the command) and the value.
package struct CommandWrite: Sendable, Hashable {
    package enum Value: Sendable, Hashable {
        case fixed(PointValue)
        /// The (resolved) value of the named parameter.
        case parameter(String)
    }

    /// The register or coil written, with its codec (type, word order, scale). A bare register's
    /// spec is named `table@address`.
    package var target: PointSpec
    /// True when `target` is one of the profile's points.
    package var isProfilePoint: Bool
    package var value: Value

    package init(target: PointSpec, isProfilePoint: Bool, value: Value) {
        self.target = target
        self.isProfilePoint = isProfilePoint
        self.value = value
    }
}

/// A command the device cannot be given as asked.
package enum CommandSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingArgument(parameter: String)
    case unknownArgument(String)
    case badArgument(parameter: String, String)
    case encoding(CodecError)

    package var description: String {
        switch self {
        case .missingArgument(let p): "missing argument \"\(p)\""
        case .unknownArgument(let a): "unknown argument \"\(a)\""
        case .badArgument(let p, let why): "\(p): \(why)"
        case .encoding(let e): e.description
        }
    }
}

extension CommandSpec {
    /// The register writes that carry out the command with these arguments, encoded with each
    /// target's codec (word order, scale), in order.
    /// - Throws: `CommandSpecError` for a missing, unknown or refused argument, or a value the target
    ///   cannot hold.
    package func writes(arguments: [String: Double]) throws(CommandSpecError) -> [PointWrite] {
        for key in arguments.keys.sorted() where parameter(key) == nil {
            throw .unknownArgument(key)
        }
        var resolved: [String: Double] = [:]
        for p in parameters {
            guard let a = arguments[p.name] else { throw .missingArgument(parameter: p.name) }
            resolved[p.name] = try p.resolve(a).get()
        }
        var out: [PointWrite] = []
        out.reserveCapacity(writes.count)
        for w in writes {
            let value: PointValue
            switch w.value {
            case .fixed(let v): value = v
            case .parameter(let p): value = .number(resolved[p] ?? 0)
            }
            do {
                out.append(try w.target.write(value))
            } catch {
                throw .encoding(error)
            }
        }
        return out
    }
}

extension CommandSpec {
    /// Whether one of the command's writes can change what `point` holds: the same table,
    /// overlapping registers (or coils), and overlapping bits where both are bit fields of one
    /// register. A bare register the command names counts as much as a named point.
    package func writes(to point: PointSpec) -> Bool {
        writes.contains { $0.target.sharesStorage(with: point) }
    }

    /// The role a direct write of `point` needs, and the command that asks for it: the highest
    /// role among `commands` whose writes reach the point (the transmitter's `address` needs
    /// what `set-address` needs), and at least a technician. `command` is nil when no command
    /// asks for more than a technician.
    package static func writeRole(of point: PointSpec, among commands: [CommandSpec]) -> (role: ConsoleUser.Role, command: CommandSpec?) {
        let top = commands.filter { $0.writes(to: point) }.max { $0.role < $1.role }
        guard let top, top.role > .technician else { return (.technician, nil) }
        return (top.role, top)
    }
}

extension PointSpec {
    /// Whether a write of one point can change what the other holds: the same table,
    /// overlapping addresses, and, where both are bit fields, overlapping bits.
    package func sharesStorage(with other: PointSpec) -> Bool {
        guard table == other.table, span.overlaps(other.span) else { return false }
        if let a = bits, let b = other.bits { return a.mask & b.mask != 0 }
        return true
    }
}
