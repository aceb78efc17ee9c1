import FieldCore
import FieldSystem

/// A console line as the service hosts it: the descriptor's bytes (non-blocking), ended when
/// the service stops, and never stuck writing to a terminal nobody reads.
///
/// A write that makes no progress for `ConsoleService.stallLimit` asks `onStall` what to do:
/// on a pty it drops the unread backlog and goes on (picocom was closed during `watch`); on a
/// socket it gives up, which ends the session (the client stopped reading).
final class ServiceTerminal: ConsoleTerminal {
    private let reader: FileDescriptorTerminal
    private let descriptor: FileDescriptor
    private let name: String
    private let stopping: @Sendable () -> Bool
    private let onStall: @Sendable () -> Bool
    private var toldStopping = false

    /// - Parameters:
    ///   - descriptor: non-blocking; not closed here.
    ///   - stopping: true once the service stops.
    ///   - onStall: true to keep trying after a stall, false to end the session.
    init(descriptor: FileDescriptor, name: String, stopping: @escaping @Sendable () -> Bool, onStall: @escaping @Sendable () -> Bool) {
        reader = FileDescriptorTerminal(descriptor: descriptor.rawValue, name: name, closeOnDeinit: false)
        self.descriptor = descriptor
        self.name = name
        self.stopping = stopping
        self.onStall = onStall
    }

    func read(into buffer: inout [UInt8], timeout: Duration) throws(ConsoleIOError) -> TerminalRead {
        if isStopping { return .closed }
        let result = try reader.read(into: &buffer, timeout: timeout)
        return isStopping ? .closed : result
    }

    func write(_ bytes: [UInt8]) throws(ConsoleIOError) {
        var rest = bytes[...]
        var stalledSince: Int64?
        while !rest.isEmpty {
            do throws(SystemError) {
                let n = try put(rest)
                guard n > 0 else { throw SystemError(code: SystemError.Code.brokenPipe, function: "write") }
                rest = rest.dropFirst(n)
                stalledSince = nil
                continue
            } catch where error.isWouldBlock {
            } catch {
                throw ConsoleIOError(function: "write", errno: error.code, terminal: name)
            }
            if isStopping { throw ConsoleIOError(function: "write", errno: SystemError.Code.canceled, terminal: name) }
            let now = monotonicMilliseconds()
            if let since = stalledSince, now - since >= ConsoleService.stallLimit.milliseconds {
                guard onStall() else { throw ConsoleIOError(function: "write", errno: SystemError.Code.timedOut, terminal: name) }
                stalledSince = nil
                continue
            }
            stalledSince = stalledSince ?? now
            _ = try? FileDescriptor.poll(descriptor, for: .writable, timeout: .milliseconds(200))
        }
    }

    /// One `send` (no SIGPIPE from a client that hung up), or `write` on a tty.
    private func put(_ chunk: ArraySlice<UInt8>) throws(SystemError) -> Int {
        do {
            return try descriptor.send(chunk)
        } catch where error.code == SystemError.Code.notSocket {
            return try descriptor.write(chunk)
        }
    }

    /// True once the service stops; the user is told once (best effort, never waiting).
    private var isStopping: Bool {
        guard stopping() else { return false }
        if !toldStopping {
            toldStopping = true
            _ = try? put(Array("\r\nthe gateway is stopping; the console comes back when it runs again\r\n".utf8)[...])
        }
        return true
    }
}
