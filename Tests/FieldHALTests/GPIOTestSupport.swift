import Foundation
import Glibc
import Synchronization

/// A plain thread for tests that must block (a GPIO wait, a server loop) without tying up a
/// thread of the Swift concurrency pool.
final class BlockingThread: Sendable {
    private let thread: Mutex<pthread_t?>

    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var id = pthread_t()
        let rc = pthread_create(&id, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        thread = Mutex(id)
    }

    /// Waits for the body to return.
    func join() {
        guard let id = thread.withLock({ t -> pthread_t? in defer { t = nil }; return t }) else { return }
        pthread_join(id, nil)
    }

    deinit { join() }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

/// A fresh directory under /tmp, removed with everything in it by `remove()`. Short paths: a
/// Unix socket path must fit in 108 bytes.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = "/tmp/fieldhal-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Waits until `condition` holds, checking every millisecond, for at most `timeout`. For state
/// another thread changes that has no readiness signal of its own (a server noticing a client left).
func eventually(timeout: Duration = .seconds(5), _ condition: () throws -> Bool) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try condition() { return true }
        usleep(1000)
    }
    return try condition()
}
