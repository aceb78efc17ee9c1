import FieldCore
import FieldHAL
import FieldRuntime
import FieldTestSupport
import Foundation
import Testing

/// The two Unix sockets that take input: the local API (`fieldgate status`, scripts) and the
/// simulator's GPIO socket. Random and mangled lines, overlong lines and abrupt hang-ups: the
/// server answers or closes, keeps serving others, and leaves no thread behind (issue 17).
@Suite struct SocketFuzzTests {
    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "fuzz-\(name)-\(UUID().uuidString.prefix(8)).sock"
    }

    static func connect(_ path: String) -> FileDescriptor? { try? FileDescriptor.unixConnection(path: path) }

    static func drain(_ fd: FileDescriptor) {
        while let ready = try? FileDescriptor.poll(fd, for: .readable, timeout: .milliseconds(20)), !ready.isEmpty,
              let chunk = try? fd.read(upTo: 65536), !chunk.isEmpty {}
    }

    @Test func theLocalAPI() throws {
        signal(SIGPIPE, SIG_IGN)
        let path = Self.temporaryPath("api")
        let server = try LocalAPIServer(path: path) { request, reply in
            reply(request["op"]?.stringValue == "status" ? .success(["ok": true]) : .failure(CommandError(.invalidArgument, "unknown op")))
        }
        try server.start()
        defer { server.stop() }
        let valid = [#"{"op": "status"}"#, #"{"op": "points", "device": "lamp-1"}"#, #"{"op": "alarms"}"#]
        FuzzRun("local API requests").run { _, g in
            guard let fd = Self.connect(path) else { return }
            defer { try? fd.close() }
            for _ in 0..<Int.random(in: 1...4, using: &g) {
                var line: [UInt8]
                switch Int.random(in: 0..<8, using: &g) {
                case 0: line = Mutator.bytes(&g, count: Int.random(in: 0...200, using: &g))
                case 1: line = Array(repeating: UInt8(ascii: "["), count: Int.random(in: 100...70_000, using: &g))
                default: line = Mutator.mutate(Array(valid.randomElement(using: &g)!.utf8), &g)
                }
                if Int.random(in: 0..<4, using: &g) > 0 { line.append(UInt8(ascii: "\n")) }
                guard (try? fd.writeAll(line)) != nil else { return }
            }
            Self.drain(fd)
        }
        #expect(try LocalAPIClient(path: path).call(["op": "status"]) == ["ok": true])
        let deadline = Date().addingTimeInterval(5)
        while server.clientCount > 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(server.clientCount == 0, "every client thread ended")
    }

    @Test func theSimulatorsGPIOSocket() throws {
        let path = Self.temporaryPath("gpio")
        let chip = try SimulatedGPIOChip(lines: ["door", "water", "relay-1", "buzzer"])
        let server = try GPIOSocketServer(socketPath: path, chip: chip)
        defer { server.stop() }
        let valid = [
            #"{"op":"hello","id":1,"version":1,"consumer":"fieldgate"}"#,
            #"{"op":"request","id":2,"lines":[{"name":"door","chip":"fieldsim","offset":0,"direction":"input","edge":"both","activeLow":true,"value":false},{"name":"relay-1","chip":"fieldsim","offset":2,"direction":"output","edge":"none","activeLow":false,"value":true}]}"#,
            #"{"op":"set","id":3,"line":"relay-1","value":false}"#,
            #"{"op":"get","id":4,"line":"door"}"#,
        ]
        FuzzRun("GPIO socket messages").run { _, g in
            guard let fd = Self.connect(path) else { return }
            defer { try? fd.close() }
            for (i, message) in valid.enumerated() {
                let bytes = Int.random(in: 0..<3, using: &g) == 0 || i == valid.count - 1 ? Mutator.mutate(Array(message.utf8), &g) : Array(message.utf8)
                guard (try? fd.writeAll(bytes + [UInt8(ascii: "\n")])) != nil else { return }
            }
            if Int.random(in: 0..<8, using: &g) == 0 { _ = try? fd.writeAll(Array(repeating: UInt8(ascii: "x"), count: 70_000)) }
            Self.drain(fd)
        }
        // The server still serves a well-behaved client.
        let backend = GPIOSocketBackend(socketPath: path)
        let lines = try backend.request([GPIOLineConfig(name: "relay-1", chip: "fieldsim", offset: 2, direction: .output)])
        try lines.set("relay-1", to: true)
        #expect(try lines.value(of: "relay-1"))
        lines.close()
    }
}
