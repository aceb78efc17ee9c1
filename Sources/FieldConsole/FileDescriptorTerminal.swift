import FieldSystem

/// A console terminal over a file descriptor: a serial tty (already in raw mode), a pty's
/// slave end, or a connected Unix socket. Reads wait with `poll(2)`; writes to sockets use
/// `MSG_NOSIGNAL`, so a client that hung up is a `.closed` read or an `EPIPE` error, never a
/// SIGPIPE.
package final class FileDescriptorTerminal: ConsoleTerminal {
    package let descriptor: Int32
    package let name: String
    private let closesOnDeinit: Bool
    private var isSocket = true

    /// - Parameters:
    ///   - descriptor: an open descriptor; blocking or non-blocking.
    ///   - name: for error messages (`/dev/ttyS1`, `socket`).
    ///   - closeOnDeinit: whether this terminal owns the descriptor and closes it when dropped.
    package init(descriptor: Int32, name: String, closeOnDeinit: Bool) {
        self.descriptor = descriptor
        self.name = name
        closesOnDeinit = closeOnDeinit
    }

    deinit {
        if closesOnDeinit { try? FileDescriptor(rawValue: descriptor).close() }
    }

    package func read(into buffer: inout [UInt8], timeout: Duration) throws(ConsoleIOError) -> TerminalRead {
        let fd = FileDescriptor(rawValue: descriptor)
        let returned: FileDescriptor.PollEvents
        do {
            returned = try FileDescriptor.poll(fd, for: .readable, timeout: .milliseconds(max(0, timeout.milliseconds)))
        } catch {
            throw ConsoleIOError(function: "poll", errno: error.code, terminal: name)
        }
        if returned.isEmpty { return .timeout }
        if !returned.contains(.readable) && !returned.isDisjoint(with: [.hangUp, .error, .invalid]) { return .closed }
        do {
            let n = try fd.read(into: &buffer)
            return n > 0 ? .bytes(n) : .closed
        } catch where error.isWouldBlock {
            return .timeout
        } catch where error.code == SystemError.Code.ioError || error.code == SystemError.Code.connectionReset {
            // A pty whose other end closed, or a serial port that hung up.
            return .closed
        } catch {
            throw ConsoleIOError(function: "read", errno: error.code, terminal: name)
        }
    }

    package func write(_ bytes: [UInt8]) throws(ConsoleIOError) {
        let fd = FileDescriptor(rawValue: descriptor)
        var rest = bytes[...]
        while !rest.isEmpty {
            do {
                rest = rest.dropFirst(try put(rest, on: fd))
            } catch where error.isWouldBlock {
                _ = try? FileDescriptor.poll(fd, for: .writable, timeout: .seconds(1))
            } catch {
                throw ConsoleIOError(function: "write", errno: error.code, terminal: name)
            }
        }
    }

    /// One `send` (no SIGPIPE from a client that hung up), or `write` once the descriptor turned
    /// out not to be a socket (a tty, a pty).
    private func put(_ chunk: ArraySlice<UInt8>, on fd: FileDescriptor) throws(SystemError) -> Int {
        if isSocket {
            do {
                return try fd.send(chunk)
            } catch where error.code == SystemError.Code.notSocket {
                isSocket = false
            }
        }
        return try fd.write(chunk)
    }
}

/// `strerror` text for an errno value.
func errnoDescription(_ code: Int32) -> String {
    SystemError(code: code, function: "").message
}
