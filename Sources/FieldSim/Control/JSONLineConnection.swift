import FieldCore
import FieldHAL
import Foundation

/// A client connection to a JSON-lines Unix socket — the simulator's control socket or the
/// gateway's local API: one request object per line, one `{"ok": …}` answer per line, each
/// waited for with a timeout (a hung peer never hangs the caller).
final class JSONLineConnection {
    let path: String
    private let fd: FileDescriptor
    private var buffer: [UInt8] = []

    /// What went wrong, in words: nothing listening, a refusal, silence, a closed connection.
    struct Failure: Error {
        var message: String
        /// The peer answered `{"ok": false}`: it understood and refused.
        var refused: Bool
    }

    init(path: String) throws(SystemError) {
        self.path = path
        fd = try FileDescriptor.unixConnection(path: path)
    }

    deinit { try? fd.close() }

    func call(_ request: JSONValue, timeout: Duration) throws(Failure) -> JSONValue {
        do {
            try fd.writeAll(Array((request.serialized() + "\n").utf8))
        } catch {
            throw Failure(message: "cannot send to \(path): \(error)", refused: false)
        }
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeFirst(nl + 1)
                guard let answer = try? JSONValue.parse(Data(line)) else { throw Failure(message: "\(path) sent something that is not JSON", refused: false) }
                if answer["ok"] == .bool(true) { return answer["result"] ?? .null }
                throw Failure(message: answer["error"]?.stringValue ?? "refused", refused: true)
            }
            let left = deadline - monotonicMilliseconds()
            guard left > 0, let ready = try? FileDescriptor.poll(fd, for: .readable, timeout: .milliseconds(left)), !ready.isEmpty else {
                throw Failure(message: "no answer from \(path) within \(formatDuration(timeout))", refused: false)
            }
            guard let chunk = try? fd.read(upTo: 65_536), !chunk.isEmpty else {
                throw Failure(message: "\(path) closed the connection", refused: false)
            }
            buffer += chunk
        }
    }
}
