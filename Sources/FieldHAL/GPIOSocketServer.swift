import Synchronization

/// Serves a `SimulatedGPIOChip` on a Unix socket (docs/gpio-protocol.md), on a thread of its own.
///
/// The simulator hosts one and drives the chip's outside-world side; gateways connect with
/// `GPIOSocketBackend`. Every raw change of a watched input is pushed to the client holding the
/// line as soon as the chip reports it. A client that disconnects gives its lines back.
package final class GPIOSocketServer: Sendable {
    /// Where the server listens (`@name`: a Linux abstract socket).
    package let socketPath: String
    package let chip: SimulatedGPIOChip

    private let shared = Shared()
    private let wakeUp: FileDescriptor.WakeUp
    private let thread: Mutex<WorkerThread?>

    /// State the server thread and its owner both see.
    final class Shared: Sendable {
        let stopping = Atomic<Bool>(false)
        let connections = Atomic<Int>(0)
    }

    /// Listens at `socketPath` (replacing a stale socket file) and starts serving. The socket
    /// accepts connections as soon as this returns.
    ///
    /// - Throws: `SystemError` when the socket cannot be made or the thread not started.
    package init(socketPath: String, chip: SimulatedGPIOChip) throws(SystemError) {
        self.socketPath = socketPath
        self.chip = chip
        let listener = try FileDescriptor.unixListener(path: socketPath)
        do {
            try listener.setNonBlocking(true)
            let wakeUp = try FileDescriptor.WakeUp()
            self.wakeUp = wakeUp
            let shared = self.shared
            thread = Mutex(try WorkerThread.start("gpio-server") {
                GPIOSocketServerLoop(path: socketPath, listener: listener, chip: chip, wakeUp: wakeUp, shared: shared).run()
            })
        } catch {
            try? listener.close()
            if !socketPath.hasPrefix("@") { removeStaleSocket(at: socketPath) }
            throw error
        }
    }

    deinit { stop() }

    /// How many clients are connected now.
    package var connectionCount: Int { shared.connections.load(ordering: .acquiring) }

    /// Stops serving: disconnects every client (their lines are released), closes the socket and
    /// removes its file. Returns when the thread has ended; calling it again does nothing.
    package func stop() {
        guard let t = thread.withLock({ t -> WorkerThread? in defer { t = nil }; return t }) else { return }
        shared.stopping.store(true, ordering: .releasing)
        wakeUp.signal()
        t.join()
    }
}
