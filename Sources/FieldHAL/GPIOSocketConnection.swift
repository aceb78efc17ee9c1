import FieldSystem
import FieldCore

/// One connection to a `GPIOSocketServer`, holding one line request: the driver under `GPIOLines`.
///
/// Replies and pushed edges arrive on the same socket. A `set` or `get` reads until its reply and
/// keeps the edges it meets on the way; `buffered` then wakes the thread waiting for edges.
final class GPIOSocketConnection: GPIOLineDriver {
    private typealias Message = GPIOSocketProtocol.Message

    private let path: String
    private let lines: [GPIOLineConfig]
    private let indices: [String: Int]
    private let clock: any FieldClock
    private let replyTimeout: Duration
    private let socket: FileDescriptor
    private let buffered: FileDescriptor.WakeUp
    private var framer = GPIOSocketProtocol.Framer()
    private var edges: [GPIORawEdge] = []
    private var replies: [Int: Message] = [:]
    private var nextID = 1
    private var failure: GPIOError?
    private var closed = false

    init(path: String, lines: [GPIOLineConfig], clock: any FieldClock, replyTimeout: Duration) throws(GPIOError) {
        self.path = path
        self.lines = lines
        self.clock = clock
        self.replyTimeout = replyTimeout
        indices = Dictionary(lines.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        do {
            buffered = try FileDescriptor.WakeUp()
        } catch {
            throw GPIOError.connectionLost(socket: path, reason: error.description)
        }
        do {
            socket = try FileDescriptor.unixConnection(path: path)
        } catch {
            let reason = switch error.code {
            case SystemError.Code.notFound, SystemError.Code.connectionRefused: "no GPIO server is listening (is fieldsim running?)"
            default: error.description
            }
            throw GPIOError.connectionLost(socket: path, reason: reason)
        }
        do throws(GPIOError) {
            do {
                try socket.setNonBlocking(true)
            } catch {
                throw GPIOError.connectionLost(socket: path, reason: error.description)
            }
            try hello()
            try requestLines()
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    var pollDescriptors: [FileDescriptor] { [socket, buffered.descriptor] }

    func readRawEdges() throws(GPIOError) -> [GPIORawEdge] {
        try checkUsable()
        buffered.drain()
        try pump()
        defer { edges = [] }
        return edges
    }

    func value(at index: Int) throws(GPIOError) -> Bool {
        var get = Message(op: .get)
        get.line = lines[index].name
        let reply = try call(get)
        guard let value = reply.value else {
            throw fail(.protocolViolation(socket: path, detail: "the reply to get \(lines[index].name) has no value"))
        }
        return value
    }

    func setValue(_ value: Bool, at index: Int) throws(GPIOError) {
        var set = Message(op: .set)
        set.line = lines[index].name
        set.value = value
        _ = try call(set)
    }

    func release() {
        guard !closed else { return }
        closed = true
        try? socket.close()
    }

    // MARK: conversation

    private func hello() throws(GPIOError) {
        var hello = Message(op: .hello)
        hello.version = GPIOSocketProtocol.version
        hello.consumer = "fieldgate"
        let reply = try call(hello)
        guard reply.op == .hello, reply.version == GPIOSocketProtocol.version else {
            throw fail(.protocolViolation(socket: path, detail: "the server speaks version \(reply.version.map(String.init) ?? "?"), this gateway \(GPIOSocketProtocol.version)"))
        }
    }

    private func requestLines() throws(GPIOError) {
        var request = Message(op: .request)
        request.lines = lines.map {
            GPIOSocketProtocol.Line(
                name: $0.name, chip: $0.chip, offset: $0.offset, direction: $0.direction.rawValue,
                edge: $0.edge.rawValue, activeLow: $0.activeLow, value: $0.initialValue)
        }
        _ = try call(request)
    }

    /// Sends a message and reads until its reply, keeping any edges that arrive first.
    ///
    /// - Returns: the `ok` (or, for `hello`, the `hello`) reply.
    /// - Throws: the error the server answered with, as the same `GPIOError` a local chip gives.
    private func call(_ message: Message) throws(GPIOError) -> Message {
        try checkUsable()
        var message = message
        let id = nextID
        nextID += 1
        message.id = id
        try send(GPIOSocketProtocol.encode(message))
        let deadline = monotonicDeadline(after: replyTimeout)
        while true {
            if let reply = replies.removeValue(forKey: id) {
                if !edges.isEmpty { buffered.signal() }
                if reply.op == .error { throw error(from: reply) }
                return reply
            }
            guard monotonicNanoseconds() < deadline else {
                throw fail(.connectionLost(socket: path, reason: "no reply to \(message.op.rawValue) within \(replyTimeout)"))
            }
            do {
                _ = try FileDescriptor.poll(socket, for: .readable, timeout: .nanoseconds(Int64(clamping: deadline - monotonicNanoseconds())))
            } catch {
                throw fail(.connectionLost(socket: path, reason: error.description))
            }
            try pump()
        }
    }

    private func send(_ bytes: [UInt8]) throws(GPIOError) {
        var rest = bytes[...]
        while !rest.isEmpty {
            do {
                rest = rest.dropFirst(try socket.send(rest))
            } catch where error.isWouldBlock {
                _ = try? FileDescriptor.poll(socket, for: .writable, timeout: replyTimeout)
            } catch {
                throw fail(.connectionLost(socket: path, reason: error.description))
            }
        }
    }

    /// Reads everything waiting on the socket and sorts it into edges and replies.
    private func pump() throws(GPIOError) {
        while true {
            let bytes: [UInt8]
            do {
                bytes = try socket.receive(upTo: 4096)
            } catch where error.isWouldBlock {
                return
            } catch {
                throw fail(.connectionLost(socket: path, reason: error.description))
            }
            guard !bytes.isEmpty else {
                throw fail(.connectionLost(socket: path, reason: "the GPIO server closed the connection"))
            }
            guard let received = framer.append(bytes) else {
                throw fail(.protocolViolation(socket: path, detail: "a line longer than \(GPIOSocketProtocol.maximumLineLength) bytes"))
            }
            for line in received where !line.isEmpty {
                guard let message = GPIOSocketProtocol.decode(line) else {
                    throw fail(.protocolViolation(socket: path, detail: "not a message: \(String(decoding: line.prefix(120), as: UTF8.self))"))
                }
                try take(message)
            }
        }
    }

    private func take(_ message: Message) throws(GPIOError) {
        switch message.op {
        case .edge:
            guard let name = message.line, let index = indices[name], let value = message.value else {
                throw fail(.protocolViolation(socket: path, detail: "an edge for no requested line (\(message.line ?? "no line"))"))
            }
            let time = message.ts.map(Timestamp.init(milliseconds:)) ?? clock.now()
            edges.append(GPIORawEdge(index: index, value: value, time: time))
        case .ok, .error, .hello:
            guard let id = message.id else {
                // An error without an id is the server giving up on the connection.
                throw fail(.protocolViolation(socket: path, detail: message.message ?? "the server refused the connection"))
            }
            replies[id] = message
        case .request, .set, .get:
            throw fail(.protocolViolation(socket: path, detail: "the server sent a \(message.op.rawValue)"))
        }
    }

    /// The `GPIOError` a local chip would have thrown for the server's error reply.
    private func error(from reply: Message) -> GPIOError {
        let name = reply.line ?? "?"
        let config = reply.line.flatMap { indices[$0] }.map { lines[$0] }
        let detail = reply.message ?? reply.code?.rawValue ?? "refused"
        switch (reply.code, config) {
        case (.unknownChip, let config?): return .noSuchChip(chip: config.chip)
        case (.unknownLine, let config?): return .noSuchLine(line: name, chip: config.chip, offset: config.offset)
        case (.busy, let config?): return .busy(line: name, chip: config.chip, offset: config.offset, detail: detail)
        case (.direction, let config?): return .directionMismatch(line: name, direction: config.direction)
        case (.notRequested, _): return .unknownLine(name)
        case (.invalid, _): return .invalidConfig(line: name, reason: detail)
        default: return .protocolViolation(socket: path, detail: "\(reply.code?.rawValue ?? "error"): \(detail)")
        }
    }

    private func checkUsable() throws(GPIOError) {
        if closed { throw GPIOError.released }
        if let failure { throw failure }
    }

    /// Remembers that the connection is unusable, so every later call says why.
    private func fail(_ error: GPIOError) -> GPIOError {
        failure = error
        return error
    }
}
