#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// Why a TCP connection could not be made: the name did not resolve, the peer did not answer in
/// time, or a system call failed (refused, unreachable …). Each names the endpoint.
package enum TCPConnectError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `getaddrinfo` failed; the text is the resolver's (`gai_strerror`).
    case cannotResolve(host: String, reason: String)
    /// No answer to the connect within the timeout.
    case timedOut(endpoint: String, after: Duration)
    /// `socket`, `connect` or the connect's outcome (`SO_ERROR`) failed; the subject is the endpoint.
    case system(SystemError)

    package var description: String {
        switch self {
        case .cannotResolve(let host, let reason): "cannot resolve \(host): \(reason)"
        case .timedOut(_, let after): "no answer within \(formatDuration(after))"
        case .system(let e): e.description
        }
    }
}

extension FileDescriptor {
    /// A connected, blocking TCP stream socket to `host:port`, close-on-exec, with `TCP_NODELAY`
    /// (small frames each go out at once) and, if given, a send timeout (`SO_SNDTIMEO`: a peer
    /// that stops reading makes `send` fail with `EAGAIN` instead of blocking forever).
    ///
    /// The first address `getaddrinfo` gives is tried; the connect is made non-blocking so that
    /// `timeout` bounds it, then the socket is made blocking again. Blocks the calling thread:
    /// call it on a thread the component owns.
    ///
    /// - Parameters:
    ///   - host: a name or a numeric IPv4/IPv6 address.
    ///   - port: 0…65535.
    /// - Throws: `TCPConnectError`.
    package static func tcpConnection(
        host: String, port: Int, timeout: Duration, sendTimeout: Duration? = nil
    ) throws(TCPConnectError) -> FileDescriptor {
        let endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        guard (0...65535).contains(port) else {
            throw .system(SystemError(code: EINVAL, function: "connect", subject: endpoint))
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = CInt(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .cannotResolve(host: host, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        let raw = socket(first.pointee.ai_family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0)
        guard raw >= 0 else { throw .system(.current("socket", subject: endpoint)) }
        let fd = FileDescriptor(rawValue: raw)
        do {
            try fd.finishConnect(to: first.pointee, endpoint: endpoint, timeout: timeout, sendTimeout: sendTimeout)
        } catch {
            try? fd.close()
            throw error
        }
        return fd
    }

    /// Connects this non-blocking socket to `address` within `timeout`, then makes it blocking
    /// with `TCP_NODELAY` and the send timeout.
    private func finishConnect(
        to address: addrinfo, endpoint: String, timeout: Duration, sendTimeout: Duration?
    ) throws(TCPConnectError) {
        if Glibc.connect(rawValue, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw .system(.current("connect", subject: endpoint)) }
            let ready: PollEvents
            do {
                ready = try FileDescriptor.poll(self, for: .writable, timeout: timeout)
            } catch {
                throw .system(error.about(endpoint))
            }
            guard !ready.isEmpty else { throw .timedOut(endpoint: endpoint, after: timeout) }
            var outcome: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            if getsockopt(rawValue, SOL_SOCKET, SO_ERROR, &outcome, &length) != 0 {
                throw .system(.current("getsockopt(SO_ERROR)", subject: endpoint))
            }
            guard outcome == 0 else { throw .system(SystemError(code: outcome, function: "connect", subject: endpoint)) }
        }
        do {
            try setNonBlocking(false)
            if let sendTimeout {
                let ns = nanoseconds(sendTimeout)
                var t = timeval(tv_sec: time_t(clamping: ns / 1_000_000_000), tv_usec: suseconds_t(ns % 1_000_000_000 / 1000))
                _ = try systemCall("setsockopt(SO_SNDTIMEO)", subject: endpoint) {
                    setsockopt(rawValue, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
                }
            }
            var on: CInt = 1
            _ = try systemCall("setsockopt(TCP_NODELAY)", subject: endpoint) {
                setsockopt(rawValue, CInt(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<CInt>.size))
            }
        } catch {
            throw .system(error)
        }
    }
}
