#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A thread the runtime owns (DESIGN rule 2): bus workers, the GPIO worker, the engine, the
/// console. Blocking C calls run here, never on the Swift concurrency pool.
public final class WorkerThread: Sendable {
    private let handle: Mutex<pthread_t?>
    public let name: String

    private final class Box {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name` (15 characters show in `top -H`).
    public init(name: String, _ body: @escaping @Sendable () -> Void) throws(WorkerThreadError) {
        self.name = name
        let box = Unmanaged.passRetained(Box(name: name, body: body))
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            nameCurrentThread(box.name)
            box.body()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            throw WorkerThreadError(name: name, errno: rc)
        }
        handle = Mutex(thread)
    }

    /// Waits for the thread to finish; safe to call more than once.
    public func join() {
        let t: pthread_t? = handle.withLock { h in
            defer { h = nil }
            return h
        }
        if let t { pthread_join(t, nil) }
    }
}

/// Names the calling thread for `top -H` and `ps -L` (pthread_setname_np is not visible to Swift
/// without _GNU_SOURCE; /proc/thread-self/comm is the same thing).
private func nameCurrentThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

/// A thread could not be started (out of memory or thread limit).
public struct WorkerThreadError: Error, CustomStringConvertible, Sendable {
    public var name: String
    public var errno: Int32
    public var description: String { "cannot start thread \(name): \(String(cString: strerror(errno)))" }
}

/// A blocking FIFO between threads: producers never block; the consumer waits with a deadline.
public final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    // The pthread mutex/cond pair is used only inside `lock`/`unlock`/`wait` below, which is what
    // makes the class safe to share.
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var items: [Element] = []
    private var head = 0
    private var closed = false

    public init() {
        pthread_mutex_init(&mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    /// Adds an element; false if the queue was closed.
    @discardableResult
    public func push(_ e: Element) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard !closed else { return false }
        items.append(e)
        pthread_cond_signal(&cond)
        return true
    }

    /// Takes the oldest element, waiting until `deadline` (monotonic ms); nil on timeout or when
    /// the queue is closed and empty.
    public func pop(until deadline: Int64) -> Element? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while head == items.count {
            if closed { return nil }
            var ts = timespec(tv_sec: Int(deadline / 1000), tv_nsec: Int(deadline % 1000) * 1_000_000)
            if pthread_cond_timedwait(&cond, &mutex, &ts) == ETIMEDOUT, head == items.count { return nil }
        }
        let e = items[head]
        head += 1
        if head > 64, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return e
    }

    /// Takes everything queued now, without waiting.
    public func drain() -> [Element] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        let out = Array(items[head...])
        items.removeAll(keepingCapacity: true)
        head = 0
        return out
    }

    public var count: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return items.count - head
    }

    /// Refuses further pushes and wakes the consumer; elements already queued can still be popped.
    public func close() {
        pthread_mutex_lock(&mutex)
        closed = true
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }
}
