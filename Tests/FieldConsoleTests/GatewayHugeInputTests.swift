import FieldCore
import FieldRuntime
import Foundation
import Testing

/// Huge durations and numbers typed at the real gateway's console, and `fieldgate status` run
/// hundreds of times: each gets an error naming the argument, the gateway keeps running, and its
/// threads and memory stay where they were (issue 17).
@Suite struct GatewayHugeInputTests {
    @Test func hugeDurationsAndNumbersAreRangeErrorsNotACrash() throws {
        let rig = try GatewayRig()
        let c = try rig.picocom()
        #expect(rig.login(c, as: "tech"))
        let cases: [(String, String)] = [
            ("trend lamp-1.power 1e20h", "WINDOW \"1e20h\" is not a duration from 1m to 30d"),
            ("watch hydrant-main.pressure --every 1e20s", "--every \"1e20s\": expected a duration from 200ms to 1h"),
            // The lamp head's app reads the command once, for the console and the platform alike.
            ("lamp lamp-1 on --for 1e20h", "lamp: for: \"1e20h\" is out of range (expected 1m…1d)"),
            ("gpio set DO5 on --for 1e20h", "--for \"1e20h\": expected a duration from 100ms to 1h"),
            ("maintenance start --for 1e20h", "--for \"1e20h\": expected a duration from 1m to 1d"),
            ("config set devices[0].poll 1e20s", "devices[0].poll: \"1e20s\" is out of range"),
            ("config set devices[0].poll 1e20", "devices[0].poll: 1e+20 is out of range"),
            ("config set devices[3].settings.fallback-timeout 1e300", "devices[3].settings.fallback-timeout"),
            ("config set devices[0].address 9.5e15", "devices[0].address: 9500000000000000 is out of range"),
        ]
        for (line, expected) in cases {
            let screen = rig.run(c, line).joined(separator: "\n")
            #expect(screen.contains("error: "), "\(line): \(screen)")
            #expect(screen.contains(expected), "\(line): \(screen)")
            #expect(rig.gateway.isRunning, "\(line) stopped the gateway")
        }
        #expect(rig.run(c, "whoami").joined().contains("tech (technician)"))
    }

    /// Every `fieldgate status` is a connection to the local API; none may leave its thread.
    @Test func localAPIConnectionsLeaveNoThreadsAndAreBounded() throws {
        // The 17th client's request may meet a socket the gateway has closed: EPIPE, not SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let rig = try GatewayRig()
        let socket = rig.stateDirectory + "/fieldgate.sock"
        func threads() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(rig.pid)/task").count) ?? -1 }
        for _ in 0..<5 { _ = try LocalAPIClient(path: socket).call(["op": "status"]) }
        let before = threads()
        for _ in 0..<300 { _ = try LocalAPIClient(path: socket).call(["op": "status"]) }
        var after = threads()
        for _ in 0..<50 where after > before {
            Thread.sleep(forTimeInterval: 0.1)
            after = threads()
        }
        #expect(after <= before, "300 connections: \(before) threads before, \(after) after")

        // Idle clients beyond the bound are told so, and the API still answers once they leave.
        var idle = try (0..<16).map { _ in try LocalAPIClient(path: socket) }
        Thread.sleep(forTimeInterval: 0.5)
        do {
            _ = try LocalAPIClient(path: socket).call(["op": "status"])
            Issue.record("a 17th client was served")
        } catch let e as CommandError {
            #expect(e.message.contains("16 local API clients are connected already"), "\(e)")
        }
        idle.removeAll()
        var answered = false
        for _ in 0..<50 where !answered {
            answered = (try? LocalAPIClient(path: socket).call(["op": "status"])) != nil
            if !answered { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(answered)
    }
}
