import FieldCore

/// What a scenario step (`{"at": "5s", "centre": "down"}`) or `fieldsim centre` makes the
/// simulated centre do.
package enum CentreAction: Sendable, Hashable {
    case fault(GB26875Centre.Fault, delay: Duration?)
    case down
    case up
    case timeSync
    case rollCall
    /// A read (request, command 4) with this application data.
    case query([UInt8])

    package static let forms = "normal, deny, drop, disconnect, delay DURATION, down, up, time-sync, roll-call or query "
        + "(system-status SYS ADDR, component-status SYS ADDR COMPONENT, analog-value SYS ADDR COMPONENT, device-status, "
        + "device-time, raw BYTE…)"

    package init?(_ text: String) {
        let words = text.split(separator: " ").map(String.init)
        switch words.first {
        case "normal" where words.count == 1: self = .fault(.none, delay: nil)
        case "deny" where words.count == 1: self = .fault(.deny, delay: nil)
        case "drop" where words.count == 1: self = .fault(.drop, delay: nil)
        case "disconnect" where words.count == 1: self = .fault(.disconnect, delay: nil)
        case "delay" where words.count == 2:
            guard let d = parseDuration(words[1]), d >= .zero, d <= .seconds(600) else { return nil }
            self = .fault(.delay, delay: d)
        case "down" where words.count == 1: self = .down
        case "up" where words.count == 1: self = .up
        case "time-sync" where words.count == 1: self = .timeSync
        case "roll-call" where words.count == 1: self = .rollCall
        case "query" where words.count >= 2:
            guard let data = Self.query(Array(words.dropFirst())) else { return nil }
            self = .query(data)
        default: return nil
        }
    }

    /// The application data of a read (GB/T 26875.3 table 3, docs/gb26875.md): type, one
    /// object. `raw` gives every byte (decimal), for malformed and unsupported reads.
    private static func query(_ w: [String]) -> [UInt8]? {
        func byte(_ s: String) -> UInt8? { UInt8(s) }
        func component(_ s: String) -> [UInt8]? { UInt32(s).map { a in (0..<4).map { UInt8(truncatingIfNeeded: a >> (8 * $0)) } } }
        switch (w[0], w.count) {
        case ("system-status", 3):
            guard let s = byte(w[1]), let a = byte(w[2]) else { return nil }
            return [61, 1, s, a]
        case ("component-status", 4), ("analog-value", 4):
            guard let s = byte(w[1]), let a = byte(w[2]), let c = component(w[3]) else { return nil }
            return [w[0] == "component-status" ? 62 : 63, 1, s, a] + c
        case ("device-status", 1): return [81, 1, 0]
        case ("device-time", 1): return [88, 1, 0]
        case ("raw", 2...):
            let bytes = w.dropFirst().compactMap(byte)
            return bytes.count == w.count - 1 ? bytes : nil
        default: return nil
        }
    }

    package func apply(to centre: GB26875Centre, now: Timestamp = SystemClock().now()) {
        switch self {
        case .fault(let f, let delay): centre.setFault(f, delay: delay)
        case .down: centre.setDown(true)
        case .up: centre.setDown(false)
        case .timeSync: centre.sendTimeSync(CivilTime(now, offsetMinutes: 480))
        case .rollCall: centre.rollCall()
        case .query(let data): centre.query(data)
        }
    }
}
