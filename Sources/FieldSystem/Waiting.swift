#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// Waiting for readiness signals — a file appearing, a socket accepting, an answer — by polling
/// with a deadline: no fixed sleeps.
package enum Waiting {
    /// Calls `condition` every `interval` until it returns a value or `timeout` passes.
    package static func until<T>(timeout: Duration, interval: Duration = .milliseconds(50), _ condition: () throws -> T?) rethrows -> T? {
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        while true {
            if let v = try condition() { return v }
            if monotonicMilliseconds() >= deadline { return nil }
            usleep(useconds_t(max(1, interval.milliseconds) * 1000))
        }
    }

    /// True once `path` exists.
    package static func forFile(_ path: String, timeout: Duration) -> Bool {
        until(timeout: timeout) {
            var info = stat()
            return stat(path, &info) == 0 ? true : nil
        } ?? false
    }

    /// A short temporary directory (Unix socket paths are limited to 107 bytes), removed by the
    /// caller.
    package static func temporaryDirectory(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ChildProcessError("mkdtemp: \(String(cString: strerror(errno)))") }
        return String(cString: made)
    }

    /// True when something accepts a TCP connection on 127.0.0.1:`port` now (a broker, a
    /// simulator listener that has come up).
    package static func accepts(port: Int) -> Bool {
        guard let port = UInt16(exactly: port) else { return false }
        return onLoopbackSocket(port) { fd, address in connect(fd, address, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }

    /// A TCP port on 127.0.0.1 that nobody uses right now, for a test's or a tool's listener.
    ///
    /// The port is taken from below the kernel's ephemeral range
    /// (`/proc/sys/net/ipv4/ip_local_port_range`), never from inside it: a listener that is
    /// stopped and started again on the same port (a broker outage) could otherwise find its port
    /// taken, meanwhile, as the local end of some other program's outgoing connection — and bind
    /// would fail with "Address already in use". Candidates are tried at random and kept only
    /// when a bind without `SO_REUSEADDR` succeeds (so not even a TIME_WAIT is on them); when the
    /// range is unreadable or too small, the kernel picks one as before.
    package static func freePort() throws -> Int {
        let (low, _) = ephemeralRange()
        let floor = 10_000
        if low - floor >= 1_000 {
            for _ in 0..<200 {
                let candidate = Int.random(in: floor..<low)
                if bindable(candidate) { return candidate }
            }
        }
        return try kernelPickedPort()
    }

    /// The kernel's ephemeral port range; Linux's default when it cannot be read.
    package static func ephemeralRange() -> (Int, Int) {
        let fd = open("/proc/sys/net/ipv4/ip_local_port_range", O_RDONLY)
        guard fd >= 0 else { return (32_768, 60_999) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return (32_768, 60_999) }
        let fields = String(decoding: buffer[0..<n], as: UTF8.self).split { $0 == " " || $0 == "\t" || $0 == "\n" }.compactMap { Int($0) }
        guard fields.count == 2, (1...65_535).contains(fields[0]), fields[0] <= fields[1] else { return (32_768, 60_999) }
        return (fields[0], fields[1])
    }

    /// True when a socket can bind 127.0.0.1:`port` now (no `SO_REUSEADDR`).
    package static func bindable(_ port: Int) -> Bool {
        guard let port = UInt16(exactly: port), port > 0 else { return false }
        return onLoopbackSocket(port) { fd, address in bind(fd, address, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }

    private static func kernelPickedPort() throws -> Int {
        var picked: UInt16 = 0
        let bound = onLoopbackSocket(0) { fd, address in
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            guard bind(fd, address, length) == 0 else { return false }
            var name = sockaddr_in()
            let named = withUnsafeMutablePointer(to: &name) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
            }
            picked = UInt16(bigEndian: name.sin_port)
            return named
        }
        guard bound else { throw ChildProcessError("no free port: \(String(cString: strerror(errno)))") }
        return Int(picked)
    }

    /// A new TCP socket and 127.0.0.1:`port` for `body`; the socket is closed afterwards.
    private static func onLoopbackSocket(_ port: UInt16, _ body: (CInt, UnsafePointer<sockaddr>) -> Bool) -> Bool {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port.bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(fd, $0) } }
    }
}
