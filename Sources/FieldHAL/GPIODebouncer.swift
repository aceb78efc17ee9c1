import FieldCore

/// Software debounce, once for every backend: raw level changes in, settled edges out.
///
/// A new level becomes an edge only after it has held for the line's debounce time; a bounce back
/// to the old level cancels it. The edge carries the time the level settled (its last raw change).
/// Time is an input, so the rules are tested with a manual clock.
struct GPIODebouncer: Sendable {
    struct Line: Sendable {
        var name: String
        var detection: GPIOEdgeDetection
        var debounce: Duration
        /// The last level reported (or read when the line was requested).
        var stable: Bool
        /// A new level waiting to hold for `debounce`, and when it began.
        var candidate: Bool?
        var since: Timestamp
    }

    private var lines: [Int: Line] = [:]

    /// - Parameters:
    ///   - lines: the request; only inputs with edge detection are tracked.
    ///   - levels: the logical level of each tracked line when it was requested.
    init(lines configs: [GPIOLineConfig], levels: [Int: Bool], now: Timestamp) {
        for (index, config) in configs.enumerated() where config.watchesEdges {
            lines[index] = Line(
                name: config.name, detection: config.edge, debounce: config.debounce,
                stable: levels[index] ?? false, candidate: nil, since: now)
        }
    }

    /// The level last reported for a tracked line.
    func stableValue(at index: Int) -> Bool? { lines[index]?.stable }

    /// The earliest time a waiting level will have held long enough.
    var nextDeadline: Timestamp? {
        lines.values.compactMap { $0.candidate == nil ? nil : $0.since + $0.debounce }.min()
    }

    /// Takes one raw change and returns the edges it completes.
    ///
    /// A level that held for its debounce time before this change is an edge even if nobody
    /// looked in between: the change proves how long it held.
    mutating func feed(_ raw: GPIORawEdge) -> [GPIOEdgeEvent] {
        guard var line = lines[raw.index] else { return [] }
        var events: [GPIOEdgeEvent] = []
        if let event = Self.commitIfHeld(&line, at: raw.time) { events.append(event) }
        if raw.value == line.stable {
            line.candidate = nil
        } else if line.candidate != raw.value {
            line.candidate = raw.value
            line.since = raw.time
        }
        if let event = Self.commitIfHeld(&line, at: raw.time) { events.append(event) }
        lines[raw.index] = line
        return events
    }

    /// Returns the edges whose level has held for the debounce time by `now`, oldest first.
    mutating func settle(now: Timestamp) -> [GPIOEdgeEvent] {
        var events: [GPIOEdgeEvent] = []
        for index in lines.keys.sorted() {
            guard var line = lines[index], line.candidate != nil else { continue }
            // The wall clock was set back while a level was waiting: count from now, or the
            // edge would wait for the clock to catch up.
            if now < line.since { line.since = now }
            if let event = Self.commitIfHeld(&line, at: now) { events.append(event) }
            lines[index] = line
        }
        return events.sorted { $0.time < $1.time }
    }

    private static func commitIfHeld(_ line: inout Line, at time: Timestamp) -> GPIOEdgeEvent? {
        guard let level = line.candidate, line.since + line.debounce <= time else { return nil }
        line.stable = level
        line.candidate = nil
        let edge = GPIOEdge(to: level)
        return line.detection.reports(edge) ? GPIOEdgeEvent(line: line.name, edge: edge, time: line.since) : nil
    }
}
