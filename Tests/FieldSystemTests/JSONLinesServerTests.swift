import FieldCore
import FieldSystem
import Foundation
import Synchronization
import Testing

/// The one JSON-lines server (the local API's and the simulator's control socket's), against
/// real Unix sockets.
@Suite("JSONLinesServer")
struct JSONLinesServerTests {
    static func path(_ name: String) -> String {
        "/tmp/fs-\(name)-\(UUID().uuidString.prefix(8)).sock"
    }

    static func refusal(_ r: JSONLinesServer.Refusal) -> JSONValue? {
        switch r {
        case .busy(let n): ["ok": false, "error": .string("busy \(n)")]
        case .lineTooLong(let n): ["ok": false, "error": .string("longer than \(n)")]
        case .notJSON: ["ok": false, "error": "not JSON"]
        }
    }

    static func echoServer(_ path: String, maxClients: Int = 4, idleTimeout: Duration? = nil, maxLine: Int = 1024) throws -> JSONLinesServer {
        let server = try JSONLinesServer(
            path: path, name: "test-json", maxClients: maxClients, idleTimeout: idleTimeout, maxLine: maxLine,
            permissions: 0o660, refusalAnswer: refusal
        ) { request in
            ["ok": true, "result": request]
        }
        try server.start()
        return server
    }

    /// Reads answer lines off a raw connection (at most 5 s each).
    final class LineReader {
        let fd: FileDescriptor
        var buffer: [UInt8] = []
        init(_ fd: FileDescriptor) { self.fd = fd }

        func next() -> String? {
            let deadline = monotonicMilliseconds() + 5_000
            while !buffer.contains(UInt8(ascii: "\n")) {
                let left = deadline - monotonicMilliseconds()
                guard left > 0, let ready = try? FileDescriptor.poll(fd, for: .readable, timeout: .milliseconds(left)), !ready.isEmpty,
                      let chunk = try? fd.read(upTo: 4096), !chunk.isEmpty else { return nil }
                buffer += chunk
            }
            let nl = buffer.firstIndex(of: UInt8(ascii: "\n"))!
            defer { buffer.removeFirst(nl + 1) }
            return String(decoding: buffer[..<nl], as: UTF8.self)
        }
    }

    static func waitUntil(_ condition: () -> Bool) -> Bool {
        let deadline = monotonicMilliseconds() + 5_000
        while !condition() {
            if monotonicMilliseconds() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    @Test func answersEachLineInOrderAndSkipsBlankLines() throws {
        let path = Self.path("order")
        let server = try Self.echoServer(path)
        defer { server.stop() }
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o660)
        let connection = try JSONLineConnection(path: path)
        for i in 0..<50 {
            #expect(try connection.call(["n": .number(Double(i))], timeout: .seconds(5)) == ["n": .number(Double(i))])
        }
        let fd = try FileDescriptor.unixConnection(path: path)
        defer { try? fd.close() }
        try fd.writeAll(Array("\n  \n{\"a\":1}\nnot json\n{\"b\":2}\n".utf8))
        let answers = LineReader(fd)
        #expect(answers.next() == #"{"ok":true,"result":{"a":1}}"#)
        #expect(answers.next() == #"{"error":"not JSON","ok":false}"#)
        #expect(answers.next() == #"{"ok":true,"result":{"b":2}}"#)
    }

    @Test func refusesAClientOverTheLimitAndServesItOnceASlotIsFree() throws {
        let path = Self.path("busy")
        let server = try Self.echoServer(path, maxClients: 2)
        defer { server.stop() }
        let first = try JSONLineConnection(path: path), second = try JSONLineConnection(path: path)
        _ = try first.call(["x": 1], timeout: .seconds(5))
        _ = try second.call(["x": 2], timeout: .seconds(5))
        #expect(server.clientCount == 2)
        let third = try FileDescriptor.unixConnection(path: path)
        defer { try? third.close() }
        let refusal = LineReader(third)
        #expect(refusal.next() == #"{"error":"busy 2","ok":false}"#)
        #expect(Self.waitUntil { (try? third.read(upTo: 16)) == [] }, "the refused client is closed")
        // A client that sends after the server has refused and closed still reads why.
        let late = try JSONLineConnection(path: path)
        usleep(300_000)
        do {
            _ = try late.call(["x": 5], timeout: .seconds(5))
            Issue.record("a client over the limit was served")
        } catch {
            #expect(error.refused && error.message == "busy 2", "\(error.message)")
        }
        _ = consume first
        #expect(Self.waitUntil { server.clientCount == 1 })
        #expect(try JSONLineConnection(path: path).call(["x": 4], timeout: .seconds(5)) == ["x": 4])
    }

    @Test func anOverlongLineIsRefusedAndEndsTheConnection() throws {
        let path = Self.path("long")
        let server = try Self.echoServer(path, maxLine: 1024)
        defer { server.stop() }
        let fd = try FileDescriptor.unixConnection(path: path)
        defer { try? fd.close() }
        try fd.writeAll(Array(repeating: UInt8(ascii: "["), count: 5_000))
        #expect(LineReader(fd).next() == #"{"error":"longer than 1024","ok":false}"#)
        #expect(Self.waitUntil { (try? fd.read(upTo: 16)) == [] })
    }

    @Test func anIdleClientIsClosed() throws {
        let path = Self.path("idle")
        let server = try Self.echoServer(path, idleTimeout: .milliseconds(100))
        defer { server.stop() }
        let fd = try FileDescriptor.unixConnection(path: path)
        defer { try? fd.close() }
        #expect(Self.waitUntil { server.clientCount == 1 })
        #expect(Self.waitUntil { server.clientCount == 0 })
        #expect((try? fd.read(upTo: 16)) == [])
    }

    @Test func stopDisconnectsClientsJoinsThreadsAndRemovesTheSocket() throws {
        let path = Self.path("stop")
        let server = try Self.echoServer(path)
        let clients = try (0..<3).map { _ in try JSONLineConnection(path: path) }
        for c in clients { _ = try c.call(["hello": true], timeout: .seconds(5)) }
        #expect(server.clientCount == 3)
        server.stop()
        #expect(server.clientCount == 0)
        #expect(access(path, F_OK) != 0)
        server.stop()
        do {
            _ = try clients[0].call(["after": true], timeout: .seconds(1))
            Issue.record("a stopped server answered")
        } catch {
            #expect(!error.refused)
        }
    }
}
