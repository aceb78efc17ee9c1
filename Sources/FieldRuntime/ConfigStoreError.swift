import FieldCore
import FieldHAL

/// Why the config store would not do what was asked, in words a technician can act on.
package enum ConfigStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key is not `name.name[index]…` (`devices[3].address`).
    case badKey(String)
    /// Nothing at the key; `suggestions` are keys that exist close by.
    case notFound(key: String, suggestions: [String])
    /// The change (or the file) does not validate: every problem with its JSON path.
    case invalid([ConfigIssue])
    /// A file operation failed: which call, on which file, and errno.
    case io(SystemError)
    /// There is no factory site file to go back to.
    case noFactoryFile(String)
    /// Someone else changed the configuration since this change was based on it (the
    /// platform's push against a console edit, or the other way round): what happened.
    case conflict(String)
    /// The change would let a role do more (a device's admin command opened to technicians,
    /// `uplink.rpcRole` raised, `console.users` changed) and the one asking is no admin: what
    /// was refused and why.
    case forbidden(String)

    package var description: String {
        switch self {
        case .badKey(let k): return "\"\(k)\" is not a config key like site.name, devices[3].address or devices[main-pt].address"
        case .notFound(let k, let s): return "no config key \"\(k)\"" + (s.isEmpty ? "" : " (did you mean \(s.prefix(3).map { "\"\($0)\"" }.joined(separator: ", "))?)")
        case .invalid(let issues): return issues.map(\.description).joined(separator: "\n")
        case .io(let e): return e.description
        case .noFactoryFile(let path): return "no factory site file at \(path): nothing erased"
        case .conflict(let what): return what
        case .forbidden(let what): return what
        }
    }
}
