#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldHAL
import Foundation
import Synchronization

/// The simulator's control socket (`DIR/control.sock`): one JSON request per line, one JSON
/// answer per line — `{"ok": true, "result": …}` or `{"ok": false, "error": "…"}`, like the
/// gateway's local API — served on a thread of its own, any number of clients.
final class ControlServer: Sendable {
    typealias Handler = @Sendable (JSONValue) -> Result<JSONValue, ControlError>

    let path: String
    private let listener: FileDescriptor
    private let wake: FileDescriptor.WakeUp
    private let stopping = StopFlag()
    private let thread = Mutex<WireThread?>(nil)

    /// Longest request line; a longer one ends the connection.
    static let maxLine = 64 * 1024

    /// Listens at `path` (replacing a stale socket) and serves `handler` until `stop`.
    init(path: String, handler: @escaping Handler) throws(SystemError) {
        self.path = path
        listener = try FileDescriptor.unixListener(path: path)
        do {
            try listener.setNonBlocking(true)
            wake = try FileDescriptor.WakeUp()
        } catch {
            try? listener.close()
            unlink(path)
            throw error
        }
        let (listener, wake, stopping) = (listener, wake, stopping)
        let t = try WireThread(name: "sim-control") {
            ControlServerLoop(listener: listener, wake: wake, stopping: stopping, handler: handler).run()
        }
        thread.withLock { $0 = t }
    }

    deinit { stop() }

    /// Disconnects every client, closes the socket and removes its file.
    func stop() {
        guard let t = thread.withLock({ t -> WireThread? in defer { t = nil }; return t }) else { return }
        stopping.raise()
        wake.signal()
        t.join()
        try? listener.close()
        unlink(path)
    }
}

/// The control server's loop, on its thread.
private final class ControlServerLoop {
    private let listener: FileDescriptor
    private let wake: FileDescriptor.WakeUp
    private let stopping: StopFlag
    private let handler: ControlServer.Handler
    private var clients: [(fd: FileDescriptor, buffer: [UInt8])] = []

    init(listener: FileDescriptor, wake: FileDescriptor.WakeUp, stopping: StopFlag, handler: @escaping ControlServer.Handler) {
        self.listener = listener
        self.wake = wake
        self.stopping = stopping
        self.handler = handler
    }

    func run() {
        while !stopping.isRaised {
            var set = [FileDescriptor.PollRequest(wake.descriptor), FileDescriptor.PollRequest(listener)]
            set += clients.map { FileDescriptor.PollRequest($0.fd) }
            guard (try? FileDescriptor.poll(&set, timeout: .seconds(1))) != nil else { continue }
            if set[0].isReady { _ = wake.drain() }
            let polled = clients.count
            var closed: [Int] = []
            for i in 0..<polled where set[2 + i].isReady {
                if !serve(i) { closed.append(i) }
            }
            for i in closed.reversed() {
                try? clients[i].fd.close()
                clients.remove(at: i)
            }
            if set[1].isReady { accept() }
        }
        for c in clients { try? c.fd.close() }
    }

    private func accept() {
        while let fd = try? listener.accept() {
            clients.append((fd, []))
        }
    }

    /// Reads what the client sent and answers every complete line; false when it is gone.
    private func serve(_ i: Int) -> Bool {
        guard let chunk = try? clients[i].fd.read(upTo: 16_384), !chunk.isEmpty else { return false }
        clients[i].buffer += chunk
        while let nl = clients[i].buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(clients[i].buffer[..<nl])
            clients[i].buffer.removeFirst(nl + 1)
            guard !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) else { continue }
            let answer: JSONValue
            switch (try? JSONValue.parse(Data(line))).map(handler) {
            case .success(let result)?: answer = ["ok": true, "result": result]
            case .failure(let e)?: answer = ["ok": false, "error": .string(e.message)]
            case nil: answer = ["ok": false, "error": "not JSON: send one request object per line"]
            }
            guard (try? clients[i].fd.writeAll(Array((answer.serialized() + "\n").utf8))) != nil else { return false }
        }
        return clients[i].buffer.count <= ControlServer.maxLine
    }
}
