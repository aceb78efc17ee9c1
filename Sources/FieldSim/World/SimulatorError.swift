import FieldCore
import FieldHAL

/// Why a simulator could not start.
package enum SimulatorError: Error, Sendable, CustomStringConvertible {
    /// The site or board file (with every problem's JSON path).
    case config(ConfigError)
    /// A bus or TCP endpoint (a port in use, a unit address taken).
    case wire(SimWireError)
    /// A socket, a pty or a thread.
    case system(SystemError)
    /// The state directory or `endpoints.json` cannot be written.
    case file(path: String, String)
    /// Something the simulator cannot serve as asked (a board with lines on two chips).
    case unsupported(String)

    package var description: String {
        switch self {
        case .config(let e): e.description
        case .wire(let e): e.description
        case .system(let e): e.description
        case .file(let path, let detail): "\(path): \(detail)"
        case .unsupported(let m): m
        }
    }
}
