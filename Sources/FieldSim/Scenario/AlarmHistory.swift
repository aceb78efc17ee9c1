import FieldCore

/// Every alarm a scenario saw the gateway raise and clear, rebuilt from its local API's alarm
/// list (active alarms and cleared ones not yet acknowledged), in seconds from the scenario's
/// start.
struct AlarmHistory {
    struct Episode: Hashable {
        var raised: Double
        var cleared: Double?
        var severity: String
        var message: String
    }

    private(set) var episodes: [String: [Episode]] = [:]

    /// Takes one poll of the gateway's alarms at scenario time `t` (s); the alarms' own times
    /// are used where the gateway gives them.
    mutating func observe(_ alarms: [GatewayAlarm], start: Timestamp, at t: Double) {
        for a in alarms {
            let raised = a.raisedAt.map { ($0 - start).inSeconds } ?? t
            let cleared = a.active ? nil : (a.clearedAt.map { ($0 - start).inSeconds } ?? t)
            var list = episodes[a.id] ?? []
            if let i = list.indices.last, abs(list[i].raised - raised) < 0.0005 {
                if list[i].cleared == nil { list[i].cleared = cleared }
            } else {
                if let i = list.indices.last, list[i].cleared == nil { list[i].cleared = raised }
                list.append(Episode(raised: raised, cleared: cleared, severity: a.severity, message: a.message))
            }
            episodes[a.id] = list
        }
    }

    /// Episodes of alarms whose id matches `pattern`, by id.
    func matching(_ pattern: String) -> [(id: String, episode: Episode)] {
        episodes.keys.sorted().filter { globMatches(pattern, $0) }.flatMap { id in episodes[id]!.map { (id, $0) } }
    }

    /// One line per alarm seen, for the report.
    var summary: [String] {
        episodes.keys.sorted().flatMap { id in
            episodes[id]!.map { e in
                "\(id) [\(e.severity)] raised \(seconds(e.raised))\(e.cleared.map { ", cleared \(seconds($0))" } ?? ", active"): \(e.message)"
            }
        }
    }
}

/// `12.3 s` (negative: before the scenario started).
func seconds(_ t: Double) -> String { "\(formatNumber(t, decimals: 1)) s" }
