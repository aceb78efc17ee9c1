import FieldHAL

/// Why a simulated bus or endpoint could not be set up.
package enum SimWireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// RTU units are 1–247, TCP units 1–255 (0 is broadcast).
    case unitOutOfRange(bus: String, unit: UInt8, allowed: ClosedRange<UInt8>)
    /// Another device already answers at that address.
    case unitTaken(bus: String, unit: UInt8, profile: String)
    /// A listener address that is not a numeric IPv4/IPv6 address or a resolvable host.
    case badAddress(bus: String, host: String, port: Int, detail: String)
    /// A system call failed (openpty, symlink, socket, bind, listen, pthread_create).
    case system(bus: String, SystemError)

    package var description: String {
        switch self {
        case .unitOutOfRange(let bus, let unit, let allowed):
            "\(bus): unit \(unit) outside \(allowed.lowerBound)–\(allowed.upperBound)"
        case .unitTaken(let bus, let unit, let profile):
            "\(bus): unit \(unit) is already a \(profile)"
        case .badAddress(let bus, let host, let port, let detail):
            "\(bus): cannot listen on \(host):\(port): \(detail)"
        case .system(let bus, let e):
            "\(bus): \(e)"
        }
    }
}
