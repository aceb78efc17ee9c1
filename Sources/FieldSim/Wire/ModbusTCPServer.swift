#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
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
public final class ModbusTCPServer: Sendable {
    public let name: String
    /// Connections beyond this are closed as soon as they are accepted.
    public let maxConnections: Int
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
        var acceptor: WireThread?
        var answerer: WireThread?
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

    public init(name: String = "modbus-tcp", maxConnections: Int = 4096) {
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
    public func listen(host: String = "127.0.0.1", port: Int = 0,
                       absentUnit: AbsentUnitReply = .exception(.gatewayTargetFailedToRespond)) throws(SimWireError) -> ModbusTCPListener {
        let socket = try TCPListenSocket.open(host: host, port: port, backlog: 1024, bus: name)
        let listener = ModbusTCPListener(host: host, socket: socket, absentUnit: absentUnit)
        registry.withLock { $0.append(listener) }
        state.withLock { s in
            if case .running(let threads) = s { threads.acceptorWake.signal() }
        }
        return listener
    }

    public var listeners: [ModbusTCPListener] { registry.withLock { $0 } }

    /// What the server has seen since it was made.
    public var statistics: WireStatistics { counters.snapshot }

    /// Starts accepting and answering on the server's threads; calling it again while it runs
    /// does nothing. A stopped server cannot be started again.
    ///
    /// - Throws: `.system` when a thread or its wake-up pipe cannot be made.
    public func start() throws(SimWireError) {
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
                    threads.answerer = try WireThread(name: "sim-tcp") { [self] in
                        TCPEventLoop(server: self, wake: running.answererWake, stopping: running.stopping).run()
                    }
                    threads.acceptor = try WireThread(name: "sim-tcp-accept") { [self] in
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
    public func stop() {
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

/// The answering thread's loop, made on that thread and used only there.
private final class TCPEventLoop {
    private let server: ModbusTCPServer
    private let wake: FileDescriptor.WakeUp
    private let stopping: StopFlag
    private let counters: WireCounters
    private var connections: [TCPConnection] = []
    private var pollSet: [pollfd] = []
    private var scratch = [UInt8](repeating: 0, count: 65_536)
    private var reply: [UInt8] = []
    /// Some connection may hold answers back (a slow-response fault).
    private var holding = false

    init(server: ModbusTCPServer, wake: FileDescriptor.WakeUp, stopping: StopFlag) {
        self.server = server
        self.wake = wake
        self.stopping = stopping
        counters = server.counters
        reply.reserveCapacity(512)
    }

    func run() {
        buildPollSet()
        while !stopping.isRaised {
            let timeout = pollTimeout(until: nextDue(), now: monotonicNanoseconds())
            let ready = pollSet.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            var changed = serveReady()
            if pollSet[0].revents != 0 {
                wake.drain()
                for new in server.handoff.withLock({ h in defer { h.removeAll() }; return h }) {
                    connections.append(TCPConnection(fd: new.fd, listener: new.listener))
                    changed = true
                }
            }
            if holding {
                let now = monotonicNanoseconds()
                for c in connections where c.nextDue != nil { c.sendDue(now: now) }
                changed = true
            }
            if changed { tidy() }
        }
        for c in connections { c.close() }
        server.openConnections.subtract(connections.count, ordering: .relaxed)
        connections = []
    }

    /// Drops closed connections and rebuilds the poll set (which descriptors, and which want to
    /// write).
    private func tidy() {
        let closed = connections.reduce(0) { $0 + ($1.closed ? 1 : 0) }
        if closed > 0 {
            connections.removeAll { $0.closed }
            server.openConnections.subtract(closed, ordering: .relaxed)
        }
        buildPollSet()
    }

    /// The earliest held answer's due time, nil when none is held.
    private func nextDue() -> UInt64? {
        guard holding else { return nil }
        var earliest: UInt64?
        for c in connections {
            if let due = c.nextDue, due < earliest ?? .max { earliest = due }
        }
        if earliest == nil { holding = false }
        return earliest
    }

    private func buildPollSet() {
        pollSet.removeAll(keepingCapacity: true)
        pollSet.append(pollfd(fd: wake.descriptor.rawValue, events: Int16(POLLIN), revents: 0))
        for c in connections {
            pollSet.append(pollfd(fd: c.fd, events: Int16(c.wantsToWrite ? POLLIN | POLLOUT : POLLIN), revents: 0))
        }
    }

    /// Serves every connection `poll` found ready.
    ///
    /// - Returns: whether the poll set must be rebuilt (a connection closed, or started or
    ///   stopped waiting to write).
    private func serveReady() -> Bool {
        var changed = false
        for i in connections.indices {
            let events = pollSet[1 + i].revents
            guard events != 0 else { continue }
            let c = connections[i]
            let wantedToWrite = c.wantsToWrite
            if events & Int16(POLLOUT) != 0 { c.flush() }
            if events & Int16(POLLIN | POLLHUP | POLLERR) != 0 { receive(on: c) }
            if c.closed || c.wantsToWrite != wantedToWrite { changed = true }
        }
        return changed
    }

    private func receive(on c: TCPConnection) {
        let n = scratch.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) {
            c.close()
            return
        }
        guard n > 0 else { return }
        scratch.withUnsafeBytes { c.decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        do {
            while let frame = try c.decoder.next() { answer(frame, on: c) }
        } catch {
            counters.badFrames.bump()
            c.close()
        }
    }

    private func answer(_ frame: MBAPFrameDecoder.Frame, on c: TCPConnection) {
        counters.requests.bump()
        reply.removeAll(keepingCapacity: true)
        // MBAP header: transaction id, protocol 0, length (filled in below), unit id.
        reply.append(UInt8(frame.transaction >> 8))
        reply.append(UInt8(frame.transaction & 0xFF))
        for _ in 0..<4 { reply.append(0) }
        reply.append(frame.unit)
        let plan = c.decoder.bytes.withUnsafeBufferPointer { all in
            c.listener.route(unit: frame.unit, UnsafeBufferPointer(rebasing: all[frame.pdu]), into: &reply)
        }
        guard let plan else { return }
        let length = reply.count - 6
        reply[4] = UInt8(length >> 8)
        reply[5] = UInt8(length & 0xFF)
        if plan.corrupt { reply[7] ^= 0x40 }
        counters.replies.bump()
        c.enqueue(reply, delay: plan.delay)
        if c.nextDue != nil { holding = true }
    }
}

/// One accepted connection: its input framing and the answers not yet on their way.
private final class TCPConnection {
    let fd: CInt
    let listener: ModbusTCPListener
    var decoder = MBAPFrameDecoder()
    private(set) var closed = false
    /// Bytes the socket has not taken yet.
    private var unsent: [UInt8] = []
    /// Answers held back by a slow-response fault, in order, with their due time (monotonic ns).
    private var held: [(due: UInt64, bytes: [UInt8])] = []

    /// More than this unsent (a master that does not read) closes the connection.
    private static let unsentLimit = 1 << 20

    init(fd: CInt, listener: ModbusTCPListener) {
        self.fd = fd
        self.listener = listener
    }

    var wantsToWrite: Bool { !unsent.isEmpty }
    var nextDue: UInt64? { held.first?.due }

    func enqueue(_ bytes: [UInt8], delay: Duration) {
        if delay == .zero && held.isEmpty {
            send(bytes)
        } else {
            let due = max(monotonicNanoseconds() + nanoseconds(delay), held.last?.due ?? 0)
            held.append((due, bytes))
        }
    }

    func sendDue(now: UInt64) {
        while let first = held.first, first.due <= now {
            held.removeFirst()
            send(first.bytes)
        }
    }

    func flush() {
        guard !unsent.isEmpty else { return }
        let pending = unsent
        unsent.removeAll(keepingCapacity: true)
        send(pending)
    }

    private func send(_ bytes: [UInt8]) {
        guard !closed else { return }
        if !unsent.isEmpty {
            unsent.append(contentsOf: bytes)
            if unsent.count > Self.unsentLimit { close() }
            return
        }
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
        if n == bytes.count { return }
        if n < 0 && errno != EAGAIN && errno != EINTR {
            close()
            return
        }
        unsent.append(contentsOf: bytes[max(n, 0)...])
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}
