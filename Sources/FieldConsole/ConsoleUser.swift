/// What a console user may do. Each role may do everything the roles below it may.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    /// Looks: status, readings, alarms, log, config values.
    case viewer
    /// Works on site: acknowledges alarms, changes config, reads and writes devices, tests outputs.
    case technician
    /// Everything, including factory reset.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .technician: 1
        case .admin: 2
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// A console user from the site config: a name, a role and a crypt(3) hash of the password
/// (yescrypt `$y$…` or SHA-512 crypt `$6$…`), never the password itself.
public struct ConsoleUser: Hashable, Sendable, Codable {
    public var name: String
    public var role: Role
    public var passwordHash: String

    public init(name: String, role: Role, passwordHash: String) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
    }
}
