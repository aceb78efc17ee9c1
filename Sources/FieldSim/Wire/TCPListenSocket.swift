#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldHAL

/// A listening TCP socket (non-blocking, close-on-exec, `SO_REUSEADDR`) and the port it got.
struct TCPListenSocket {
    let fd: CInt
    let port: Int

    /// Binds and listens: connections queue in the kernel from here on, before anyone accepts.
    ///
    /// - Parameters:
    ///   - host: a numeric IPv4/IPv6 address or a host name; `0.0.0.0` or `::` for every interface.
    ///   - port: 0 for a free port chosen by the kernel.
    static func open(host: String, port: Int, backlog: CInt, bus: String) throws(SimWireError) -> TCPListenSocket {
        guard (0...65535).contains(port) else {
            throw .badAddress(bus: bus, host: host, port: port, detail: "port outside 0–65535")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = CInt(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .badAddress(bus: bus, host: host, port: port, detail: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        let subject = "\(host):\(port)"
        do throws(SystemError) {
            let fd = try systemCall("socket", subject: subject) {
                socket(first.pointee.ai_family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            }
            do throws(SystemError) {
                var on: CInt = 1
                _ = try systemCall("setsockopt(SO_REUSEADDR)", subject: subject) {
                    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<CInt>.size))
                }
                _ = try systemCall("bind", subject: subject) { bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) }
                _ = try systemCall("listen", subject: subject) { listen(fd, backlog) }
                do { try FileDescriptor(rawValue: fd).setNonBlocking(true) } catch { throw error.about(subject) }
                return TCPListenSocket(fd: fd, port: try boundPort(fd, subject: subject))
            } catch {
                close(fd)
                throw error
            }
        } catch {
            throw .system(bus: bus, error)
        }
    }

    private static func boundPort(_ fd: CInt, subject: String) throws(SystemError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { p throws(SystemError) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { a throws(SystemError) in
                try systemCall("getsockname", subject: subject) { getsockname(fd, a, &length) }
            }
        }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { p in
            if family == sa_family_t(AF_INET6) {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// Accepts one waiting connection, non-blocking with `TCP_NODELAY` (answers go out at once).
    ///
    /// - Returns: nil when none is waiting; a failure when accepting failed (e.g. `EMFILE`: out
    ///   of descriptors, the connection stays queued).
    func accept() -> Result<CInt, SystemError>? {
        let fd = Glibc.accept(self.fd, nil, nil)
        guard fd >= 0 else {
            let e = SystemError.current("accept")
            return e.isWouldBlock || e.code == EINTR || e.code == ECONNABORTED ? nil : .failure(e)
        }
        var on: CInt = 1
        setsockopt(fd, CInt(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<CInt>.size))
        do throws(SystemError) {
            _ = try systemCall("fcntl(F_SETFD)", subject: "accept") { fcntl(fd, F_SETFD, FD_CLOEXEC) }
            do { try FileDescriptor(rawValue: fd).setNonBlocking(true) } catch { throw error.about("accept") }
            return .success(fd)
        } catch {
            close(fd)
            return .failure(error)
        }
    }
}
