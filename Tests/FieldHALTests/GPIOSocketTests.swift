import Foundation
import Testing
import FieldCore
@testable import FieldHAL

/// The socket backend against an in-process `GPIOSocketServer` on a temp-dir socket.
@Suite struct GPIOSocketTests {
    static let lineNames = ["door", "water", "relay-1", "buzzer", "alarm-button"]

    /// Runs `body` with a server on a fresh socket, and cleans up even when it throws.
    func withServer(clock: any FieldClock = SystemClock(), _ body: (GPIOSocketServer, GPIOSocketBackend) throws -> Void) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let chip = try SimulatedGPIOChip(name: "fieldsim", label: "sim-board", lines: Self.lineNames, clock: clock)
        let server = try GPIOSocketServer(socketPath: dir.path + "/gpio.sock", chip: chip)
        defer { server.stop() }
        try body(server, GPIOSocketBackend(socketPath: server.socketPath, clock: clock))
    }

    @Test func edgesReadsAndWritesGoOverTheSocket() throws {
        try withServer { server, backend in
            let chip = server.chip
            try chip.drive("door", to: true)
            let lines = try backend.request([
                .input("door", chip: "fieldsim", offset: 0, activeLow: true),
                .input("alarm-button", chip: "sim-board", offset: 4, edge: .rising),
                .output("relay-1", chip: "fieldsim", offset: 2, initialValue: true),
                .output("buzzer", chip: "fieldsim", offset: 3, activeLow: true),
            ])
            #expect(try chip.requestedDirection(of: "door") == .input)
            #expect(try chip.level(of: "relay-1") == true)
            #expect(try chip.level(of: "buzzer") == true)
            #expect(try lines.value(of: "door") == false)

            try chip.drive("door", to: false)
            #expect(try lines.waitForEvents(timeout: .seconds(5)).map(\.description).map { $0.hasPrefix("door rising") } == [true])
            try chip.drive("alarm-button", to: true)
            #expect(try lines.waitForEvents(timeout: .seconds(5)).map(\.line) == ["alarm-button"])

            try lines.set("buzzer", to: true)
            try lines.set("relay-1", to: false)
            #expect(try chip.level(of: "buzzer") == false)
            #expect(try chip.level(of: "relay-1") == false)
            #expect(try lines.value(of: "buzzer") == true)
            #expect(server.connectionCount == 1)
            lines.close()
            #expect(eventually { server.connectionCount == 0 })
            #expect(try chip.requestedDirection(of: "door") == nil)
        }
    }

    @Test func edgesMetDuringAWriteAreNotLost() throws {
        try withServer { server, backend in
            let lines = try backend.request([
                .input("door", chip: "fieldsim", offset: 0),
                .output("relay-1", chip: "fieldsim", offset: 2),
            ])
            try server.chip.drive("door", to: true)
            // The set reads the pushed edge off the socket before its own reply.
            try lines.set("relay-1", to: true)
            #expect(try lines.waitForEvents(timeout: .seconds(5)).map(\.edge) == [.rising])
        }
    }

    @Test func bounceIsDebouncedOnTheGatewaySide() throws {
        let clock = ManualClock()
        try withServer(clock: clock) { server, backend in
            let lines = try backend.request([.input("water", chip: "fieldsim", offset: 1, debounce: .milliseconds(25))])
            try server.chip.injectBounce("water", toggles: 9, interval: .milliseconds(1), settlingAt: true)
            let settled = clock.now()
            while lines.nextSettleTime != settled + .milliseconds(25) {
                var set = lines.pollDescriptors.map { FileDescriptor.PollRequest($0) }
                #expect(try FileDescriptor.poll(&set, timeout: .seconds(5)) > 0)
                #expect(try lines.readEvents().isEmpty)
            }
            clock.advance(by: .milliseconds(24))
            #expect(try lines.readEvents().isEmpty)
            clock.advance(by: .milliseconds(1))
            #expect(try lines.readEvents() == [GPIOEdgeEvent(line: "water", edge: .rising, time: settled)])
        }
    }

    @Test func theServersErrorsArriveAsTheSameErrorsAsALocalChip() throws {
        try withServer { _, backend in
            #expect(throws: GPIOError.noSuchLine(line: "lamp", chip: "fieldsim", offset: 40)) {
                try backend.request([.output("lamp", chip: "fieldsim", offset: 40)])
            }
            #expect(throws: GPIOError.noSuchChip(chip: "gpiochip3")) {
                try backend.request([.output("lamp", chip: "gpiochip3", offset: 1)])
            }
            let held = try backend.request([.input("door", chip: "fieldsim", offset: 0)])
            #expect(throws: GPIOError.busy(line: "cabinet-door", chip: "fieldsim", offset: 0, detail: "door is already requested")) {
                try backend.request([.input("cabinet-door", chip: "fieldsim", offset: 0)])
            }
            held.close()
        }
    }

    @Test func theWireProtocolRefusesWhatItShould() throws {
        try withServer { server, _ in
            let raw = try RawGPIOClient(path: server.socketPath)
            #expect(try raw.exchange(#"{"op":"set","id":1,"line":"relay-1","value":true}"#).contains(#""code":"bad-request""#))
            #expect(try raw.exchange(#"{"op":"hello","id":2,"version":1}"#).contains(#""names":["door","water","relay-1","buzzer","alarm-button"]"#))
            #expect(try raw.exchange(#"{"op":"set","id":3,"line":"relay-1","value":true}"#).contains(#""code":"not-requested""#))
            #expect(try raw.exchange("this is not json").contains(#""code":"bad-request""#))
            let request = #"{"op":"request","id":4,"lines":[{"name":"door","chip":"fieldsim","offset":0,"direction":"input","edge":"both","activeLow":false,"value":false}]}"#
            #expect(try raw.exchange(request).contains(#""values":[false]"#))
            #expect(try raw.exchange(#"{"op":"set","id":5,"line":"door","value":true}"#).contains(#""code":"direction""#))
            #expect(try raw.exchange(request).contains(#""code":"invalid""#))
            try server.chip.drive("door", to: true)
            let edge = try raw.readLine()
            #expect(edge.contains(#""op":"edge""#) && edge.contains(#""line":"door""#) && edge.contains(#""value":true"#))

            let stranger = try RawGPIOClient(path: server.socketPath)
            #expect(try stranger.exchange(#"{"op":"hello","id":1,"version":99}"#).contains(#""code":"version""#))
        }
    }

    @Test func whenTheServerGoesAwayTheLinesSaySoAndARequestReconnects() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/gpio.sock"
        let chip = try SimulatedGPIOChip(lines: Self.lineNames)
        let backend = GPIOSocketBackend(socketPath: path)
        var server = try GPIOSocketServer(socketPath: path, chip: chip)
        let lines = try backend.request([.input("door", chip: "fieldsim", offset: 0), .output("relay-1", chip: "fieldsim", offset: 2)])
        server.stop()
        let lost = GPIOError.connectionLost(socket: path, reason: "the GPIO server closed the connection")
        #expect(throws: lost) { try lines.waitForEvents(timeout: .seconds(5)) }
        #expect(throws: lost) { try lines.set("relay-1", to: true) }
        #expect(throws: GPIOError.connectionLost(socket: path, reason: "no GPIO server is listening (is fieldsim running?)")) {
            try backend.request([.input("door", chip: "fieldsim", offset: 0)])
        }

        server = try GPIOSocketServer(socketPath: path, chip: chip)
        defer { server.stop() }
        let again = try backend.request([.input("door", chip: "fieldsim", offset: 0)])
        try chip.drive("door", to: true)
        #expect(try again.waitForEvents(timeout: .seconds(5)).map(\.edge) == [.rising])
    }

    @Test func edgesArePushedPromptly() throws {
        try withServer { server, backend in
            let lines = try backend.request([.input("alarm-button", chip: "fieldsim", offset: 4)])
            var latencies: [UInt64] = []
            for i in 0..<200 {
                let start = monotonicNanoseconds()
                try server.chip.drive("alarm-button", to: i % 2 == 0)
                let events = try lines.waitForEvents(timeout: .seconds(5))
                latencies.append(monotonicNanoseconds() - start)
                #expect(events.count == 1)
            }
            latencies.sort()
            let p50 = Double(latencies[latencies.count / 2]) / 1e6
            let p99 = Double(latencies[latencies.count * 99 / 100]) / 1e6
            print("GPIO socket edge latency (drive → waitForEvents), 200 edges: p50 \(p50) ms, p99 \(p99) ms")
            // A sanity bound, not a benchmark: an edge must be pushed, not picked up by some slow poll.
            #expect(p99 < 250)
        }
    }
}

/// A client that speaks the wire protocol by hand, as `socat` would.
final class RawGPIOClient {
    private let socket: FileDescriptor
    private var framer = GPIOSocketProtocol.Framer()
    private var lines: [String] = []

    init(path: String) throws {
        socket = try FileDescriptor.unixConnection(path: path)
    }

    deinit { try? socket.close() }

    func exchange(_ line: String) throws -> String {
        try socket.writeAll(Array((line + "\n").utf8))
        return try readLine()
    }

    func readLine() throws -> String {
        while lines.isEmpty {
            guard try !FileDescriptor.poll(socket, for: .readable, timeout: .seconds(5)).isEmpty else { return "(nothing within 5 s)" }
            let bytes = try socket.receive(upTo: 4096)
            if bytes.isEmpty { return "(closed)" }
            lines += (framer.append(bytes) ?? []).map { String(decoding: $0, as: UTF8.self) }
        }
        return lines.removeFirst()
    }
}
