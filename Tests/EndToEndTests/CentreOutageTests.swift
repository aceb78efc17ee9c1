#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// The GB 26875.3 link's durability with the real processes: the demo site reports to the MQTT
/// broker and to a simulated alarm operations centre; the centre goes down, alarms are raised,
/// the gateway is killed with `kill -9` and started again, the centre comes back — and every
/// alarm event the first gateway had accepted reaches the centre, in the order it logged them,
/// as component states decoded by the centre's own decoder.
@Suite("GB 26875.3 link end to end", .serialized)
struct CentreOutageTests {
    /// Where the demo's alarms go in the centre's model (the site's `uplinks.gb26875.points`).
    static func mapping(port: Int) -> [String: Any] {
        [
            "host": "127.0.0.1", "port": port, "source": 3001, "destination": 1, "ackTimeout": "1s", "retries": 2, "heartbeat": "2s",
            "points": [
                ["point": "main-pt.pressure", "system": "hydrant", "component": "general", "componentAddress": 1, "analog": "pressure-kpa"],
                ["point": "pump-room.valve-open", "system": "hydrant", "component": "signal-valve", "componentAddress": 2,
                 "alarms": ["signal-valve-closed": ["supervisory"]]],
                ["device": "cabinet-1", "system": 128, "component": 128, "componentAddress": 3],
                ["device": "lift-1", "system": "fire-lift", "component": "general", "componentAddress": 4, "alarms": ["alarm-button": ["fire-alarm"]]],
            ] as [[String: Any]],
        ]
    }

    /// The component description the centre gets for an alarm event of the gateway, nil for an
    /// unmapped device.
    static func description(of alarm: String) -> String? {
        if alarm.hasPrefix("main-pt.") { return "main-pt.pressure" }
        if alarm.hasPrefix("pump-room/") { return "pump-room.valve-open" }
        if alarm.hasPrefix("cabinet-1/") || alarm.hasPrefix("lift-1/") { return alarm }
        return nil
    }

    @Test("centre down, alarms raised, gateway killed with kill -9 and restarted, centre back: every accepted event arrives, in order",
          .timeLimit(.minutes(3)))
    func outageAndKill() async throws {
        let centre = GB26875Centre()
        try centre.start()
        defer { centre.stop() }
        let rig = try await UplinkRig.start(adjust: { site in site["uplinks"] = ["gb26875": Self.mapping(port: centre.port)] })
        let connected = await UplinkRig.until(.seconds(20)) { try rig.status()["gb26875"]?["connected"] == .bool(true) }
        #expect(connected, "the link to the centre did not connect: \(String(describing: try? rig.status()["gb26875"]))")
        let heartbeat = await UplinkRig.until(.seconds(10)) { centre.received.contains { $0.object["kind"] == "device-status" } }
        #expect(heartbeat, "no heartbeat reached the centre")

        centre.setDown(true)
        let down = await UplinkRig.until(.seconds(20)) { try rig.status()["gb26875"]?["connected"] == .bool(false) }
        #expect(down, "the gateway did not notice the centre go down")
        let before = centre.received.count
        try await UplinkOutageTests.outageInTheField(rig, clear: false)
        let cleared = await UplinkRig.until(.seconds(10)) {
            try rig.api.alarms().contains { $0.id == "lift-1/alarm-button" && $0.clearedAt != nil }
        }
        #expect(cleared, "lift-1/alarm-button did not clear")
        let firstLog = UplinkRig.loggedAlarms(rig.gateway.log)
        let expected = firstLog.compactMap { Self.description(of: $0.alarm) }
        #expect(expected.count >= 5, "the field outage raised too little: \(firstLog)")
        // The events are stored for the centre before the engine goes on: they wait in centre.db.
        let pending = try #require(rig.status()["gb26875"]?["pending"]?.numberValue)
        #expect(Int(pending) >= expected.count, "\(pending) records wait for the centre, \(expected.count) events were mapped")
        #expect(centre.received.count == before, "records reached a centre that is down")

        await rig.killGateway()
        try await rig.restartGateway()
        centre.setDown(false)
        // Reconnect backoff doubles from 1 s: allow for a slow machine.
        var components: [String] = []
        let arrived = await UplinkRig.until(.seconds(60), every: .milliseconds(200)) {
            components = centre.received.dropFirst(before).filter { $0.object["kind"] == "component-status" }
                .compactMap { $0.object["description"]?.stringValue }
            return components.count >= expected.count
        }
        #expect(arrived, "\(components.count) component states reached the centre for \(expected.count) events\n\(rig.gateway.logTail())")
        #expect(Array(components.prefix(expected.count)) == expected, "the centre's order is not the gateway's:\n\(components)\n\(expected)")
        // What the centre holds for each component at the end is what the gateway had active.
        let last = centre.received.last { $0.object["description"] == "pump-room.valve-open" }?.object
        #expect(last?["state"] == ["normal", "supervisory"], "\(String(describing: last))")
        let lift = centre.received.last { $0.object["description"] == "lift-1/alarm-button" }?.object
        #expect(lift?["state"] == ["normal"], "the lift's alarm button cleared: \(String(describing: lift))")
        #expect(centre.received.contains { $0.object["kind"] == "component-status" && $0.object["state"] == ["normal", "fire-alarm"] },
                "the lift's alarm button as a fire alarm (mapping override)")
        #expect(centre.problems.isEmpty, "the centre refused frames: \(centre.problems)")
        let drained = await UplinkRig.until(.seconds(20)) { try rig.status()["gb26875"]?["pending"] == 0 }
        #expect(drained, "records still wait for the centre: \(String(describing: try? rig.status()["gb26875"]))")
    }
}
