#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldHAL
import Synchronization

/// Modbus TCP for the simulator: any number of listeners (`listen`), each with its devices by unit
/// id, and any number of concurrent connections. Two threads the server owns do the work: one
/// accepts connections on every listener, one answers requests on every connection in a `poll(2)`
/// loop (so the busy loop polls only connections, however many listeners there are).
///
/// Readiness: `listen` returns once the socket is bound and listening, so a master may connect
/// at once (the kernel queues the connection); `start` begins answering. `stop` closes every
/// connection and listener and joins the threads.
///
/// Requests on one connection are answered in order, pipelined ones included; a slow-response
/// fault delays that connection's later answers too, never another connection's.
package final class ModbusTCPServer: Sendable {
    package let name: String
    /// Connections beyond this are closed as soon as they are accepted.
    package let maxConnections: Int
    private let registry = Mutex<[ModbusTCPListener]>([])
    private let state = Mutex<LoopState>(.idle)
    let counters = WireCounters()
    /// Accepted connections on their way from the accepting thread to the answering one.
    let handoff = Mutex<[(fd: CInt, listener: ModbusTCPListener)]>([])
    let openConnections = Atomic<Int>(0)

    private enum LoopState {
        case idle
        case running(Threads)
        case stopped
    }

    /// The two threads, the wake-ups that interrupt their polls, and the flag that ends them.
    struct Threads: Sendable {
        var acceptor: WorkerThread?
        var answerer: WorkerThread?
        let acceptorWake: FileDescriptor.WakeUp
        let answererWake: FileDescriptor.WakeUp
        let stopping = StopFlag()

        func stop() {
            stopping.raise()
            acceptorWake.signal()
            answererWake.signal()
            acceptor?.join()
            answerer?.join()
        }
    }

    package init(name: String = "modbus-tcp", maxConnections: Int = 4096) {
        self.name = name
        self.maxConnections = maxConnections
    }

    deinit { stop() }

    /// Opens a listener; devices are attached to the listener it returns.
    ///
    /// - Parameters:
    ///   - host: numeric IPv4/IPv6 address or host name (`0.0.0.0` for every interface).
    ///   - port: 0 for a free port, read back from `ModbusTCPListener.port`.
    ///   - absentUnit: the answer to a unit id with no device.
    /// - Throws: `.badAddress`, or `.system` from socket, bind or listen (`EADDRINUSE`).
    package func listen(host: String = "127.0.0.1", port: Int = 0,
                       absentUnit: AbsentUnitReply = .exception(.gatewayTargetFailedToRespond)) throws(SimWireError) -> ModbusTCPListener {
        let socket = try TCPListenSocket.open(host: host, port: port, backlog: 1024, bus: name)
        let listener = ModbusTCPListener(host: host, socket: socket, absentUnit: absentUnit)
        registry.withLock { $0.append(listener) }
        state.withLock { s in
            if case .running(let threads) = s { threads.acceptorWake.signal() }
        }
        return listener
    }

    package var listeners: [ModbusTCPListener] { registry.withLock { $0 } }

    /// What the server has seen since it was made.
    package var statistics: WireStatistics { counters.snapshot }

    /// Starts accepting and answering on the server's threads; calling it again while it runs
    /// does nothing. A stopped server cannot be started again.
    ///
    /// - Throws: `.system` when a thread or its wake-up pipe cannot be made.
    package func start() throws(SimWireError) {
        try state.withLock { (s: inout LoopState) throws(SimWireError) in
            switch s {
            case .running: return
            case .stopped: preconditionFailure("\(name): a stopped ModbusTCPServer cannot be started again")
            case .idle: break
            }
            do throws(SystemError) {
                var threads = Threads(acceptorWake: try FileDescriptor.WakeUp(), answererWake: try FileDescriptor.WakeUp())
                let running = threads
                do throws(SystemError) {
                    threads.answerer = try WorkerThread.start("sim-tcp") { [self] in
                        TCPEventLoop(server: self, wake: running.answererWake, stopping: running.stopping).run()
                    }
                    threads.acceptor = try WorkerThread.start("sim-tcp-accept") { [self] in
                        acceptConnections(wake: running.acceptorWake, answerer: running.answererWake, stopping: running.stopping)
                    }
                } catch {
                    threads.stop()
                    throw error
                }
                s = .running(threads)
            } catch {
                throw .system(bus: name, error)
            }
        }
    }

    /// Stops answering: closes every connection and listener and waits for the threads to end.
    /// Calling it again does nothing.
    package func stop() {
        let previous = state.withLock { s in
            defer { s = .stopped }
            return s
        }
        if case .running(let threads) = previous { threads.stop() }
        for listener in registry.withLock({ $0 }) { listener.close() }
        for waiting in handoff.withLock({ h in defer { h = [] }; return h }) { close(waiting.fd) }
    }

    /// The accepting thread: waits on every listener and hands new connections over.
    private func acceptConnections(wake: FileDescriptor.WakeUp, answerer: FileDescriptor.WakeUp, stopping: StopFlag) {
        var fds: [pollfd] = []
        while !stopping.isRaised {
            let listeners = self.listeners
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wake.descriptor.rawValue, events: Int16(POLLIN), revents: 0))
            for l in listeners { fds.append(pollfd(fd: l.socket.fd, events: Int16(POLLIN), revents: 0)) }
            guard fds.withUnsafeMutableBufferPointer({ poll($0.baseAddress, nfds_t($0.count), -1) }) >= 0 || errno == EINTR else { return }
            if fds[0].revents != 0 { wake.drain() }
            var accepted = false, failed = false
            for (i, l) in listeners.enumerated() where fds[1 + i].revents & Int16(POLLIN) != 0 {
                while let result = l.socket.accept() {
                    guard case .success(let fd) = result else {
                        failed = true
                        break
                    }
                    counters.connections.bump()
                    guard openConnections.load(ordering: .relaxed) < maxConnections else {
                        close(fd)
                        continue
                    }
                    openConnections.add(1, ordering: .relaxed)
                    handoff.withLock { $0.append((fd, l)) }
                    accepted = true
                }
            }
            if accepted { answerer.signal() }
            if failed {
                // Out of descriptors: the connection stays queued and the listener readable, so
                // wait a little (or for stop) instead of spinning.
                var pause = pollfd(fd: wake.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
                _ = poll(&pause, 1, 100)
            }
        }
    }
}
