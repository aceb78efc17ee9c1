#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FileDescriptor {
    /// The kind of a Unix-domain socket.
    package enum SocketKind: Sendable {
        /// `SOCK_STREAM`: a byte stream (the simulator's GPIO socket, the local API).
        case stream
        /// `SOCK_DGRAM`: separate messages (systemd's notify socket).
        case datagram

        var type: CInt {
            switch self {
            case .stream: CInt(SOCK_STREAM.rawValue)
            case .datagram: CInt(SOCK_DGRAM.rawValue)
            }
        }
    }

    /// A new Unix-domain socket, close-on-exec (`socket(AF_UNIX)`).
    package static func unixSocket(_ kind: SocketKind) throws(SystemError) -> FileDescriptor {
        let fd = try systemCall("socket(AF_UNIX)") { socket(AF_UNIX, kind.type | CInt(SOCK_CLOEXEC.rawValue), 0) }
        return FileDescriptor(rawValue: fd)
    }

    /// A stream socket listening at `path`; a stale socket file left by a crashed run is replaced.
    ///
    /// - Parameters:
    ///   - path: a file system path, or `@name` for a Linux abstract socket.
    package static func unixListener(path: String, backlog: CInt = 16) throws(SystemError) -> FileDescriptor {
        let fd = try unixSocket(.stream)
        do {
            if !path.hasPrefix("@") { removeStaleSocket(at: path) }
            try fd.bind(unixPath: path)
            _ = try systemCall("listen", subject: path) { Glibc.listen(fd.rawValue, backlog) }
            return fd
        } catch {
            try? fd.close()
            throw error
        }
    }

    /// A stream socket connected to the listener at `path` (`@name` for an abstract socket).
    package static func unixConnection(path: String) throws(SystemError) -> FileDescriptor {
        let fd = try unixSocket(.stream)
        do {
            _ = try withUnixAddress(path, function: "connect") { (address, length) throws(SystemError) in
                try systemCall("connect", subject: path) { Glibc.connect(fd.rawValue, address, length) }
            }
            return fd
        } catch {
            try? fd.close()
            throw error
        }
    }

    /// Gives this socket the address `path` (`bind(2)`; `@name` for an abstract socket).
    package func bind(unixPath path: String) throws(SystemError) {
        _ = try withUnixAddress(path, function: "bind") { (address, length) throws(SystemError) in
            try systemCall("bind", subject: path) { Glibc.bind(rawValue, address, length) }
        }
    }

    /// Takes the next waiting connection of a listening socket (`accept(2)`), close-on-exec.
    package func accept() throws(SystemError) -> FileDescriptor {
        let fd = try systemCall("accept") { Glibc.accept(rawValue, nil, nil) }
        let connection = FileDescriptor(rawValue: fd)
        do {
            try connection.setCloseOnExec()
        } catch {
            try? connection.close()
            throw error
        }
        return connection
    }

    /// Sends some of `bytes` on a connected socket (`send(2)`) without raising `SIGPIPE` when the
    /// peer has gone: that is an `EPIPE` error instead.
    package func send(_ bytes: some Collection<UInt8>) throws(SystemError) -> Int {
        let contiguous = Array(bytes)
        return try systemCall("send") {
            contiguous.withUnsafeBytes { Glibc.send(rawValue, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
        }
    }

    /// Sends all of `bytes` on a connected socket, waiting for room when it is non-blocking; a
    /// peer that has gone is an `EPIPE` error, never a `SIGPIPE` that kills the process.
    package func sendAll(_ bytes: some Collection<UInt8>) throws(SystemError) {
        var rest = Array(bytes)[...]
        while !rest.isEmpty {
            do {
                let n = try send(rest)
                rest = rest.dropFirst(n)
            } catch where error.isWouldBlock {
                _ = try FileDescriptor.poll(self, for: .writable, timeout: nil)
            }
        }
    }

    /// Which direction `shutdown(_:)` ends.
    package enum ShutdownDirection: Sendable {
        /// `SHUT_RD`: reads return end of file; writing still works.
        case reading
        /// `SHUT_WR`: the peer reads end of file.
        case writing
        /// `SHUT_RDWR`.
        case both

        var how: CInt {
            switch self {
            case .reading: CInt(SHUT_RD)
            case .writing: CInt(SHUT_WR)
            case .both: CInt(SHUT_RDWR)
            }
        }
    }

    /// Ends one or both directions of a connected socket (`shutdown(2)`); wakes a thread
    /// blocked reading it. A socket that is no longer connected is not an error worth reporting.
    package func shutdown(_ direction: ShutdownDirection) {
        _ = Glibc.shutdown(rawValue, direction.how)
    }

    /// Sends one datagram to the socket at `path` (`sendto(2)`; `@name` for an abstract socket).
    package func send(_ bytes: some Collection<UInt8>, toUnixPath path: String) throws(SystemError) {
        let contiguous = Array(bytes)
        _ = try withUnixAddress(path, function: "sendto") { (address, length) throws(SystemError) in
            try systemCall("sendto", subject: path) {
                contiguous.withUnsafeBytes {
                    Glibc.sendto(rawValue, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL), address, length)
                }
            }
        }
    }

    /// Receives one datagram or some stream bytes, at most `count` (`recv(2)`). Empty: the peer
    /// closed the stream.
    package func receive(upTo count: Int) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(count, 0))
        let n = try systemCall("recv") {
            bytes.withUnsafeMutableBytes { Glibc.recv(rawValue, $0.baseAddress, $0.count, 0) }
        }
        bytes.removeSubrange(n...)
        return bytes
    }
}

/// Sets a file's permission bits (`chmod(2)`), e.g. 0o660 on a socket only a group may use.
package func changePermissions(of path: String, to mode: UInt32) throws(SystemError) {
    _ = try systemCall("chmod", subject: path) { chmod(path, mode_t(mode)) }
}

/// Unlinks `path` if it is a socket: never a regular file someone put there by mistake.
package func removeStaleSocket(at path: String) {
    var info = stat()
    if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK {
        unlink(path)
    }
}

/// Calls `body` with a `sockaddr_un` for `path`; a leading `@` names a Linux abstract socket
/// (a NUL first byte, no file, gone when the last socket closes).
package func withUnixAddress<Result>(
    _ path: String, function: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws(SystemError) -> Result
) throws(SystemError) -> Result {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let abstract = path.hasPrefix("@")
    let name = Array((abstract ? path.dropFirst() : Substring(path)).utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    // A file path needs its terminating NUL; an abstract name needs its leading one.
    guard !name.isEmpty, name.count + 1 <= capacity else {
        throw SystemError(code: name.isEmpty ? EINVAL : ENAMETOOLONG, function: function, subject: path)
    }
    withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
        sunPath.initializeMemory(as: UInt8.self, repeating: 0)
        sunPath.baseAddress!.advanced(by: abstract ? 1 : 0).copyMemory(from: name, byteCount: name.count)
    }
    let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
    let length = socklen_t(pathOffset + name.count + 1)
    return try withUnsafePointer(to: &address) { (pointer) throws(SystemError) -> Result in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(SystemError) -> Result in
            try body(raw, length)
        }
    }
}
