import FieldCore

/// Judges a scenario's expectations as the gateway's alarms and points come in.
struct ExpectationChecker {
    enum Verdict: Hashable {
        case pending
        case passed(String)
        case failed(String)

        var isDecided: Bool { self != .pending }
    }

    let expectations: [Scenario.Expectation]
    /// The scenario's end (s): a window without `by` ends here.
    let duration: Double
    private(set) var verdicts: [(Scenario.Expectation, Verdict)]
    /// The latest reading of each point an expectation names, for failure messages.
    private var lastSeen: [String: GatewayPoint] = [:]
    /// Every MQTT message so far, with its arrival (s from the start).
    private var messages: [(t: Double, message: MQTTBroker.Message)] = []
    /// Every data unit object the simulated centre received, with its arrival.
    private var centreObjects: [(t: Double, object: JSONValue)] = []

    init(_ expectations: [Scenario.Expectation], duration: Double) {
        self.expectations = expectations
        self.duration = duration
        verdicts = expectations.map { ($0, .pending) }
    }

    /// Every expectation is passed or failed (a `never` is decided only at its window's end).
    var decided: Bool { verdicts.allSatisfy { $0.1.isDecided } }

    /// Takes MQTT messages that arrived by `t`.
    mutating func receive(_ new: [MQTTBroker.Message], at t: Double) {
        messages += new.map { (t, $0) }
    }

    /// Takes data unit objects the centre received by `t`.
    mutating func receive(centre new: [JSONValue], at t: Double) {
        centreObjects += new.map { (t, $0) }
    }

    mutating func check(points: [String: GatewayPoint], alarms: AlarmHistory, at t: Double) {
        for i in verdicts.indices where !verdicts[i].1.isDecided {
            let e = verdicts[i].0
            verdicts[i].1 = judge(e, points: points, alarms: alarms, at: t)
        }
    }

    /// Decides what is still pending once the scenario has ended.
    mutating func finish(alarms: AlarmHistory) {
        for i in verdicts.indices where !verdicts[i].1.isDecided {
            let e = verdicts[i].0
            switch e.kind {
            case .alarm(_, .never): verdicts[i].1 = .passed("none raised")
            case .alarm(let pattern, .raised): verdicts[i].1 = .failed("not raised\(hint(pattern, alarms))")
            case .alarm(let pattern, .cleared):
                let raised = alarms.matching(pattern).last
                verdicts[i].1 = .failed(raised.map { "raised at \(seconds($0.episode.raised)) and never cleared" } ?? "never raised")
            case .point(let name, _, _):
                verdicts[i].1 = .failed("not seen\(lastSeen[name].map { "; last \(describe($0))" } ?? ": the gateway has no such point")")
            case .mqtt(_, _, true):
                verdicts[i].1 = .passed("none arrived")
            case .mqtt(let filter, _, false):
                verdicts[i].1 = .failed("none arrived\(topicHint(filter))")
            case .centre(_, true):
                verdicts[i].1 = .passed("none arrived")
            case .centre(_, false):
                verdicts[i].1 = .failed("none arrived\(centreHint())")
            }
        }
    }

    private mutating func judge(_ e: Scenario.Expectation, points: [String: GatewayPoint], alarms: AlarmHistory, at t: Double) -> Verdict {
        let from = e.after.inSeconds, to = e.by?.inSeconds ?? duration
        switch e.kind {
        case .alarm(let pattern, let condition):
            let episodes = alarms.matching(pattern)
            switch condition {
            case .raised:
                if let hit = episodes.first(where: { (from...to).contains($0.episode.raised) }) {
                    return .passed("\(hit.id) raised at \(seconds(hit.episode.raised)): \(hit.episode.message)")
                }
                return t > to ? .failed("not raised by \(seconds(to))\(hint(pattern, alarms))") : .pending
            case .cleared:
                if let hit = episodes.first(where: { $0.episode.cleared.map { (from...to).contains($0) } ?? false }) {
                    return .passed("\(hit.id) cleared at \(seconds(hit.episode.cleared!)) (raised at \(seconds(hit.episode.raised)))")
                }
                guard t > to else { return .pending }
                if let last = episodes.last { return .failed("raised at \(seconds(last.episode.raised)), not cleared by \(seconds(to))") }
                return .failed("never raised")
            case .never:
                if let hit = episodes.first(where: { (from...to).contains($0.episode.raised) }) {
                    return .failed("\(hit.id) raised at \(seconds(hit.episode.raised)): \(hit.episode.message)")
                }
                return t > to ? .passed("none raised") : .pending
            }
        case .mqtt(let filter, let contains, let never):
            return judge(mqtt: filter, contains: contains, never: never, from: from, to: to, at: t)
        case .centre(let contains, let never):
            if let hit = centreObjects.first(where: { (from...to).contains($0.t) && jsonContains($0.object, contains) }) {
                let text = "at \(seconds(hit.t)): \(hit.object.serialized().prefix(200))"
                return never ? .failed(text) : .passed(text)
            }
            guard t > to else { return .pending }
            return never ? .passed("none arrived") : .failed("none arrived by \(seconds(to))\(centreHint())")
        case .point(let name, let condition, let at):
            let p = points[name]
            if let p { lastSeen[name] = p }
            if let at {
                guard t >= at.inSeconds else { return .pending }
                guard let p else { return .failed("the gateway has no point \(name)") }
                return condition.holds(p) ? .passed("\(describe(p)) at \(seconds(t))") : .failed("\(describe(p)) at \(seconds(t))")
            }
            guard t >= from else { return .pending }
            if let p, condition.holds(p) { return .passed("\(describe(p)) at \(seconds(t))") }
            guard t > to else { return .pending }
            return .failed("not by \(seconds(to))\(p.map { "; last \(describe($0))" } ?? ": the gateway has no such point")")
        }
    }

    private func judge(mqtt filter: String, contains: JSONValue?, never: Bool, from: Double, to: Double, at t: Double) -> Verdict {
        let hit = messages.first { m in
            (from...to).contains(m.t) && topicMatches(filter, m.message.topic) && contains.map { jsonContains(m.message.payload, $0) } ?? true
        }
        if let hit {
            let text = "\(hit.message.topic) at \(seconds(hit.t)): \(hit.message.payload.serialized().prefix(160))"
            return never ? .failed(text) : .passed(text)
        }
        guard t > to else { return .pending }
        return never ? .passed("none arrived") : .failed("none arrived by \(seconds(to))\(topicHint(filter))")
    }

    /// What reached the centre, to help read a miss.
    private func centreHint() -> String {
        guard !centreObjects.isEmpty else { return " (nothing reached the centre)" }
        return " (\(centreObjects.count) objects; last: \(centreObjects.suffix(3).map { $0.object.serialized().prefix(160) }.joined(separator: " | ")))"
    }

    /// What arrived on the filter's topics, to help read a miss.
    private func topicHint(_ filter: String) -> String {
        let matching = messages.filter { topicMatches(filter, $0.message.topic) }
        guard !matching.isEmpty else {
            let topics = Set(messages.map(\.message.topic)).sorted()
            return topics.isEmpty ? " (no MQTT message at all)" : " (topics seen: \(topics.prefix(8).joined(separator: ", ")))"
        }
        let last = matching.suffix(3).map { $0.message.payload.serialized().prefix(120) }.joined(separator: " | ")
        return " (\(matching.count) on the topic; last: \(last))"
    }

    private func describe(_ p: GatewayPoint) -> String {
        let value = p.value.numberValue.map { formatNumber($0, decimals: 3) } ?? p.value.serialized()
        return "\(value) (\(p.quality))"
    }

    /// The alarms of the same device that were raised, to help read a miss.
    private func hint(_ pattern: String, _ alarms: AlarmHistory) -> String {
        let device = String(pattern.prefix { $0 != "/" && $0 != "." && $0 != "*" })
        let seen = alarms.matching(device + "*").map(\.id)
        return seen.isEmpty ? "" : " (\(device) raised: \(Array(Set(seen)).sorted().joined(separator: ", ")))"
    }
}
