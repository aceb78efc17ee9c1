#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A thread a component owns (DESIGN rule 2): bus workers, the GPIO worker, the engine, the
/// console, the simulator's wire and GPIO servers. Blocking C calls run here, never on the Swift
/// concurrency pool. The one thread type of the code base: nothing else calls `pthread_create`.
package final class WorkerThread: Sendable {
    private let handle: Mutex<pthread_t?>
    package let name: String

    private final class Box {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name` (15 characters show in `top -H`).
    package init(name: String, _ body: @escaping @Sendable () -> Void) throws(WorkerThreadError) {
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

    /// Starts a thread as `init(name:_:)` does, for callers whose failures are `SystemError`s.
    ///
    /// - Throws: `SystemError` from `pthread_create`, with the thread's name as its subject.
    package static func start(_ name: String, _ body: @escaping @Sendable () -> Void) throws(SystemError) -> WorkerThread {
        do {
            return try WorkerThread(name: name, body)
        } catch {
            throw SystemError(code: error.errno, function: "pthread_create", subject: name)
        }
    }

    /// Waits for the thread to finish; safe to call more than once.
    package func join() {
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
package struct WorkerThreadError: Error, CustomStringConvertible, Sendable {
    package var name: String
    package var errno: Int32
    package var description: String { "cannot start thread \(name): \(String(cString: strerror(errno)))" }
}
