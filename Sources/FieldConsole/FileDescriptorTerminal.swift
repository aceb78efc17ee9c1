#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A console terminal over a file descriptor: a serial tty (already in raw mode), a pty's
/// slave end, or a connected Unix socket. Reads wait with `poll(2)`; writes to sockets use
/// `MSG_NOSIGNAL`, so a client that hung up is a `.closed` read or an `EPIPE` error, never a
/// SIGPIPE.
public final class FileDescriptorTerminal: ConsoleTerminal {
    public let descriptor: Int32
    public let name: String
    private let closesOnDeinit: Bool
    private var isSocket = true

    /// - Parameters:
    ///   - descriptor: an open descriptor; blocking or non-blocking.
    ///   - name: for error messages (`/dev/ttyS1`, `socket`).
    ///   - closeOnDeinit: whether this terminal owns the descriptor and closes it when dropped.
    public init(descriptor: Int32, name: String, closeOnDeinit: Bool) {
        self.descriptor = descriptor
        self.name = name
        closesOnDeinit = closeOnDeinit
    }

    deinit {
        if closesOnDeinit { close(descriptor) }
    }

    public func read(into buffer: inout [UInt8], timeout: Duration) throws(ConsoleIOError) -> TerminalRead {
        var p = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ms = Int32(clamping: max(0, timeout.milliseconds))
        var ready: Int32
        repeat { ready = poll(&p, 1, ms) } while ready < 0 && errno == EINTR
        if ready < 0 { throw ConsoleIOError(function: "poll", errno: errno, terminal: name) }
        if ready == 0 { return .timeout }
        if p.revents & Int16(POLLIN) == 0 && p.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return .closed }
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN: return .timeout
            // A pty whose other end closed, or a serial port that hung up.
            case EIO, ECONNRESET: return .closed
            default: throw ConsoleIOError(function: "read", errno: errno, terminal: name)
            }
        }
    }

    public func write(_ bytes: [UInt8]) throws(ConsoleIOError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { chunk -> Int in
                if isSocket {
                    let sent = send(descriptor, chunk.baseAddress, chunk.count, Int32(MSG_NOSIGNAL))
                    if sent >= 0 || errno != ENOTSOCK { return sent }
                    isSocket = false
                }
                return systemWrite(descriptor, chunk.baseAddress, chunk.count)
            }
            if n > 0 {
                offset += n
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN:
                var p = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 1000)
            default: throw ConsoleIOError(function: "write", errno: errno, terminal: name)
            }
        }
    }
}

// File-scope wrappers: inside the class, `read` and `write` name its own methods.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }

/// `strerror` text for an errno value.
func errnoDescription(_ code: Int32) -> String {
    guard let s = strerror(code) else { return "errno \(code)" }
    return String(cString: s)
}
