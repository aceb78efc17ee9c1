import Foundation

/// The technician's end of a console line, as picocom or `fieldgate console` would be: it opens
/// the console's pty (by its link) or connects to the console socket, types real keystrokes and
/// reads the screen back. Like a terminal emulator behind picocom it answers the console's
/// cursor-position question (`ESC[6n`), unless told to be a dumb terminal.
final class GatewayTerminalClient {
    enum Failure: Error, CustomStringConvertible {
        case open(String, Int32)
        var description: String {
            switch self {
            case .open(let path, let e): "cannot open \(path): \(String(cString: strerror(e)))"
            }
        }
    }

    let fd: Int32
    private(set) var received: [UInt8] = []
    private let answersCursorQueries: Bool
    private var answeredQueries = 0
    private var closed = false

    /// Opens a pty's slave end (the console's link), raw, as picocom does.
    init(pty path: String, answersCursorQueries: Bool = true, columns: Int = 120) throws {
        let fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure.open(path, errno) }
        var t = termios()
        tcgetattr(fd, &t)
        cfmakeraw(&t)
        tcsetattr(fd, TCSANOW, &t)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        self.answersCursorQueries = answersCursorQueries
        self.columns = columns
    }

    /// Takes over an open descriptor (the master end of a pty a program's terminal is on).
    init(descriptor: Int32, answersCursorQueries: Bool = true, columns: Int = 120) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        fd = descriptor
        self.answersCursorQueries = answersCursorQueries
        self.columns = columns
    }

    /// Connects to the console's Unix socket, as `fieldgate console` does.
    init(socket path: String, answersCursorQueries: Bool = true, columns: Int = 120) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.open(path, errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw Failure.open(path, e)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        self.answersCursorQueries = answersCursorQueries
        self.columns = columns
    }

    private let columns: Int

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// Where the output is now: `waitFor(_:from:)` and `text(from:)` look after it.
    var mark: Int { received.count }

    func type(_ s: String) { send(Array(s.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                offset += n
            } else if errno == EAGAIN {
                drain(timeout: 50)
            } else if errno != EINTR {
                return
            }
        }
    }

    /// Reads until the output since `start` contains `text`; false after `timeout` seconds or
    /// when the line closes first.
    @discardableResult
    func waitFor(_ text: String, from start: Int = 0, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if self.text(from: start).contains(text) { return true }
            guard drain(timeout: 100) else { return self.text(from: start).contains(text) }
        }
        return false
    }

    /// Reads until `done` holds; false after `timeout` seconds or when the line closes first.
    @discardableResult
    func waitUntil(timeout: Double = 30, _ done: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if done() { return true }
            guard drain(timeout: 100) else { return done() }
        }
        return done()
    }

    /// The row the cursor is on now, as a terminal shows it.
    var currentRow: String { ScreenModel(Array(received.suffix(400))).currentLine }

    /// Reads for `seconds`, whatever comes.
    func settle(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, drain(timeout: 50) {}
    }

    /// Reads what arrives within `timeout` ms; false when the line closed.
    @discardableResult
    private func drain(timeout: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, timeout) >= 0 else { return errno == EINTR }
        guard p.revents & Int16(POLLIN) != 0 else { return p.revents & Int16(POLLHUP | POLLERR) == 0 }
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return n < 0 && (errno == EINTR || errno == EAGAIN) }
        received += buf[0..<n]
        answerCursorQueries()
        return true
    }

    private func answerCursorQueries() {
        guard answersCursorQueries else { return }
        let queries = text(from: 0).components(separatedBy: "\u{1B}[6n").count - 1
        while answeredQueries < queries {
            answeredQueries += 1
            type("\u{1B}[40;\(columns)R")
        }
    }

    func text(from start: Int = 0) -> String { String(decoding: received.dropFirst(start), as: UTF8.self) }

    /// What a terminal shows for the output since `start`, row by row.
    func screen(from start: Int = 0) -> [String] { ScreenModel(Array(received.dropFirst(start))).text }
}
