import Synchronization

/// What a bus or TCP server has seen since it started: for tests, `fieldsim ctl` status and the
/// benchmark.
package struct WireStatistics: Sendable, Hashable {
    /// Well-formed requests, to any unit (broadcasts included).
    package var requests = 0
    /// Answers sent (data or exception).
    package var replies = 0
    /// Frames that were not Modbus: bad CRC, noise on the line, a non-MBAP TCP stream.
    package var badFrames = 0
    /// TCP connections accepted.
    package var connections = 0

    package init() {}
}

/// Counters the server's thread bumps and any thread reads.
final class WireCounters: Sendable {
    let requests = Atomic<Int>(0)
    let replies = Atomic<Int>(0)
    let badFrames = Atomic<Int>(0)
    let connections = Atomic<Int>(0)

    var snapshot: WireStatistics {
        var s = WireStatistics()
        s.requests = requests.load(ordering: .relaxed)
        s.replies = replies.load(ordering: .relaxed)
        s.badFrames = badFrames.load(ordering: .relaxed)
        s.connections = connections.load(ordering: .relaxed)
        return s
    }
}

extension Atomic<Int> {
    func bump() { add(1, ordering: .relaxed) }
}
