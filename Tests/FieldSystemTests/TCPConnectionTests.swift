import FieldCore
import FieldSystem
import Glibc
import Testing

/// `FileDescriptor.tcpConnection` against the kernel's own TCP listeners on loopback.
@Suite("TCP connection")
struct TCPConnectionTests {
    /// A listening IPv4 socket on 127.0.0.1 and a free port the kernel chose.
    static func listener(backlog: CInt = 8) throws -> (fd: CInt, port: Int) {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(fd, p, length) == 0 && listen(fd, backlog) == 0 && getsockname(fd, p, &length) == 0
            }
        }
        try #require(bound)
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A listener that a test stops and starts again (a broker outage) must find its port free:
    /// a port from the ephemeral range can meanwhile become the local end of someone's outgoing
    /// connection, so `freePort` stays below that range.
    @Test func freePortsForListenersAreBelowTheEphemeralRange() throws {
        let (low, high) = Waiting.ephemeralRange()
        #expect(low <= high)
        for _ in 0..<20 {
            let port = try Waiting.freePort()
            #expect(port >= 1024 && port <= 65_535)
            if low - 10_000 >= 1_000 { #expect(port < low, "\(port) is in the ephemeral range \(low)–\(high)") }
            #expect(Waiting.bindable(port))
        }
        let server = try Self.listener()
        defer { close(server.fd) }
        #expect(!Waiting.bindable(server.port), "a port with a listener is not free")
    }

    @Test func connectsAndCarriesBytesBothWays() throws {
        let server = try Self.listener()
        defer { close(server.fd) }
        let client = try FileDescriptor.tcpConnection(host: "127.0.0.1", port: server.port, timeout: .seconds(2), sendTimeout: .seconds(1))
        defer { try? client.close() }
        let accepted = FileDescriptor(rawValue: accept(server.fd, nil, nil))
        defer { try? accepted.close() }
        try client.sendAll(Array("ping".utf8))
        #expect(try accepted.read(upTo: 16) == Array("ping".utf8))
        try accepted.writeAll(Array("pong".utf8))
        #expect(try client.read(upTo: 16) == Array("pong".utf8))
        // Blocking again after the non-blocking connect, with the send timeout and TCP_NODELAY set.
        #expect(fcntl(client.rawValue, F_GETFL) & O_NONBLOCK == 0)
        var nodelay: CInt = 0
        var size = socklen_t(MemoryLayout<CInt>.size)
        getsockopt(client.rawValue, CInt(IPPROTO_TCP), TCP_NODELAY, &nodelay, &size)
        #expect(nodelay == 1)
        var timeout = timeval()
        size = socklen_t(MemoryLayout<timeval>.size)
        getsockopt(client.rawValue, SOL_SOCKET, SO_SNDTIMEO, &timeout, &size)
        #expect(timeout.tv_sec == 1)
    }

    @Test func aRefusedConnectionNamesTheEndpoint() throws {
        let server = try Self.listener()
        close(server.fd)  // nobody listens on that port now
        do {
            _ = try FileDescriptor.tcpConnection(host: "127.0.0.1", port: server.port, timeout: .seconds(2))
            Issue.record("connected to a closed port")
        } catch {
            guard case .system(let e) = error else { Issue.record("\(error)"); return }
            #expect(e.code == ECONNREFUSED)
            #expect(e.subject == "127.0.0.1:\(server.port)")
            #expect(error.description.hasPrefix("connect 127.0.0.1:\(server.port): "))
        }
    }

    @Test func anUnknownHostIsAResolverError() {
        do {
            _ = try FileDescriptor.tcpConnection(host: "nosuchhost.invalid", port: 2404, timeout: .seconds(2))
            Issue.record("resolved nosuchhost.invalid")
        } catch {
            guard case .cannotResolve(let host, _) = error else { Issue.record("\(error)"); return }
            #expect(host == "nosuchhost.invalid")
            #expect(error.description.hasPrefix("cannot resolve nosuchhost.invalid: "))
        }
    }

    @Test func aPortOutOfRangeIsRefusedBeforeAnyCall() {
        do {
            _ = try FileDescriptor.tcpConnection(host: "127.0.0.1", port: 70_000, timeout: .seconds(1))
            Issue.record("connected to port 70000")
        } catch {
            guard case .system(let e) = error else { Issue.record("\(error)"); return }
            #expect(e.code == EINVAL && e.subject == "127.0.0.1:70000")
        }
    }

    /// A listener whose accept queue is full drops further SYNs: the connect gets no answer and
    /// `timeout` bounds it.
    @Test func noAnswerWithinTheTimeoutIsATimeout() throws {
        let server = try Self.listener(backlog: 0)
        defer { close(server.fd) }
        var held: [FileDescriptor] = []
        defer { for fd in held { try? fd.close() } }
        var outcome: TCPConnectError?
        let started = monotonicMilliseconds()
        for _ in 0..<8 {
            do {
                held.append(try FileDescriptor.tcpConnection(host: "127.0.0.1", port: server.port, timeout: .milliseconds(200)))
            } catch {
                outcome = error
                break
            }
        }
        #expect(outcome == .timedOut(endpoint: "127.0.0.1:\(server.port)", after: .milliseconds(200)))
        #expect(outcome?.description == "no answer within 200ms")
        #expect(monotonicMilliseconds() - started >= 200)
    }
}
