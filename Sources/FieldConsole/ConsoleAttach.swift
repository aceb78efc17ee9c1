#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `fieldgate console`: attaches the user's terminal to the gateway's console socket, so an SSH
/// user gets the same session as the serial port. The local terminal is in raw mode while
/// attached (keys go to the gateway's line editor as typed) and restored afterwards. Input from a
/// pipe works too: at its end the socket is half-closed and the output is read to the end.
public enum ConsoleAttach {
    /// Connects to `socketPath` and relays standard input and output; returns the exit status.
    public static func run(socketPath: String) -> Int32 {
        run(socketPath: socketPath, input: 0, output: 1, messages: 2)
    }

    /// Connects to `socketPath` and relays `input` → socket → `output`.
    /// - Returns: 0 when the gateway ended the session, 1 when the socket cannot be reached or an
    ///   I/O error cut the session (the reason goes to `messages`).
    public static func run(socketPath: String, input: Int32, output: Int32, messages: Int32) -> Int32 {
        let socket: Int32
        switch connectUnixSocket(socketPath) {
        case .success(let fd): socket = fd
        case .failure(let e):
            put("fieldgate console: \(e)\n  is the gateway running with this state directory? (--state-dir DIR, or "
                + "FIELDGATE_STATE_DIR; for make demo: source .demo/env)\n", to: messages)
            return 1
        }
        defer { close(socket) }
        let raw = LocalTerminalAttributes.raw(input)
        defer { raw.restore() }
        if let e = relay(socket: socket, input: input, output: output) {
            put("\r\nfieldgate console: \(e)\r\n", to: messages)
            return 1
        }
        return 0
    }

    /// Copies bytes both ways until the socket closes; nil when it closed normally.
    static func relay(socket: Int32, input: Int32, output: Int32) -> ConsoleIOError? {
        var inputOpen = true
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0), pollfd(fd: inputOpen ? input : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return ConsoleIOError(function: "poll", errno: errno, terminal: "console socket")
            }
            if fds[0].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
                if n == 0 || (n < 0 && errno == ECONNRESET) { return nil }
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return ConsoleIOError(function: "read", errno: errno, terminal: "console socket")
                }
                if let e = writeAll(output, buffer[0..<n], name: "output") { return e }
            }
            if inputOpen && fds[1].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if n <= 0 {
                    inputOpen = false
                    shutdown(socket, Int32(SHUT_WR))
                    continue
                }
                if let e = writeAll(socket, buffer[0..<n], name: "console socket") { return e }
            }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>, name: String) -> ConsoleIOError? {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                offset += n
            } else if errno != EINTR {
                return ConsoleIOError(function: "write", errno: errno, terminal: name)
            }
        }
        return nil
    }

    private static func connectUnixSocket(_ path: String) -> Result<Int32, ConsoleIOError> {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            return .failure(ConsoleIOError(function: "connect", errno: ENAMETOOLONG, terminal: path))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue)
        #else
        let stream = SOCK_STREAM
        #endif
        let fd = socket(AF_UNIX, stream, 0)
        guard fd >= 0 else { return .failure(ConsoleIOError(function: "socket", errno: errno, terminal: path)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let e = errno
            close(fd)
            return .failure(ConsoleIOError(function: "connect", errno: e, terminal: path))
        }
        return .success(fd)
    }

    private static func put(_ text: String, to fd: Int32) {
        _ = writeAll(fd, Array(text.utf8)[...], name: "messages")
    }
}
