#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSim
import Foundation

/// A datagram socket standing in for systemd's `NOTIFY_SOCKET`: the gateway says `READY=1` on
/// it once its workers and its console run.
package final class NotifySocket {
    package let path: String
    private let fd: Int32

    /// Binds a datagram socket at `path` (removed again on deinit).
    ///
    /// - Throws: `ChildProcessError` with the errno when it cannot be bound.
    package init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let error = errno
            close(fd)
            throw ChildProcessError("cannot bind the notify socket \(path): \(String(cString: strerror(error)))")
        }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// True once a datagram containing `text` arrives within `timeout`.
    package func wait(for text: String, timeout: Duration) -> Bool {
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        var buffer = [UInt8](repeating: 0, count: 4096)
        while monotonicMilliseconds() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) >= 0 else { continue }
            guard p.revents & Int16(POLLIN) != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0, String(decoding: buffer[0..<n], as: UTF8.self).contains(text) { return true }
        }
        return false
    }
}
