import FieldCore

/// The server thread: one `poll(2)` over the listener, every client socket and every client's
/// request on the chip (readable when the world changed a watched input).
final class GPIOSocketServerLoop {
    private typealias Message = GPIOSocketProtocol.Message

    private let path: String
    private let listener: FileDescriptor
    private let chip: SimulatedGPIOChip
    private let wakeUp: FileDescriptor.WakeUp
    private let shared: GPIOSocketServer.Shared
    private var clients: [Client] = []
    private let log = Logger("gpio-server")

    /// Bytes queued for a client that does not read: past this it is disconnected.
    private static let outboxLimit = 1 << 20

    private final class Client {
        let socket: FileDescriptor
        var framer = GPIOSocketProtocol.Framer()
        var outbox: [UInt8] = []
        var greeted = false
        var request: SimulatedGPIORequest?
        var indices: [String: Int] = [:]
        var closeWhenFlushed = false
        var gone = false

        init(socket: FileDescriptor) { self.socket = socket }
    }

    private enum Source {
        case client(Client)
        case request(Client)
    }

    init(path: String, listener: FileDescriptor, chip: SimulatedGPIOChip, wakeUp: FileDescriptor.WakeUp, shared: GPIOSocketServer.Shared) {
        self.path = path
        self.listener = listener
        self.chip = chip
        self.wakeUp = wakeUp
        self.shared = shared
    }

    func run() {
        defer { shutDown() }
        while !shared.stopping.load(ordering: .acquiring) {
            var set = [FileDescriptor.PollRequest(wakeUp.descriptor), FileDescriptor.PollRequest(listener)]
            var sources: [Source] = []
            for client in clients {
                set.append(FileDescriptor.PollRequest(client.socket, client.outbox.isEmpty ? .readable : [.readable, .writable]))
                sources.append(.client(client))
                if let request = client.request {
                    set.append(contentsOf: request.pollDescriptors.map { FileDescriptor.PollRequest($0) })
                    sources.append(contentsOf: request.pollDescriptors.map { _ in .request(client) })
                }
            }
            do {
                _ = try FileDescriptor.poll(&set, timeout: nil)
            } catch {
                log.error("\(path): \(error); the GPIO server stops")
                return
            }
            if set[0].isReady { wakeUp.drain() }
            for (request, source) in zip(set.dropFirst(2), sources) where !request.returned.isEmpty {
                switch source {
                case .client(let client): receive(from: client)
                case .request(let client): pushEdges(to: client)
                }
            }
            if set[1].isReady { acceptWaiting() }
            for client in clients { flush(client) }
            dropGoneClients()
        }
    }

    private func acceptWaiting() {
        while true {
            do {
                let socket = try listener.accept()
                try socket.setNonBlocking(true)
                clients.append(Client(socket: socket))
                shared.connections.add(1, ordering: .releasing)
            } catch {
                if !error.isWouldBlock { log.warning("\(path): \(error)") }
                return
            }
        }
    }

    private func receive(from client: Client) {
        while !client.gone {
            let bytes: [UInt8]
            do {
                bytes = try client.socket.receive(upTo: 4096)
            } catch {
                if !error.isWouldBlock { client.gone = true }
                return
            }
            guard !bytes.isEmpty else {
                client.gone = true
                return
            }
            guard let lines = client.framer.append(bytes) else {
                refuse(client, id: nil, code: .badRequest, message: "a line longer than \(GPIOSocketProtocol.maximumLineLength) bytes")
                client.closeWhenFlushed = true
                return
            }
            for line in lines where !line.isEmpty {
                guard let message = GPIOSocketProtocol.decode(line) else {
                    refuse(client, id: nil, code: .badRequest, message: "not a message: \(String(decoding: line.prefix(120), as: UTF8.self))")
                    continue
                }
                handle(message, from: client)
            }
        }
    }

    private func handle(_ message: Message, from client: Client) {
        guard client.greeted || message.op == .hello else {
            return refuse(client, id: message.id, code: .badRequest, message: "say hello first")
        }
        switch message.op {
        case .hello: hello(message, from: client)
        case .request: request(message, from: client)
        case .set, .get: access(message, from: client)
        case .ok, .error, .edge:
            refuse(client, id: message.id, code: .badRequest, message: "a client does not send \(message.op.rawValue)")
        }
    }

    private func hello(_ message: Message, from client: Client) {
        guard message.version == GPIOSocketProtocol.version else {
            refuse(client, id: message.id, code: .version, message: "this server speaks version \(GPIOSocketProtocol.version)")
            client.closeWhenFlushed = true
            return
        }
        client.greeted = true
        var reply = Message(op: .hello, id: message.id)
        reply.version = GPIOSocketProtocol.version
        reply.chip = chip.name
        reply.label = chip.label
        reply.names = chip.lineNames
        queue(reply, to: client)
    }

    private func request(_ message: Message, from client: Client) {
        guard client.request == nil else {
            return refuse(client, id: message.id, code: .invalid, message: "one request per connection")
        }
        guard let wireLines = message.lines else {
            return refuse(client, id: message.id, code: .badRequest, message: "request without lines")
        }
        var lines: [GPIOLineConfig] = []
        for wire in wireLines {
            guard let direction = GPIODirection(rawValue: wire.direction), let edge = GPIOEdgeDetection(rawValue: wire.edge) else {
                return refuse(client, id: message.id, code: .badRequest, line: wire.name, message: "direction \"\(wire.direction)\" or edge \"\(wire.edge)\" unknown")
            }
            lines.append(GPIOLineConfig(
                name: wire.name, chip: wire.chip, offset: wire.offset, direction: direction, edge: edge,
                activeLow: wire.activeLow, initialValue: wire.value))
        }
        do {
            try GPIOLineConfig.validate(lines)
            let request = try chip.makeRequest(lines)
            client.request = request
            client.indices = Dictionary(lines.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
            var reply = Message(op: .ok, id: message.id)
            reply.values = try lines.indices.map { index throws(GPIOError) in try request.value(at: index) }
            queue(reply, to: client)
        } catch {
            var line = error.lineName
            if case .noSuchChip(let chip) = error { line = lines.first { $0.chip == chip }?.name }
            refuse(client, id: message.id, code: error.wireCode, line: line, message: error.wireDetail)
        }
    }

    private func access(_ message: Message, from client: Client) {
        guard let request = client.request, let name = message.line, let index = client.indices[name] else {
            return refuse(client, id: message.id, code: .notRequested, line: message.line, message: "\(message.line ?? "no line"): not requested on this connection")
        }
        do {
            var reply = Message(op: .ok, id: message.id)
            if message.op == .set {
                guard let value = message.value else {
                    return refuse(client, id: message.id, code: .badRequest, line: name, message: "set without a value")
                }
                try request.setValue(value, at: index)
            } else {
                reply.value = try request.value(at: index)
            }
            queue(reply, to: client)
        } catch {
            refuse(client, id: message.id, code: error.wireCode, line: error.lineName, message: error.wireDetail)
        }
    }

    private func pushEdges(to client: Client) {
        guard let request = client.request, let edges = try? request.readRawEdges() else { return }
        for raw in edges {
            var edge = Message(op: .edge)
            edge.line = request.lines[raw.index].name
            edge.value = raw.value
            edge.ts = raw.time.milliseconds
            queue(edge, to: client)
        }
        flush(client)
    }

    private func refuse(_ client: Client, id: Int?, code: GPIOSocketProtocol.ErrorCode, line: String? = nil, message: String) {
        var reply = Message(op: .error, id: id)
        reply.code = code
        reply.line = line
        reply.message = message
        queue(reply, to: client)
    }

    private func queue(_ message: Message, to client: Client) {
        client.outbox += GPIOSocketProtocol.encode(message)
        if client.outbox.count > Self.outboxLimit {
            log.warning("\(path): a client stopped reading; disconnecting it")
            client.gone = true
        }
    }

    private func flush(_ client: Client) {
        while !client.outbox.isEmpty && !client.gone {
            do {
                let sent = try client.socket.send(client.outbox)
                client.outbox.removeFirst(sent)
            } catch {
                if !error.isWouldBlock { client.gone = true }
                return
            }
        }
        if client.outbox.isEmpty && client.closeWhenFlushed { client.gone = true }
    }

    private func dropGoneClients() {
        for client in clients where client.gone { disconnect(client) }
        clients.removeAll { $0.gone }
    }

    private func disconnect(_ client: Client) {
        client.request?.release()
        client.request = nil
        try? client.socket.close()
        shared.connections.subtract(1, ordering: .releasing)
    }

    private func shutDown() {
        for client in clients { disconnect(client) }
        clients = []
        try? listener.close()
        if !path.hasPrefix("@") { removeStaleSocket(at: path) }
    }
}
