#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldHAL
import Synchronization

/// Modbus TCP for the simulator: any number of listeners (`listen`), each with its devices by unit
/// id, and any number of concurrent connections, served by one `poll(2)` loop on a thread the
/// server owns.
///
/// Readiness: `listen` returns once the socket is bound and listening, so a master may connect
/// at once (the kernel queues the connection); `start` begins answering. `stop` closes every
/// connection and listener and joins the thread.
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

    private enum LoopState {
        case idle
        case running(thread: WireThread, wake: FileDescriptor.WakeUp, stopping: StopFlag)
        case stopped
    }

    final class StopFlag: Sendable {
        let raised = Atomic<Bool>(false)
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
            if case .running(_, let wake, _) = s { wake.signal() }
        }
        return listener
    }

    public var listeners: [ModbusTCPListener] { registry.withLock { $0 } }

    /// What the server has seen since it was made.
    public var statistics: WireStatistics { counters.snapshot }

    /// Starts answering on the server's thread; calling it again while it runs does nothing.
    /// A stopped server cannot be started again.
    ///
    /// - Throws: `.system` when the thread or its wake-up pipe cannot be made.
    public func start() throws(SimWireError) {
        try state.withLock { (s: inout LoopState) throws(SimWireError) in
            switch s {
            case .running: return
            case .stopped: preconditionFailure("\(name): a stopped ModbusTCPServer cannot be started again")
            case .idle: break
            }
            do throws(SystemError) {
                let wake = try FileDescriptor.WakeUp()
                let stopping = StopFlag()
                let thread = try WireThread(name: "sim-tcp") { [self] in
                    TCPEventLoop(server: self, wake: wake, stopping: stopping).run()
                }
                s = .running(thread: thread, wake: wake, stopping: stopping)
            } catch {
                throw .system(bus: name, error)
            }
        }
    }

    /// Stops answering: closes every connection and listener and waits for the thread to end.
    /// Calling it again does nothing.
    public func stop() {
        let previous = state.withLock { s in
            defer { s = .stopped }
            return s
        }
        if case .running(let thread, let wake, let stopping) = previous {
            stopping.raised.store(true, ordering: .releasing)
            wake.signal()
            thread.join()
        }
        for listener in registry.withLock({ $0 }) { listener.close() }
    }
}

/// The server's loop, made on the server's thread and used only there.
private final class TCPEventLoop {
    private let server: ModbusTCPServer
    private let wake: FileDescriptor.WakeUp
    private let stopping: ModbusTCPServer.StopFlag
    private let counters: WireCounters
    private var listeners: [ModbusTCPListener] = []
    private var connections: [TCPConnection] = []
    private var pollSet: [pollfd] = []
    private var scratch = [UInt8](repeating: 0, count: 65_536)
    private var reply: [UInt8] = []

    init(server: ModbusTCPServer, wake: FileDescriptor.WakeUp, stopping: ModbusTCPServer.StopFlag) {
        self.server = server
        self.wake = wake
        self.stopping = stopping
        counters = server.counters
        reply.reserveCapacity(512)
    }

    func run() {
        listeners = server.listeners
        while !stopping.raised.load(ordering: .acquiring) {
            buildPollSet()
            let now = monotonicNanoseconds()
            let timeout = pollTimeout(until: connections.compactMap(\.nextDue).min(), now: now)
            let ready = pollSet.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if pollSet[0].revents != 0 {
                wake.drain()
                listeners = server.listeners
            }
            serveReady()
            let later = monotonicNanoseconds()
            for c in connections where !c.closed { c.sendDue(now: later) }
            if connections.contains(where: \.closed) { connections.removeAll { $0.closed } }
        }
        for c in connections { c.close() }
        connections = []
    }

    private func buildPollSet() {
        pollSet.removeAll(keepingCapacity: true)
        pollSet.append(pollfd(fd: wake.descriptor.rawValue, events: Int16(POLLIN), revents: 0))
        for l in listeners { pollSet.append(pollfd(fd: l.socket.fd, events: Int16(POLLIN), revents: 0)) }
        for c in connections {
            pollSet.append(pollfd(fd: c.fd, events: Int16(c.wantsToWrite ? POLLIN | POLLOUT : POLLIN), revents: 0))
        }
    }

    private func serveReady() {
        let firstConnection = 1 + listeners.count
        for (i, l) in listeners.enumerated() where pollSet[1 + i].revents & Int16(POLLIN) != 0 {
            accept(on: l)
        }
        for i in 0..<(pollSet.count - firstConnection) {
            let events = pollSet[firstConnection + i].revents
            guard events != 0 else { continue }
            let c = connections[i]
            if events & Int16(POLLOUT) != 0 { c.flush() }
            if events & Int16(POLLIN | POLLHUP | POLLERR) != 0 { receive(on: c) }
        }
    }

    private func accept(on listener: ModbusTCPListener) {
        while let fd = listener.socket.accept() {
            counters.connections.bump()
            guard connections.count < server.maxConnections else {
                close(fd)
                continue
            }
            connections.append(TCPConnection(fd: fd, listener: listener))
        }
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
        reply.append(contentsOf: [UInt8(frame.transaction >> 8), UInt8(frame.transaction & 0xFF), 0, 0, 0, 0, frame.unit])
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
