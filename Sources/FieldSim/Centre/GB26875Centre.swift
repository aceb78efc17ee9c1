#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldHAL
import Foundation
import Synchronization

/// A simulated alarm operations centre (监控中心) for the gateway's GB 26875.3 link: accepts TCP
/// connections, reads every frame with its own decoder (`CentreDecoder`), confirms what is valid
/// and denies what is not, and, on fault injection, denies everything, drops frames unanswered,
/// answers late, disconnects, or goes down altogether (docs/simulator.md, "The centre").
package final class GB26875Centre: Sendable {
    /// How the centre misbehaves.
    package enum Fault: String, Sendable, CaseIterable {
        /// Confirm valid frames, deny invalid ones.
        case none
        /// Deny every frame.
        case deny
        /// Answer nothing.
        case drop
        /// Confirm after the set delay.
        case delay
        /// Close the connection on the next frame, unanswered.
        case disconnect
    }

    /// A data unit object that reached the centre, with when (ms, monotonic) and from which frame.
    package struct Received: Sendable {
        package var at: Int64
        package var serial: Int
        package var source: [UInt8]
        package var object: JSONValue
    }

    package let host: String
    /// The centre's own address (the destination the gateway uses).
    package let address: [UInt8]
    private let wantedPort: Int
    private let state = Mutex(State())
    private let stopFlag = Atomic<Bool>(false)
    private let thread = Mutex<WorkerThread?>(nil)
    private let log = Logger("centre")

    private struct State: Sendable {
        var port = 0
        var listener: CInt = -1
        var down = false
        var fault = Fault.none
        var delay: Duration = .seconds(1)
        var received: [Received] = []
        var taken = 0
        var problems: [String] = []
        var frames = 0
        var connections = 0
        /// Control and request frames to send to every connected device (time sync, roll call, reads).
        var outgoing: [[UInt8]] = []
        var serial: UInt16 = 0
        /// The centre's requests by serial number: the read type asked for.
        var requests: [Int: UInt8] = [:]
        var answers: [Answer] = []
    }

    /// A device's answer to one of the centre's requests: a response with its decoded objects,
    /// or a deny.
    package struct Answer: Sendable {
        package var serial: Int
        /// `response` or `deny`.
        package var command: String
        /// The read type the request asked for.
        package var request: UInt8
        package var objects: [JSONValue]
        /// The answer frame's own time label (its header), as the decoder prints it.
        package var time: String
    }

    /// - Parameter port: 0 for a free port (see `port` after `start`).
    package init(host: String = "127.0.0.1", port: Int = 0, address: [UInt8] = [0, 0, 0, 0, 0, 0]) {
        self.host = host
        wantedPort = port
        self.address = address.count == 6 ? address : [0, 0, 0, 0, 0, 0]
    }

    package var port: Int { state.withLock { $0.port } }

    /// Listens and starts the centre's thread.
    package func start() throws {
        try listen(port: wantedPort)
        stopFlag.store(false, ordering: .releasing)
        let t = try WorkerThread(name: "centre") { [self] in loop() }
        thread.withLock { $0 = t }
    }

    package func stop() {
        stopFlag.store(true, ordering: .releasing)
        thread.withLock { t in
            t?.join()
            t = nil
        }
        state.withLock { s in
            if s.listener >= 0 { close(s.listener) }
            s.listener = -1
        }
    }

    deinit { stop() }

    private func listen(port: Int) throws {
        let socket = try TCPListenSocket.open(host: host, port: port, backlog: 8, bus: "centre")
        state.withLock { s in
            s.listener = socket.fd
            s.port = socket.port
        }
    }

    // MARK: - Control

    package func setFault(_ fault: Fault, delay: Duration? = nil) {
        state.withLock { s in
            s.fault = fault
            if let delay { s.delay = delay }
        }
        log.notice("fault: \(fault.rawValue)")
    }

    /// An outage: the listening socket closes and connections drop (connects are refused), or
    /// the centre comes back on the same port.
    package func setDown(_ down: Bool) {
        state.withLock { $0.down = down }
        log.notice(down ? "down" : "up")
    }

    /// Sends a time sync (data unit 90) with `time` to every connected device.
    package func sendTimeSync(_ time: CivilTime) {
        let label: [UInt8] = [time.second, time.minute, time.hour, time.day, time.month, time.year - 2000].map { UInt8(clamping: $0) }
        queueControl([90, 1] + label)
    }

    /// Sends a roll call (data unit 91) to every connected device.
    package func rollCall() { queueControl([91, 1]) }

    /// Sends a request (command 4, a read) with the application data `data` (type, count,
    /// objects: sent as given, so a test can send a malformed one) to every connected device.
    /// - Returns: the request's serial number, which the device's answer carries.
    @discardableResult
    package func query(_ data: [UInt8]) -> Int {
        state.withLock { s in
            s.serial &+= 1
            s.requests[Int(s.serial)] = data.first ?? 0
            s.outgoing.append(frame(serial: Int(s.serial), command: 4, destination: [0, 0, 0, 0, 0, 0], data: data))
            return Int(s.serial)
        }
    }

    /// The answers to the centre's requests so far, in arrival order.
    package var answers: [Answer] { state.withLock { $0.answers } }
    /// The answer to the request with serial number `serial`, if it came.
    package func answer(to serial: Int) -> Answer? { state.withLock { s in s.answers.first { $0.serial == serial } } }

    private func queueControl(_ data: [UInt8]) {
        state.withLock { s in
            s.serial &+= 1
            s.outgoing.append(frame(serial: Int(s.serial), command: 1, destination: [0, 0, 0, 0, 0, 0], data: data))
        }
    }

    // MARK: - What arrived

    /// Every object received so far.
    package var received: [Received] { state.withLock { $0.received } }
    /// Objects received since the last call.
    package func newReceived() -> [Received] {
        state.withLock { s in
            defer { s.taken = s.received.count }
            return Array(s.received[s.taken...])
        }
    }
    /// Frames the centre refused or could not read, one line each.
    package var problems: [String] { state.withLock { $0.problems } }
    package var frameCount: Int { state.withLock { $0.frames } }
    package var connectionCount: Int { state.withLock { $0.connections } }

    // MARK: - The centre's thread

    private final class Connection {
        let fd: CInt
        var buffer: [UInt8] = []
        var open = true
        init(fd: CInt) { self.fd = fd }
    }

    private func loop() {
        var connections: [Connection] = []
        var delayed: [(due: Int64, fd: CInt, bytes: [UInt8])] = []
        while !stopFlag.load(ordering: .acquiring) {
            let (listener, down, outgoing) = state.withLock { s -> (CInt, Bool, [[UInt8]]) in
                defer { s.outgoing = [] }
                return (s.listener, s.down, s.outgoing)
            }
            if down {
                if listener >= 0 {
                    close(listener)
                    state.withLock { $0.listener = -1 }
                }
                for c in connections { close(c.fd) }
                connections = []
                delayed = []
                usleep(20_000)
                continue
            }
            if listener < 0 {
                do {
                    try listen(port: state.withLock { $0.port })
                } catch {
                    log.error("cannot listen again: \(error)")
                    usleep(200_000)
                }
                continue
            }
            for bytes in outgoing { for c in connections { write(c, bytes) } }
            let now = monotonicMilliseconds()
            for d in delayed where d.due <= now {
                if let c = connections.first(where: { $0.fd == d.fd }) { write(c, d.bytes) }
            }
            delayed.removeAll { $0.due <= now }
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)] + connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            _ = poll(&fds, nfds_t(fds.count), 20)
            let polled = connections
            if fds[0].revents != 0 {
                let fd = accept(listener, nil, nil)
                if fd >= 0 {
                    connections.append(Connection(fd: fd))
                    state.withLock { $0.connections += 1 }
                    log.info("device connected")
                }
            }
            for (i, c) in polled.enumerated() where fds[i + 1].revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = read(c.fd, &chunk, chunk.count)
                guard n > 0 else {
                    c.open = false
                    continue
                }
                c.buffer += chunk[0..<n]
                serve(c, &delayed)
            }
            for c in connections where !c.open { close(c.fd) }
            connections.removeAll { !$0.open }
        }
        for c in connections { close(c.fd) }
    }

    /// Reads every whole frame in the connection's buffer and answers it.
    private func serve(_ c: Connection, _ delayed: inout [(due: Int64, fd: CInt, bytes: [UInt8])]) {
        while c.open {
            switch CentreDecoder.cut(c.buffer) {
            case .needMore:
                return
            case .skip(let n, let why):
                problem("\(n) \(why)")
                c.buffer.removeFirst(n)
            case .frame(let start, let length):
                let bytes = Array(c.buffer[start..<(start + length)])
                c.buffer.removeFirst(start + length)
                answer(bytes, on: c, &delayed)
            }
        }
    }

    private func answer(_ bytes: [UInt8], on c: Connection, _ delayed: inout [(due: Int64, fd: CInt, bytes: [UInt8])]) {
        let (fault, delay) = state.withLock { s in
            s.frames += 1
            return (s.fault, s.delay)
        }
        let source = Array(bytes[12..<18])
        switch CentreDecoder.decode(bytes) {
        case .failure(let e):
            problem("frame refused: \(e.message)")
            // A frame whose serial number could be read is denied; the rest is only logged.
            if let serial = e.serial, fault != .drop { write(c, frame(serial: serial, command: 6, destination: source, data: [])) }
        case .success(let f):
            guard f.command == "send-data" else {
                // Answers to the centre's own control frames and requests; a response is not confirmed.
                if f.command == "response" || f.command == "deny" || f.command == "confirm" {
                    take(answer: f)
                } else {
                    problem("unexpected \(f.command) frame \(f.serial) from a device")
                }
                return
            }
            switch fault {
            case .drop:
                return
            case .disconnect:
                c.open = false
                return
            case .deny:
                write(c, frame(serial: f.serial, command: 6, destination: f.source, data: []))
                return
            case .none, .delay:
                let at = monotonicMilliseconds()
                state.withLock { s in
                    // A frame sent again (same serial, same content) after a lost confirm counts once.
                    let repeated = s.received.last.map { $0.serial == f.serial && $0.source == f.source && f.units.last == $0.object } ?? false
                    if !repeated { s.received += f.units.map { Received(at: at, serial: f.serial, source: f.source, object: $0) } }
                }
                let confirm = frame(serial: f.serial, command: 3, destination: f.source, data: [])
                if fault == .delay {
                    delayed.append((monotonicMilliseconds() + delay.milliseconds, c.fd, confirm))
                } else {
                    write(c, confirm)
                }
            }
        }
    }

    /// Files a device's answer to a request of the centre's (its serial number names the
    /// request): the objects of a response also join `received`, marked `"answer": "response"`
    /// and the read type, and a deny joins as `{"kind": "denied", "request": TYPE}`, so a scenario
    /// can expect them. Confirms and denies of control frames are not answers to requests.
    private func take(answer f: CentreFrame) {
        let at = monotonicMilliseconds()
        state.withLock { s in
            guard let type = s.requests[f.serial] else {
                if f.command == "response" { s.problems.append("response \(f.serial) to no request of the centre's") }
                return
            }
            s.requests[f.serial] = nil
            var marked: [JSONValue] = []
            if f.command == "response" {
                for unit in f.units {
                    var o = unit.objectValue ?? [:]
                    o["answer"] = "response"
                    o["request"] = .number(Double(type))
                    marked.append(.object(o))
                }
            } else if f.command == "deny" {
                marked = [.object(["kind": "denied", "answer": "deny", "request": .number(Double(type))])]
            }
            s.answers.append(Answer(serial: f.serial, command: f.command, request: type, objects: f.command == "response" ? f.units : [],
                                    time: f.time))
            s.received += marked.map { Received(at: at, serial: f.serial, source: f.source, object: $0) }
        }
    }

    private func problem(_ text: String) {
        log.warning(text)
        state.withLock { $0.problems.append(text) }
    }

    private func write(_ c: Connection, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(c.fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
            guard n > 0 else {
                c.open = false
                return
            }
            offset += n
        }
    }

    /// The centre's own frame encoder (confirm, deny, control), from the same table 1.
    private func frame(serial: Int, command: UInt8, destination: [UInt8], data: [UInt8]) -> [UInt8] {
        let now = CivilTime(SystemClock().now(), offsetMinutes: 480)
        var body: [UInt8] = [UInt8(serial & 0xFF), UInt8((serial >> 8) & 0xFF), 1, 0]
        body += [now.second, now.minute, now.hour, now.day, now.month, now.year - 2000].map { UInt8(clamping: $0) }
        body += address + destination
        body += [UInt8(data.count & 0xFF), UInt8(data.count >> 8), command] + data
        let sum = body.reduce(0) { ($0 + Int($1)) % 256 }
        return [0x40, 0x40] + body + [UInt8(sum), 0x23, 0x23]
    }
}
