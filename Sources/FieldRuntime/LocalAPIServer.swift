#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldEngine
import FieldHAL
import FieldSystem
import FoundationEssentials
import Synchronization

/// The gateway's local API: one JSON request per line on a Unix socket, one JSON answer per
/// line (`{"ok": true, "result": …}` or `{"ok": false, "error": "…"}`). `fieldgate points`,
/// scripts and the end-to-end tests use it; file permissions (0660) restrict it to root and the
/// gateway's group.
public final class LocalAPIServer: Sendable {
    /// Answers one request; call `reply` exactly once, from any thread.
    public typealias Handler = @Sendable (JSONValue, _ reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) -> Void

    public let path: String
    private let listener: FileDescriptor
    private let handler: Handler
    private let wakeUp: FileDescriptor.WakeUp
    private let running = Atomic<Bool>(true)
    private let thread: Mutex<WorkerThread?> = Mutex(nil)
    private let clients = ThreadGroup()
    /// Open connections, for `stop()` to wake their threads; a thread removes its own under the
    /// lock before it closes the descriptor, so `stop()` never touches a closed (reused) one.
    private let connections = Mutex<[CInt: FileDescriptor]>([:])
    private let log = Logger("api")

    /// Longest request line accepted; longer ones are answered with an error and dropped.
    static let maxLine = 64 * 1024
    /// Clients served at once; one more is answered "busy" and closed.
    public let maxClients: Int
    /// A connection with no request for this long is closed, so idle clients cannot hold every slot.
    public let idleTimeout: Duration

    public init(path: String, maxClients: Int = 16, idleTimeout: Duration = .minutes(10), handler: @escaping Handler) throws(SystemError) {
        self.path = path
        self.handler = handler
        self.maxClients = max(1, maxClients)
        self.idleTimeout = idleTimeout
        unlink(path)
        listener = try FileDescriptor.unixListener(path: path)
        chmod(path, 0o660)
        wakeUp = try FileDescriptor.WakeUp()
    }

    public func start() throws(WorkerThreadError) {
        let t = try WorkerThread(name: "api") { [self] in acceptLoop() }
        thread.withLock { $0 = t }
    }

    public func stop() {
        running.store(false, ordering: .relaxed)
        wakeUp.signal()
        thread.withLock { $0 }?.join()
        try? listener.close()
        unlink(path)
        connections.withLock { c in
            for fd in c.values { shutdown(fd.rawValue, Int32(SHUT_RDWR)) }
        }
        clients.joinAll()
    }

    /// Clients being served now.
    public var clientCount: Int { clients.count }

    private func acceptLoop() {
        var set = [FileDescriptor.PollRequest(listener), FileDescriptor.PollRequest(wakeUp.descriptor)]
        while running.load(ordering: .relaxed) {
            clients.reap()
            guard (try? FileDescriptor.poll(&set, timeout: .seconds(1))) != nil else { continue }
            if set[1].isReady { _ = wakeUp.drain() }
            guard set[0].isReady, running.load(ordering: .relaxed) else { continue }
            do throws(SystemError) {
                let client = try listener.accept()
                guard clients.count < maxClients else {
                    _ = send(.failure(CommandError(.unavailable, "\(maxClients) local API clients are connected already; try again later")), on: client)
                    try? client.close()
                    continue
                }
                connections.withLock { $0[client.rawValue] = client }
                do {
                    try clients.spawn("api-client") { [self] in serve(client) }
                } catch {
                    log.warning("\(error)")
                    connections.withLock { _ = $0.removeValue(forKey: client.rawValue) }
                    try? client.close()
                }
            } catch {
                log.warning("accept failed: \(error)")
            }
        }
    }

    private func serve(_ client: FileDescriptor) {
        defer {
            connections.withLock { _ = $0.removeValue(forKey: client.rawValue) }
            try? client.close()
        }
        var buffer: [UInt8] = []
        while running.load(ordering: .relaxed) {
            guard let ready = try? FileDescriptor.poll(client, for: .readable, timeout: idleTimeout), !ready.isEmpty else { return }
            guard let chunk = try? client.read(upTo: 4096), !chunk.isEmpty else { return }
            buffer += chunk
            while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeFirst(nl + 1)
                guard answer(line, on: client) else { return }
            }
            if buffer.count > LocalAPIServer.maxLine {
                _ = send(.failure(CommandError(.invalidArgument, "request longer than \(LocalAPIServer.maxLine) bytes")), on: client)
                return
            }
        }
    }

    /// Handles one line and waits for its answer (requests on a connection are answered in order).
    private func answer(_ line: [UInt8], on client: FileDescriptor) -> Bool {
        guard !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) else { return true }
        let request: JSONValue
        do {
            request = try JSONValue.parse(Data(line))
        } catch {
            return send(.failure(CommandError(.invalidArgument, "\(error)")), on: client)
        }
        let done = BlockingQueue<Result<JSONValue, CommandError>>()
        handler(request) { done.push($0) }
        guard let result = done.pop(until: monotonicMilliseconds() + 30_000) else {
            return send(.failure(CommandError(.unavailable, "no answer within 30 s")), on: client)
        }
        return send(result, on: client)
    }

    private func send(_ result: Result<JSONValue, CommandError>, on client: FileDescriptor) -> Bool {
        let body: JSONValue
        switch result {
        case .success(let v): body = ["ok": true, "result": v]
        case .failure(let e): body = ["ok": false, "error": .string(e.message), "code": .string(e.code.rawValue)]
        }
        return (try? client.writeAll(Array((body.serialized() + "\n").utf8))) != nil
    }
}

/// A client of a gateway's local API (for `fieldgate points`, `fieldgate status`, tests).
public final class LocalAPIClient {
    private let fd: FileDescriptor
    private var buffer: [UInt8] = []

    public init(path: String) throws(SystemError) {
        fd = try FileDescriptor.unixConnection(path: path)
    }

    deinit { try? fd.close() }

    /// Sends one request and waits for its answer.
    public func call(_ request: JSONValue) throws -> JSONValue {
        try fd.writeAll(Array((request.serialized() + "\n").utf8))
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeFirst(nl + 1)
                let answer = try JSONValue.parse(Data(line))
                if answer["ok"] == .bool(true) { return answer["result"] ?? .null }
                throw CommandError(CommandError.Code(rawValue: answer["code"]?.stringValue ?? "") ?? .unavailable,
                                   answer["error"]?.stringValue ?? "the gateway refused the request")
            }
            let chunk = try fd.read(upTo: 65536)
            if chunk.isEmpty { throw CommandError(.unavailable, "the gateway closed the connection") }
            buffer += chunk
        }
    }
}
