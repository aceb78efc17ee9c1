import FieldCore
import FieldHAL
import FieldRuntime
import FieldTestSupport
import Foundation
import Synchronization
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

    /// The gateway's side of the GPIO socket against a hostile server: mangled replies, junk,
    /// overlong lines and floods of edges. `request` answers or throws a `GPIOError`; nothing hangs
    /// past the reply timeout or crashes.
    @Test func theGatewaysGPIOClient() throws {
        let path = Self.temporaryPath("gpio-client")
        let listener = try FileDescriptor.unixListener(path: path)
        defer {
            try? listener.close()
            unlink(path)
        }
        let replies: [String] = [
            #"{"op":"hello","id":1,"version":1,"chip":"fieldsim","label":"fieldsim","names":["door","relay-1"]}"#,
            #"{"op":"ok","id":2,"values":[false,true]}"#,
            #"{"op":"edge","line":"door","value":true,"ts":1767225600123}"#,
            #"{"op":"error","id":2,"code":"busy","line":"door","message":"door is already requested"}"#,
        ]
        let shared = ScriptedServerState()
        let server = Thread {
            while !shared.stop.load(ordering: .relaxed) {
                guard let ready = try? FileDescriptor.poll(listener, for: .readable, timeout: .milliseconds(50)), !ready.isEmpty,
                      let client = try? listener.accept() else { continue }
                for line in shared.script.withLock({ $0 }) {
                    // Wait for the client's next line, then answer with the scripted one.
                    guard let r = try? FileDescriptor.poll(client, for: .readable, timeout: .milliseconds(300)), !r.isEmpty,
                          let got = try? client.read(upTo: 65536), !got.isEmpty else { break }
                    _ = try? client.send(line)
                }
                Thread.sleep(forTimeInterval: 0.01)
                try? client.close()
            }
        }
        server.start()
        defer { shared.stop.store(true, ordering: .relaxed) }
        FuzzRun("GPIO socket replies to the gateway").run { caseSeed, g in
            var lines: [[UInt8]] = []
            for r in replies.prefix(2) {
                switch Int.random(in: 0..<6, using: &g) {
                case 0: lines.append(Mutator.bytes(&g, count: Int.random(in: 1...200, using: &g)) + [10])
                case 1: lines.append(Array(repeating: UInt8(ascii: "{"), count: 70_000) + [10])
                case 2: lines.append(Array(String(repeating: replies[2] + "\n", count: 200).utf8) + Array((r + "\n").utf8))
                case 3: lines.append(Array((replies[3] + "\n").utf8))
                default: lines.append(Mutator.mutate(Array(r.utf8), &g) + [10])
                }
            }
            shared.script.withLock { $0 = lines }
            let backend = GPIOSocketBackend(socketPath: path, replyTimeout: .milliseconds(300))
            let start = Date()
            do {
                let got = try backend.request([GPIOLineConfig(name: "door", chip: "fieldsim", offset: 0, direction: .input, edge: .both),
                                              GPIOLineConfig(name: "relay-1", chip: "fieldsim", offset: 1, direction: .output)])
                _ = try? got.value(of: "door")
                got.close()
            } catch {
                #expect(error is GPIOError, "FUZZ_CASE=0x\(String(caseSeed, radix: 16)): \(error)")
            }
            #expect(Date().timeIntervalSince(start) < 5, "FUZZ_CASE=0x\(String(caseSeed, radix: 16)): request hung")
        }
    }
}

/// What the scripted GPIO server answers, set by the test between cases.
final class ScriptedServerState: Sendable {
    let script = Mutex<[[UInt8]]>([])
    let stop = Atomic<Bool>(false)
}
