#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A named POSIX thread the uplink's components own: the outbox's SQLite writer and the MQTT
/// loop. Blocking C calls (SQLite, libmosquitto's select) run here, never on the Swift
/// concurrency pool.
final class UplinkThread: Sendable {
    /// Why a thread could not be started.
    struct StartError: Error, CustomStringConvertible {
        var name: String
        var code: Int32
        var description: String { "cannot start thread \(name): pthread_create failed: \(String(cString: strerror(code))) (errno \(code))" }
    }

    private final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    let name: String
    private let id: pthread_t
    private let joined = Mutex(false)

    /// Starts `body` on a new thread named `name` (the kernel keeps the first 15 bytes).
    init(name: String, _ body: @escaping @Sendable () -> Void) throws(StartError) {
        self.name = name
        let start = Unmanaged.passRetained(Start(name: name, body: body))
        var id = pthread_t()
        let rc = pthread_create(&id, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            nameCurrentThread(start.name)
            start.body()
            return nil
        }, start.toOpaque())
        guard rc == 0 else {
            start.release()
            throw StartError(name: name, code: rc)
        }
        self.id = id
    }

    /// True when called on this thread.
    var isCurrent: Bool { pthread_equal(pthread_self(), id) != 0 }

    /// Waits for the thread's body to return; later calls return at once. Never call it from the
    /// thread itself.
    func join() {
        let first = joined.withLock { done in
            defer { done = true }
            return !done
        }
        if first { pthread_join(id, nil) }
    }
}

/// Names the calling thread for `top -H` and `ps -L` (best effort: the kernel keeps 15 bytes).
/// `pthread_setname_np` is a GNU extension Swift does not see, so write `/proc/thread-self/comm`.
private func nameCurrentThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

/// A mutex with a condition variable on the monotonic clock, for threads that sleep until work
/// arrives or a deadline passes (Swift's `Mutex` cannot wait).
final class UplinkCondition: @unchecked Sendable {
    // Allocated once and never moved: pthread objects must keep their address.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a signal; call with the lock held (inside `withLock`).
    func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Waits for a signal or until `deadline` (monotonic ms); call with the lock held.
    func wait(untilMonotonicMilliseconds deadline: Int64) {
        var ts = timespec(tv_sec: Int(deadline / 1000), tv_nsec: Int(deadline % 1000) * 1_000_000)
        pthread_cond_timedwait(condition, mutex, &ts)
    }

    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}

/// A result handed from one thread to another that waits for it.
final class UplinkHandoff<Value: Sendable>: @unchecked Sendable {
    private let condition = UplinkCondition()
    // Guarded by `condition`.
    private var value: Value?

    func put(_ v: Value) {
        condition.withLock {
            value = v
            condition.broadcast()
        }
    }

    func take() -> Value {
        condition.withLock {
            while value == nil { condition.wait() }
            return value!
        }
    }
}
