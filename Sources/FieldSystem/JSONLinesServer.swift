#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FoundationEssentials
import Synchronization

/// A JSON-lines server on a Unix socket: one request object per line in, one answer object per
/// line out, requests on a connection answered in order.
///
/// The gateway's local API (`LocalAPIServer`) and the simulator's control socket (`ControlServer`)
/// are this server with their own handler and wording. An accept thread takes connections; each
/// client is served on a thread of its own (at most `maxClients`; one more is refused), which
/// `stop()` wakes and joins (`ThreadGroup`), so none is left behind.
package final class JSONLinesServer: Sendable {
    /// Answers one request. Runs on the client's thread; blank lines never reach it.
    package typealias Handler = @Sendable (JSONValue) -> JSONValue

    /// What the server refuses on its own, before a request reaches the handler.
    package enum Refusal: Sendable {
        /// `maxClients` clients are connected already: the new one is closed.
        case busy(maxClients: Int)
        /// A line grew past `maxLine` bytes without a newline: the connection is closed.
        case lineTooLong(maxLine: Int)
        /// The line is not JSON: answered, and the connection goes on.
        case notJSON(JSONSyntaxError)
    }

    /// The answer to a refusal, or nil to send none.
    package typealias RefusalAnswer = @Sendable (Refusal) -> JSONValue?

    package let path: String
    /// Clients served at once; one more is refused (`.busy`).
    package let maxClients: Int
    /// A connection with no request for this long is closed (nil: never), so idle clients cannot
    /// hold every slot.
    package let idleTimeout: Duration?
    /// Longest request line accepted.
    package let maxLine: Int

    private let name: String
    private let listener: FileDescriptor
    private let handler: Handler
    private let refusalAnswer: RefusalAnswer
    private let wakeUp: FileDescriptor.WakeUp
    private let stopping = StopFlag()
    private let acceptThread: Mutex<WorkerThread?> = Mutex(nil)
    private let stopped = Atomic<Bool>(false)
    private let clients = ThreadGroup()
    /// Open connections, for `stop()` to wake their threads; a thread removes its own under the
    /// lock before it closes the descriptor, so `stop()` never touches a closed (reused) one.
    private let connections = Mutex<[CInt: FileDescriptor]>([:])
    private let log: Logger

    /// Listens at `path` (a stale socket file is replaced); `start()` begins serving.
    ///
    /// - Parameters:
    ///   - name: the accept thread's name and the log tag (`api`, `sim-control`); client threads
    ///     are `name-client`.
    ///   - permissions: mode bits for the socket file (e.g. 0o660), nil to leave the umask's.
    /// - Throws: `SystemError` from `socket`, `bind`, `listen`, `chmod` or the wake-up pipe.
    package init(
        path: String, name: String, maxClients: Int, idleTimeout: Duration?, maxLine: Int = 64 * 1024,
        permissions: mode_t? = nil, refusalAnswer: @escaping RefusalAnswer, handler: @escaping Handler
    ) throws(SystemError) {
        self.path = path
        self.name = name
        self.maxClients = max(1, maxClients)
        self.idleTimeout = idleTimeout
        self.maxLine = maxLine
        self.handler = handler
        self.refusalAnswer = refusalAnswer
        log = Logger(name)
        listener = try FileDescriptor.unixListener(path: path)
        do {
            if let permissions {
                _ = try systemCall("chmod", subject: path) { chmod(path, permissions) }
            }
            wakeUp = try FileDescriptor.WakeUp()
        } catch {
            try? listener.close()
            unlink(path)
            throw error
        }
    }

    /// Starts the accept thread.
    package func start() throws(WorkerThreadError) {
        let t = try WorkerThread(name: name) { [self] in acceptLoop() }
        acceptThread.withLock { $0 = t }
    }

    /// Disconnects every client, joins every thread, closes the socket and removes its file.
    /// Calling it again does nothing.
    package func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopping.raise()
        wakeUp.signal()
        acceptThread.withLock { $0 }?.join()
        try? listener.close()
        unlink(path)
        connections.withLock { c in
            for fd in c.values { fd.shutdown(.both) }
        }
        clients.joinAll()
    }

    /// Clients being served now.
    package var clientCount: Int { clients.count }

    private func acceptLoop() {
        var set = [FileDescriptor.PollRequest(listener), FileDescriptor.PollRequest(wakeUp.descriptor)]
        while !stopping.isRaised {
            clients.reap()
            guard (try? FileDescriptor.poll(&set, timeout: .seconds(1))) != nil else { continue }
            if set[1].isReady { _ = wakeUp.drain() }
            guard set[0].isReady, !stopping.isRaised else { continue }
            do throws(SystemError) {
                admit(try listener.accept())
            } catch {
                log.warning("accept failed: \(error)")
            }
        }
    }

    private func admit(_ client: FileDescriptor) {
        guard clients.count < maxClients else {
            _ = send(refusalAnswer(.busy(maxClients: maxClients)), on: client)
            try? client.close()
            return
        }
        connections.withLock { $0[client.rawValue] = client }
        do {
            try clients.spawn("\(name)-client") { [self] in serve(client) }
        } catch {
            log.warning("\(error)")
            connections.withLock { _ = $0.removeValue(forKey: client.rawValue) }
            try? client.close()
        }
    }

    private func serve(_ client: FileDescriptor) {
        defer {
            connections.withLock { _ = $0.removeValue(forKey: client.rawValue) }
            try? client.close()
        }
        var buffer: [UInt8] = []
        while !stopping.isRaised {
            guard let ready = try? FileDescriptor.poll(client, for: .readable, timeout: idleTimeout), !ready.isEmpty else { return }
            guard let chunk = try? client.read(upTo: 16_384), !chunk.isEmpty else { return }
            buffer += chunk
            while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeFirst(nl + 1)
                guard answer(line, on: client) else { return }
            }
            if buffer.count > maxLine {
                _ = send(refusalAnswer(.lineTooLong(maxLine: maxLine)), on: client)
                return
            }
        }
    }

    /// Handles one line; false when the client is gone.
    private func answer(_ line: [UInt8], on client: FileDescriptor) -> Bool {
        guard !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) else { return true }
        do {
            let request = try JSONValue.parse(Data(line))
            return send(handler(request), on: client)
        } catch {
            return send(refusalAnswer(.notJSON(error)), on: client)
        }
    }

    private func send(_ answer: JSONValue?, on client: FileDescriptor) -> Bool {
        guard let answer else { return true }
        return (try? client.sendAll(Array((answer.serialized() + "\n").utf8))) != nil
    }
}
