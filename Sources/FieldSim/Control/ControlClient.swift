import FieldCore
import FieldHAL
import Foundation

/// A client of a simulator's control socket: `fieldsim ctl`, and tests driving a `fieldsim run`
/// process.
public final class ControlClient {
    private let fd: FileDescriptor
    private var buffer: [UInt8] = []
    public let path: String

    /// - Throws: `SystemError` when nothing listens at `path`.
    public init(path: String) throws(SystemError) {
        self.path = path
        fd = try FileDescriptor.unixConnection(path: path)
    }

    deinit { try? fd.close() }

    /// Sends a request and waits (at most `timeout`) for its answer.
    ///
    /// - Throws: `ControlError` with the simulator's refusal, or when the simulator is gone.
    public func call(_ request: ControlRequest, timeout: Duration = .seconds(10)) throws(ControlError) -> JSONValue {
        try call(request.json, timeout: timeout)
    }

    public func call(_ request: JSONValue, timeout: Duration = .seconds(10)) throws(ControlError) -> JSONValue {
        do {
            try fd.writeAll(Array((request.serialized() + "\n").utf8))
        } catch {
            throw ControlError("cannot send to the simulator at \(path): \(error)")
        }
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeFirst(nl + 1)
                guard let answer = try? JSONValue.parse(Data(line)) else { throw ControlError("the simulator sent something that is not JSON") }
                if answer["ok"] == .bool(true) { return answer["result"] ?? .null }
                throw ControlError(answer["error"]?.stringValue ?? "the simulator refused the request")
            }
            let left = deadline - monotonicMilliseconds()
            guard left > 0, let ready = try? FileDescriptor.poll(fd, for: .readable, timeout: .milliseconds(left)), !ready.isEmpty else {
                throw ControlError("no answer from the simulator at \(path) within \(formatDuration(timeout))")
            }
            guard let chunk = try? fd.read(upTo: 65_536), !chunk.isEmpty else {
                throw ControlError("the simulator at \(path) closed the connection")
            }
            buffer += chunk
        }
    }
}
