#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Serves a `SimulatedGPIOChip` on a Unix socket (docs/gpio-protocol.md), on a thread of its own.
///
/// The simulator hosts one and drives the chip's outside-world side; gateways connect with
/// `GPIOSocketBackend`. Every raw change of a watched input is pushed to the client holding the
/// line as soon as the chip reports it. A client that disconnects gives its lines back.
public final class GPIOSocketServer: Sendable {
    /// Where the server listens (`@name`: a Linux abstract socket).
    public let socketPath: String
    public let chip: SimulatedGPIOChip

    private let shared = Shared()
    private let wakeUp: FileDescriptor.WakeUp
    private let thread: Mutex<pthread_t?>

    /// State the server thread and its owner both see.
    final class Shared: Sendable {
        let stopping = Atomic<Bool>(false)
        let connections = Atomic<Int>(0)
    }

    /// Listens at `socketPath` (replacing a stale socket file) and starts serving. The socket
    /// accepts connections as soon as this returns.
    ///
    /// - Throws: `SystemError` when the socket cannot be made or the thread not started.
    public init(socketPath: String, chip: SimulatedGPIOChip) throws(SystemError) {
        self.socketPath = socketPath
        self.chip = chip
        let listener = try FileDescriptor.unixListener(path: socketPath)
        do {
            try listener.setNonBlocking(true)
            let wakeUp = try FileDescriptor.WakeUp()
            self.wakeUp = wakeUp
            let shared = self.shared
            thread = Mutex(try startThread {
                GPIOSocketServerLoop(path: socketPath, listener: listener, chip: chip, wakeUp: wakeUp, shared: shared).run()
            })
        } catch {
            try? listener.close()
            if !socketPath.hasPrefix("@") { unlink(socketPath) }
            throw error
        }
    }

    deinit { stop() }

    /// How many clients are connected now.
    public var connectionCount: Int { shared.connections.load(ordering: .acquiring) }

    /// Stops serving: disconnects every client (their lines are released), closes the socket and
    /// removes its file. Returns when the thread has ended; calling it again does nothing.
    public func stop() {
        guard let id = thread.withLock({ t -> pthread_t? in defer { t = nil }; return t }) else { return }
        shared.stopping.store(true, ordering: .releasing)
        wakeUp.signal()
        pthread_join(id, nil)
    }
}

/// Starts a joinable POSIX thread running `body`: the server's loop blocks in `poll(2)` and must
/// not sit on a thread of the Swift concurrency pool.
private func startThread(_ body: @escaping @Sendable () -> Void) throws(SystemError) -> pthread_t {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body))
    var id = pthread_t()
    let rc = pthread_create(&id, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box.toOpaque())
    guard rc == 0 else {
        box.release()
        throw SystemError(code: rc, function: "pthread_create", subject: "GPIO server")
    }
    return id
}
