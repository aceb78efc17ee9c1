#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// The source of wall-clock time for domain logic. Logic takes time as an input, so a 30-minute
/// lift fault is tested in milliseconds with a `ManualClock`.
package protocol FieldClock: Sendable {
    func now() -> Timestamp
}

/// The system's real-time clock (`CLOCK_REALTIME`).
package struct SystemClock: FieldClock {
    package init() {}
    package func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
}

/// A clock that moves only when a test tells it to.
package final class ManualClock: FieldClock {
    private let current: Mutex<Timestamp>

    package init(_ start: Timestamp = Timestamp(milliseconds: 1_767_225_600_000)) {  // 2026-01-01T00:00Z
        current = Mutex(start)
    }

    package func now() -> Timestamp { current.withLock { $0 } }

    package func advance(by d: Duration) { current.withLock { $0 = $0 + d } }

    package func set(_ t: Timestamp) { current.withLock { $0 = t } }
}

/// Monotonic time in milliseconds (`CLOCK_MONOTONIC`), for scheduling and timeouts that must not
/// jump when a technician sets the date.
package func monotonicMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Monotonic time in nanoseconds (`CLOCK_MONOTONIC`), for latency measurements.
package func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
