import FieldCore
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
