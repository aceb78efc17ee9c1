import FieldCore
import FoundationEssentials

/// A client connection to a `JSONLinesServer` — the gateway's local API or the simulator's
/// control socket: one request object per line, one `{"ok": …}` answer per line, each waited for
/// with a timeout (a hung peer never hangs the caller).
package final class JSONLineConnection {
    package let path: String
    private let fd: FileDescriptor
    private var buffer: [UInt8] = []

    /// What went wrong, in words: nothing listening, a refusal, silence, a closed connection.
    package struct Failure: Error {
        package var message: String
        /// The peer answered `{"ok": false}`: it understood and refused.
        package var refused: Bool
        /// The refusal's `code` when the peer gave one (the local API does: `invalid-argument`, …).
        package var code: String?
    }

    /// - Throws: `SystemError` when nothing listens at `path`.
    package init(path: String) throws(SystemError) {
        self.path = path
        fd = try FileDescriptor.unixConnection(path: path)
    }

    deinit { try? fd.close() }

    /// Sends `request` and waits for its answer's `result`.
    ///
    /// - Parameters:
    ///   - timeout: how long to wait for the answer; nil waits as long as the peer keeps the
    ///     connection open.
    /// - Throws: `Failure` with the peer's refusal or why no answer came.
    package func call(_ request: JSONValue, timeout: Duration?) throws(Failure) -> JSONValue {
        var sendFailure: SystemError?
        do {
            try fd.sendAll(Array((request.serialized() + "\n").utf8))
        } catch {
            // A server that refuses a connection (too many clients) answers and closes at once:
            // the request then meets a closed socket, and the answer waiting to be read says why.
            sendFailure = error
        }
        // After a failed send only an answer already waiting counts.
        let deadline = sendFailure != nil ? monotonicMilliseconds() : timeout.map { monotonicMilliseconds() + $0.milliseconds }
        let unsent = sendFailure.map { "cannot send to \(path): \($0)" }
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeFirst(nl + 1)
                guard let answer = try? JSONValue.parse(Data(line)) else { throw Failure(message: "\(path) sent something that is not JSON", refused: false) }
                if answer["ok"] == .bool(true) { return answer["result"] ?? .null }
                throw Failure(message: answer["error"]?.stringValue ?? "refused", refused: true, code: answer["code"]?.stringValue)
            }
            let wait = deadline.map { Duration.milliseconds(max($0 - monotonicMilliseconds(), 0)) }
            guard let ready = try? FileDescriptor.poll(fd, for: .readable, timeout: wait), !ready.isEmpty else {
                throw Failure(message: unsent ?? "no answer from \(path) within \(formatDuration(timeout ?? .zero))", refused: false)
            }
            guard let chunk = try? fd.read(upTo: 65_536), !chunk.isEmpty else {
                throw Failure(message: unsent ?? "\(path) closed the connection", refused: false)
            }
            buffer += chunk
        }
    }
}
