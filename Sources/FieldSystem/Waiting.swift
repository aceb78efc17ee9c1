#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// Waiting for readiness signals — a file appearing, a socket accepting, an answer — by polling
/// with a deadline: no fixed sleeps.
public enum Waiting {
    /// Calls `condition` every `interval` until it returns a value or `timeout` passes.
    public static func until<T>(timeout: Duration, interval: Duration = .milliseconds(50), _ condition: () throws -> T?) rethrows -> T? {
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        while true {
            if let v = try condition() { return v }
            if monotonicMilliseconds() >= deadline { return nil }
            usleep(useconds_t(max(1, interval.milliseconds) * 1000))
        }
    }

    /// True once `path` exists.
    public static func forFile(_ path: String, timeout: Duration) -> Bool {
        until(timeout: timeout) {
            var info = stat()
            return stat(path, &info) == 0 ? true : nil
        } ?? false
    }

    /// A short temporary directory (Unix socket paths are limited to 107 bytes), removed by the
    /// caller.
    public static func temporaryDirectory(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ChildProcessError("mkdtemp: \(String(cString: strerror(errno)))") }
        return String(cString: made)
    }

    /// True when something accepts a TCP connection on 127.0.0.1:`port` now (a broker, a
    /// simulator listener that has come up).
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A TCP port on 127.0.0.1 that nobody listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ChildProcessError("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
