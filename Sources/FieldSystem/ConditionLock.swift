#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A pthread mutex with one condition variable on the monotonic clock, kept in heap storage
/// allocated once, so their addresses never move (swift-nio's `NIOLock` pattern).
///
/// A `var pthread_mutex_t` property passed as `&mutex` gives no such promise: Swift may hand the C
/// call a temporary copy, and a mutex that moves or is copied while locked is undefined behaviour.
/// Waiting on the monotonic clock keeps a technician's `date` change from stretching a timeout.
final class ConditionLock: @unchecked Sendable {
    // Used only through the methods below, which is what makes sharing the class safe.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        let attributes = UnsafeMutablePointer<pthread_condattr_t>.allocate(capacity: 1)
        attributes.initialize(to: pthread_condattr_t())
        defer {
            pthread_condattr_destroy(attributes)
            attributes.deinitialize(count: 1)
            attributes.deallocate()
        }
        // Only ENOMEM/EAGAIN can fail these: out of resources at start-up is a programmer-visible
        // crash, not an environment failure a caller could handle.
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init")
        precondition(pthread_condattr_init(attributes) == 0, "pthread_condattr_init")
        pthread_condattr_setclock(attributes, CLOCK_MONOTONIC)
        precondition(pthread_cond_init(condition, attributes) == 0, "pthread_cond_init")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deinitialize(count: 1)
        condition.deallocate()
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes one waiter; call with the mutex held.
    func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter; call with the mutex held.
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits for a signal until `deadline` (monotonic milliseconds); call with the mutex held.
    ///
    /// - Returns: false when the deadline passed. A true return may be spurious: the caller
    ///   re-checks its condition.
    func wait(until deadline: Int64) -> Bool {
        let clamped = max(deadline, 0)
        var time = timespec(tv_sec: Int(clamped / 1000), tv_nsec: Int(clamped % 1000) * 1_000_000)
        return pthread_cond_timedwait(condition, mutex, &time) != ETIMEDOUT
    }
}
