import FieldCore
import FieldDevices
import FieldHAL
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// The real gateway against pymodbus (an implementation we did not write), its values compared
/// exactly in the point table and at a platform that keeps the latest value per key.
@Suite(.serialized) struct PymodbusInteropTests {
    @Test("every type and word order, a refused register, unit 0 and an absent unit, as pymodbus serves them",
          .timeLimit(.minutes(3)))
    func valuesExceptionsAndUnits() async throws {
        guard InteropRig.available() else { return }
        let rig = try await InteropRig()
        let ready = await UplinkRig.until(.seconds(40), every: .milliseconds(500)) {
            let points = try DemoSiteValueTests.pointsFromTheCommandLine(stateDirectory: rig.stateDirectory)
            return ["full-1", "refusing-2", "native-0"].allSatisfy { d in points["\(d).u16"]?.quality == "good" }
                && points["absent-9.u16"]?.quality == "comm-error"
        }
        #expect(ready, "the gateway did not read the field:\n\(rig.gateway.logTail())")
        let points = try DemoSiteValueTests.pointsFromTheCommandLine(stateDirectory: rig.stateDirectory)
        for device in ["full-1", "native-0"] {
            for (name, value) in InteropRig.expected {
                let p = points["\(device).\(name)"]
                #expect(p?.value == .number(value) && p?.quality == "good", "\(device).\(name): \(String(describing: p)), pymodbus holds \(value)")
            }
        }
        // Unit 2 refuses register 33 (the second word of f32-cdab): that point alone is marked,
        // the coalesced read is split and every other point reads.
        for (name, value) in InteropRig.expected {
            let p = points["refusing-2.\(name)"]
            if name == "f32-cdab" {
                #expect(p?.quality == "comm-error" && p?.value == .null, "refusing-2.f32-cdab: \(String(describing: p))")
            } else {
                #expect(p?.value == .number(value) && p?.quality == "good", "refusing-2.\(name): \(String(describing: p))")
            }
        }
        let devices = try rig.api(["op": "devices"]).arrayValue ?? []
        let refusing = devices.first { $0["id"] == "refusing-2" }
        #expect(refusing?["stats"]?["refused"]?["f32-cdab"]?.stringValue?.contains("illegal data address") == true,
                "the exception is named in the device's status: \(String(describing: refusing?["stats"]))")
        let log = rig.gateway.log
        #expect(log.components(separatedBy: "refusing-2 (unit 2) refused").count == 2, "one log line for the split:\n\(rig.gateway.logTail())")
        #expect(!log.contains("full-1 (unit 1) refused"), "a device that never refuses keeps its coalesced reads")

        // The platform, keeping the latest value per key, sees the same numbers and qualities.
        let seen = await UplinkRig.until(.seconds(20), every: .milliseconds(500)) {
            let view = rig.platform()
            return view["interop.refusing-2"]?["f32-cdab.quality"] == .string("comm-error")
                && view["interop.absent-9"]?["alarm.comm-lost"] == .number(1)
                && InteropRig.expected.keys.allSatisfy { view["interop.full-1"]?[$0] != nil }
        }
        let view = rig.platform()
        #expect(seen, "the platform's view: \(view)")
        for device in ["full-1", "native-0"] {
            for (name, value) in InteropRig.expected {
                #expect(view["interop.\(device)"]?[name] == .number(value), "platform \(device).\(name): \(String(describing: view["interop.\(device)"]?[name]))")
                #expect(view["interop.\(device)"]?["\(name).quality"] == .string("good"), "platform \(device).\(name).quality")
            }
        }
        #expect(view["interop.refusing-2"]?["u16.quality"] == .string("good"))
        #expect(view["interop.absent-9"]?["u16"] == nil, "an absent unit never sent a value")

        // Fix 8: readRegisters answers as docs/uplink.md shows, a command for another gateway's
        // device is left to it, and `board` is the board's id.
        try rig.broker.publish(topic: "v1/devices/me/rpc/request/8",
                               payload: #"{"method": "readRegisters", "params": {"bus": "tcp", "unit": 1, "table": "holding", "address": 0, "count": 3}}"#)
        try rig.broker.publish(topic: "v1/gateway/rpc", payload: #"{"device": "other-gw.lamp-1", "data": {"id": 5, "method": "setLamp", "params": {"action": "on"}}}"#)
        var answer: JSONValue?
        _ = await UplinkRig.until(.seconds(10), every: .milliseconds(100)) {
            answer = rig.observer.messages(on: "v1/devices/me/rpc/response/8").last.flatMap { try? JSONValue.parse($0.payload) }
            return answer != nil
        }
        #expect(answer == ["success": true, "result": ["values": [51234, 53191, 2291]]], "readRegisters: \(String(describing: answer))")
        let replies = rig.observer.messages(on: "v1/gateway/rpc").filter { $0.payload.contains("\"id\":5") && $0.payload.contains("success") }
        #expect(replies.isEmpty, "no answer for another gateway's device: \(replies)")
        // As ThingsBoard keeps them: the latest value of each key over all attribute messages.
        var attributes: [String: JSONValue] = [:]
        for message in rig.observer.messages(on: "v1/devices/me/attributes") {
            for (key, value) in (try? JSONValue.parse(message.payload))?.objectValue ?? [:] { attributes[key] = value }
        }
        #expect(attributes["board"] == "sim", "the board's id: \(attributes)")
    }
}

/// Alarm state across `kill -9`: whatever the gateway's alarm table holds at the end, the
/// platform's last event and its telemetry mirror say the same, and no alarm is raised twice in
/// a row (docs/uplink.md, "Alarms after a restart").
@Suite(.serialized) struct AlarmRestartTests {
    static let alarm = "full-1.u16/high-u16"

    @Test("kill -9 trials: the platform ends with exactly the gateway's alarm state", .timeLimit(.minutes(5)))
    func killNineTrials() async throws {
        guard InteropRig.available() else { return }
        let rig = try await InteropRig(alarms: #"[{"point": "u16", "when": "above", "limit": 60000, "severity": "major"}]"#)
        // Raised before the kill (or not), and true after the restart (or not): every pair, and
        // kills at different moments after the change (mid-event included).
        let trials: [(before: Bool, after: Bool, killAfterMs: UInt32)] = [
            (true, false, 2500), (true, true, 2500), (false, true, 2500), (true, false, 1100),
            (false, false, 2000), (true, true, 1200), (true, false, 1500),
        ]
        for (n, t) in trials.enumerated() {
            try rig.write(unit: 1, address: 0, [t.before ? 61_000 : 100])
            usleep(t.killAfterMs * 1000)
            rig.kill9()
            try rig.write(unit: 1, address: 0, [t.after ? 61_000 : 100])
            try await rig.restart()
            let settled = await UplinkRig.until(.seconds(40), every: .milliseconds(500)) {
                Self.gatewayActive(rig) == t.after && Self.platformActive(rig) == t.after
            }
            #expect(settled, "trial \(n) \(t): gateway \(String(describing: Self.gatewayActive(rig))), platform \(String(describing: Self.platformActive(rig)))\n\(rig.gateway.logTail())")
        }
        let events = Self.events(rig)
        let doubled = zip(events, events.dropFirst()).filter { $0 == "raise" && $1 == "raise" }.count
        #expect(doubled == 0, "raise followed by raise \(doubled) times: \(events)")
        #expect(events.contains("raise") && events.contains("clear"), "the trials raised and cleared: \(events)")
    }

    /// The gateway's own view: the alarm is in its table and active.
    static func gatewayActive(_ rig: InteropRig) -> Bool? {
        guard let all = try? rig.api(["op": "alarms"]).arrayValue else { return nil }
        return all.contains { $0["id"] == .string(alarm) && $0["active"] == .bool(true) }
    }

    /// The platform's view: the last event on the alarm topic, and the telemetry mirror agree.
    static func platformActive(_ rig: InteropRig) -> Bool? {
        let last = events(rig).last
        let mirror = rig.platform()["interop.full-1"]?["alarm.u16.high-u16"]
        switch (last, mirror) {
        case ("raise"?, .number(1)?): return true
        case ("clear"?, .number(0)?), (nil, nil): return false
        default: return nil
        }
    }

    /// The alarm's events on the alarm topic, in order, without acknowledgements.
    static func events(_ rig: InteropRig) -> [String] {
        rig.observer.messages(on: "fieldgate/interop/alarms").compactMap { m in
            guard let doc = try? JSONValue.parse(m.payload), doc["alarm"] == .string(alarm),
                  let kind = doc["event"]?.stringValue, kind != "acknowledge" else { return nil }
            return kind
        }
    }
}

/// An RTU line shared by a healthy device and a misbehaving one, both pymodbus: `late-3`
/// answers 600 ms late (past its 300 ms timeout, before the next poll), `flood-5` answers every
/// request with 3,000 bytes of noise. What they send is thrown away before the next request
/// (not taken for the healthy device's answer), the culprit is named, and its bus-mate never goes
/// offline.
///
/// Why 3,000 bytes and not more: the emulated line is ptys joined by a Python relay, and a pty
/// passes at most 4 KiB at a time. A longer babble reaches the gateway in 4 KiB pieces, with
/// pauses between them as long as the relay waits for a CPU — on a loaded 2-core machine longer
/// than the two frame gaps (8 ms at 9600 Bd) after which the gateway calls the line quiet, so a
/// piece lands in the middle of the bus-mate's answer. A real line has no such pauses (bytes
/// follow each other at the baud rate until the babbler stops), so that would test the relay,
/// not the gateway. Under 4 KiB the noise arrives as one burst, as on a wire.
@Suite(.serialized) struct PymodbusRTUTests {
    @Test("a late or babbling RTU device costs its bus-mate nothing and is named", .timeLimit(.minutes(2)),
          arguments: [(culprit: "late-3", unit: 3), (culprit: "flood-5", unit: 5)])
    func misbehavingDeviceOnASharedLine(culprit: String, unit: Int) async throws {
        guard InteropRig.available() else { return }
        let directory = try TemporaryDirectory("fg-interop-rtu")
        let bus = try ChildProcess(executable: InteropRig.python,
                                arguments: [TestSupport.repositoryRoot + "/scripts/interop/pymodbus_rtu_bus.py", directory.file("rs485-1")],
                                environment: ["LATE_MS": "600", "FLOOD_BYTES": "3000"], logPath: directory.file("pymodbus.log"))
        defer { bus.terminate(grace: .seconds(2)) }
        let link = directory.file("rs485-1")
        guard await UplinkRig.until(.seconds(20), { (try? String(contentsOfFile: directory.file("pymodbus.log"), encoding: .utf8))?.contains("ready") == true }) else {
            throw ChildProcessError("pymodbus_rtu_bus.py did not start:\n\(bus.logTail())")
        }
        #expect(FileManager.default.fileExists(atPath: link))
        let profile = #"{"id": "pair", "family": "generic", "points": [{"name": "u16", "table": "holding", "address": 0, "type": "u16"}, {"name": "i16", "table": "holding", "address": 1, "type": "i16"}]}"#
        let site = """
            {"site": {"id": "interop-rtu"}, "board": "sim", "profiles": [\(profile)],
             "buses": [{"name": "line", "type": "rtu", "port": "rs485-1", "baud": 9600, "responseTimeout": "300ms", "offlineAfter": 2}],
             "devices": [{"id": "quick-1", "profile": "pair", "bus": "line", "address": 1},
                         {"id": "\(culprit)", "profile": "pair", "bus": "line", "address": \(unit)}]}
            """
        let sitePath = directory.file("site.json")
        try site.write(toFile: sitePath, atomically: true, encoding: .utf8)
        let environment = ["FIELDGATE_BOARDS": TestSupport.boards, "FIELDSIM_DIR": directory.path, "STATE_DIR": directory.file("gw")]
        let board = try Board.load(path: TestSupport.boards + "/sim.json", environment: environment)
        guard case .simulator(let socket) = board.gpio else { throw ChildProcessError("boards/sim.json is not a simulator board") }
        var names = (0...(board.lines.map(\.offset).max() ?? 0)).map { "unused-\($0)" }
        for l in board.lines { names[l.offset] = l.name }
        let gpio = try GPIOSocketServer(socketPath: socket, chip: try SimulatedGPIOChip(name: "interop", lines: names))
        defer { gpio.stop() }
        let (gw, dir) = (directory.file("gw"), directory.path)
        let gateway = try await onOwnThread { try GatewayProcess(sitePath: sitePath, stateDirectory: gw, simulatorDirectory: dir) }
        defer { gateway.stop(grace: .zero) }

        // Ten seconds: the culprit misbehaves at each of its polls and retries.
        try await Task.sleep(for: .seconds(10))
        // The odd read of quick-1 may collide with the culprit's bytes on the wire (below): its
        // values are good again by its next poll.
        var points: [String: GatewayPoint] = [:]
        let good = await UplinkRig.until(.seconds(3), every: .milliseconds(200)) {
            points = try DemoSiteValueTests.pointsFromTheCommandLine(stateDirectory: gw)
            return points["quick-1.u16"]?.quality == "good" && points["quick-1.i16"]?.quality == "good"
        }
        #expect(good && points["quick-1.u16"]?.value == .number(51234) && points["quick-1.i16"]?.value == .number(-12345),
                "\(String(describing: points["quick-1.u16"])) \(String(describing: points["quick-1.i16"]))")
        #expect(points["\(culprit).u16"]?.quality == "comm-error", "a device always late or babbling is offline")
        let log = gateway.log
        #expect(!log.contains("quick-1 (unit 1) offline"), "the healthy device never went offline:\n\(gateway.logTail(lines: 40))")
        #expect(log.contains("after unit \(unit) (\(culprit))'s failed request"), "the culprit is named:\n\(gateway.logTail(lines: 40))")
        let devices = try GatewayClient(stateDirectory: gw).call(["op": "devices"]).arrayValue ?? []
        let quick = devices.first { $0["id"] == "quick-1" }?["stats"]
        let bad = devices.first { $0["id"] == .string(culprit) }?["stats"]
        #expect((bad?["discardedBytes"]?.numberValue ?? 0) > 0, "the culprit's status counts what it cost: \(String(describing: bad))")
        // Bytes that land while the master talks to quick-1 are a collision on the wire that no
        // master can undo; those waiting when quick-1's turn comes are drained. So quick-1 loses
        // at most the odd read (never two in a row: it never went offline above).
        let failures = quick?["failures"]?.numberValue ?? 99, requests = quick?["requests"]?.numberValue ?? 0
        #expect(failures * 4 <= requests, "late answers were not taken for quick-1's: \(String(describing: quick))")
    }
}
