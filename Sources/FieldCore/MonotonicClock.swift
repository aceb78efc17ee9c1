#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Monotonic time for scheduling: polls, pacing between frames, retries. Code that schedules
/// takes it as an input, so a bus worker's backoff over minutes is tested in milliseconds with a
/// `ManualMonotonicClock`.
package protocol MonotonicClock: Sendable {
    /// Nanoseconds since an arbitrary start; never goes back.
    func nanoseconds() -> UInt64

    /// Returns once the clock has reached `deadline` (ns on this clock).
    func sleep(until deadline: UInt64)

    /// Waits for what `poll` waits for, at most until `deadline` (ns on this clock).
    ///
    /// - Parameter poll: a blocking wait with a deadline in ms of `CLOCK_MONOTONIC`, such as
    ///   `BlockingQueue.pop(until:)`: nil when nothing came by then.
    /// - Returns: what `poll` returned, nil when nothing came before the deadline.
    func wait<T>(until deadline: UInt64, _ poll: (_ deadlineMillis: Int64) -> T?) -> T?
}

extension MonotonicClock {
    /// Milliseconds on this clock.
    package func milliseconds() -> Int64 { Int64(nanoseconds() / 1_000_000) }
}

/// The system's monotonic clock (`CLOCK_MONOTONIC`): it really sleeps and waits.
package struct SystemMonotonicClock: MonotonicClock {
    package init() {}

    package func nanoseconds() -> UInt64 { monotonicNanoseconds() }

    package func sleep(until deadline: UInt64) {
        let now = monotonicNanoseconds()
        guard now < deadline else { return }
        let wait = deadline - now
        var request = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }

    package func wait<T>(until deadline: UInt64, _ poll: (Int64) -> T?) -> T? {
        poll(Int64(clamping: deadline / 1_000_000))
    }
}

/// A monotonic clock in simulated time: it moves only when told to, and sleeping or waiting on
/// it moves it to the deadline at once. Code run on it goes through minutes of schedule in
/// milliseconds and in the same order every time.
package final class ManualMonotonicClock: MonotonicClock {
    private let current: Mutex<UInt64>

    /// - Parameter start: where the clock starts, ns (1 s by default: 0 reads as "never" in
    ///   some schedules).
    package init(start: UInt64 = 1_000_000_000) {
        current = Mutex(start)
    }

    package func nanoseconds() -> UInt64 { current.withLock { $0 } }

    /// Moves the clock on by `d` (a negative duration does not move it).
    package func advance(by d: Duration) {
        let ns = UInt64(clamping: max(0, d.nanoseconds))
        current.withLock { $0 += ns }
    }

    package func sleep(until deadline: UInt64) {
        current.withLock { $0 = max($0, deadline) }
    }

    /// Takes what is there now without waiting (a deadline long past), else moves to `deadline`.
    package func wait<T>(until deadline: UInt64, _ poll: (Int64) -> T?) -> T? {
        if let ready = poll(0) { return ready }
        sleep(until: deadline)
        return nil
    }
}
