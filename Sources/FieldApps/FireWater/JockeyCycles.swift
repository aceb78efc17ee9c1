import FieldCore

/// Jockey-pump starts within a sliding window (normally one hour). A jockey pump tops up the
/// pressure lost to small leaks; starting it more often than the design allows (GB 50974 sizes
/// the pressure tank for ≤ 15 starts per hour) means the mains leak or the tank lost its air.
struct JockeyCycles: Hashable, Sendable {
    let window: Duration
    private(set) var starts: [Timestamp] = []
    /// More starts than this in a window would be a runaway pump or a stuck contact: keep the
    /// memory bounded (one start per second for an hour).
    static let capacity = 3600

    init(window: Duration) { self.window = window }

    mutating func recordStart(at t: Timestamp) {
        starts.append(t)
        if starts.count > Self.capacity { starts.removeFirst(starts.count - Self.capacity) }
    }

    /// Starts within the window ending at `now`.
    mutating func count(at now: Timestamp) -> Int {
        starts.removeAll { now - $0 > window }
        return starts.count
    }
}
