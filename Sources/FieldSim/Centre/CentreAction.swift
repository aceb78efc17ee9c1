import FieldCore

/// What a scenario step (`{"at": "5s", "centre": "down"}`) or `fieldsim centre` makes the
/// simulated centre do.
public enum CentreAction: Sendable, Hashable {
    case fault(GB26875Centre.Fault, delay: Duration?)
    case down
    case up
    case timeSync
    case rollCall

    public static let forms = "normal, deny, drop, disconnect, delay DURATION, down, up, time-sync or roll-call"

    public init?(_ text: String) {
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
        default: return nil
        }
    }

    public func apply(to centre: GB26875Centre, now: Timestamp = SystemClock().now()) {
        switch self {
        case .fault(let f, let delay): centre.setFault(f, delay: delay)
        case .down: centre.setDown(true)
        case .up: centre.setDown(false)
        case .timeSync: centre.sendTimeSync(CivilTime(now, offsetMinutes: 480))
        case .rollCall: centre.rollCall()
        }
    }
}
