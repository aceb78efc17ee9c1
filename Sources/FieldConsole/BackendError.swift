import FieldCore

/// Why the gateway could not do what the console asked, in words a technician can act on.
package enum BackendError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No such thing: `kind` is "device", "point", "alarm", "bus", "line", "config key", …;
    /// `suggestions` are close names ("did you mean").
    case notFound(kind: String, name: String, suggestions: [String])
    /// A value that does not validate, with the JSON path of every problem
    /// (`devices[3].address: must be 1…247, got 300`).
    case invalid([ConfigIssue])
    /// The gateway will not do it: read-only point, action the profile does not define, a value
    /// outside what the device allows, already acknowledged, …
    case rejected(String)
    /// The device or line did not do it: the bus, unit, function, register and errno of the
    /// failure (`rs485-1 unit 3 FC3 @0x0000: timeout (ETIMEDOUT)`).
    case deviceError(String)
    /// The part of the gateway needed is not running (bus stopped, store not open).
    case unavailable(String)

    package var description: String {
        switch self {
        case .notFound(let kind, let name, let suggestions):
            let hint = suggestions.isEmpty ? "" : " (did you mean \(suggestions.prefix(3).map { "\"\($0)\"" }.joined(separator: ", "))?)"
            return "no \(kind) \"\(name)\"\(hint)"
        case .invalid(let issues):
            return issues.map(\.description).joined(separator: "\n")
        case .rejected(let m): return m
        case .deviceError(let m): return m
        case .unavailable(let m): return "unavailable: \(m)"
        }
    }
}
