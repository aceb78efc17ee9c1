import FieldHAL
import Foundation

/// A bare TCP connection for tests that need bytes the Modbus client never sends: pipelined
/// requests, a request trickled byte by byte, a stream that is not Modbus.
final class RawTCPClient {
    let fd: CInt

    init(port: Int) throws {
        fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError.current("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let error = SystemError.current("connect", subject: "127.0.0.1:\(port)")
            Glibc.close(fd)
            throw error
        }
    }

    func send(_ bytes: [UInt8]) throws {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
        guard n == bytes.count else { throw SystemError.current("send") }
    }

    /// Reads until `count` bytes came, the peer closed (fewer returned) or 2 s passed (throws).
    func receive(count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while out.count < count {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, count - out.count), 0) }
            if n == 0 { break }
            guard n > 0 else { throw SystemError.current("recv") }
            out += buffer[0..<n]
        }
        return out
    }

    func close() { Glibc.close(fd) }
}

/// A serial port opened raw, for bytes the Modbus client never sends (bad CRCs, noise).
final class RawTTY {
    let fd: CInt

    init(path: String) throws {
        fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw SystemError.current("open", subject: path) }
        var t = termios()
        tcgetattr(fd, &t)
        cfmakeraw(&t)
        tcsetattr(fd, TCSANOW, &t)
        tcflush(fd, TCIOFLUSH)
    }

    func write(_ bytes: [UInt8]) throws {
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw SystemError.current("write") }
    }

    /// Reads until `count` bytes came or `within` passed; returns what came.
    func read(count: Int, within: Duration) throws -> [UInt8] {
        let deadline = ContinuousClock.now + within
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while out.count < count {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = CInt(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            guard poll(&p, 1, ms) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, count - out.count)) }
            if n > 0 { out += buffer[0..<n] }
        }
        return out
    }

    func close() { Glibc.close(fd) }
}

/// A fresh directory under the system's temporary directory, removed with everything in it
/// when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "fieldsim-wire-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
