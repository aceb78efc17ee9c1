import FieldCore
import FieldTestSupport
import Foundation
import Testing

@testable import FieldSim

/// Commands reach the devices through the engine and are read back; SIGTERM stops the gateway
/// cleanly with every output in the board's safe state (DESIGN rule 8: street lamps on, the rest
/// off).
@Suite("fieldgate on the demo site: commands and a clean stop", .serialized)
struct DemoSiteCommandTests {
    /// The sim board's outputs and their safe states (boards/sim.json: the lighting relays on).
    static let safeStates: [String: Bool] = [
        "DO1": true, "DO2": true, "DO3": true, "DO4": true,
        "DO5": false, "DO6": false, "DO7": false, "DO8": false, "DO9": false, "DO10": false, "DO11": false, "DO12": false,
        "LED-RUN": false, "LED-ALARM": false,
    ]

    @Test("a lamp command writes the controller's registers and is read back; SIGTERM leaves outputs safe", .timeLimit(.minutes(3)))
    func commandsThenACleanStop() throws {
        let rig = try EndToEndRig { field in try FieldValues.fill(field, variant: 0) }
        let offline = rig.waitUntilOnline()
        try #require(offline.isEmpty, "not online: \(offline)\n\(rig.gateway.logTail())")
        let lamp = try #require(rig.field.bank("lamp-1"))

        // The lamp-head app turns the command into writes of `switch` and `dim` on the
        // controller's bus, between polls, and reads them back.
        _ = try rig.command("lamp-1", "lamp", ["action": "dim", "level": 40, "for": "1h"])
        let written = Waiting.until(timeout: .seconds(15), interval: .milliseconds(100)) { () -> Bool? in
            (try? lamp.get("dim")) == .number(40) && (try? lamp.get("switch")) == .bool(true) ? true : nil
        }
        #expect(written == true, "the controller holds dim \(String(describing: try? lamp.get("dim"))), switch \(String(describing: try? lamp.get("switch")))")
        let readBack = rig.waitForPoints(timeout: .seconds(10)) { p in
            p["lamp-1.dim"]?.value == .number(40) && p["lamp-1.switch"]?.value == .bool(true) ? []
                : ["lamp-1.dim \(String(describing: p["lamp-1.dim"])), lamp-1.switch \(String(describing: p["lamp-1.switch"]))"]
        }
        #expect(readBack.isEmpty, "\(readBack)")

        // Outputs away from their safe states: the relay lamp off, the classroom's fan on.
        _ = try rig.command("lamp-3", "lamp", ["action": "off", "for": "1h"])
        _ = try rig.command("class-1", "fan", ["mode": "on", "for": "1h"])
        let driven = Waiting.until(timeout: .seconds(10), interval: .milliseconds(100)) { () -> Bool? in
            rig.field.level("DO1") == false && rig.field.level("DO9") == true ? true : nil
        }
        #expect(driven == true, "DO1 (lamp-3 relay) \(String(describing: rig.field.level("DO1"))), DO9 (fan) \(String(describing: rig.field.level("DO9")))")
        let shown = rig.waitForPoints(timeout: .seconds(10)) { p in
            p["lamp-3.relay"]?.value == .bool(false) && p["class-1.fan"]?.value == .bool(true) ? []
                : ["lamp-3.relay \(String(describing: p["lamp-3.relay"])), class-1.fan \(String(describing: p["class-1.fan"]))"]
        }
        #expect(shown.isEmpty, "\(shown)")

        let log = rig.gateway
        let status = log.stop()
        #expect(status == 0, "fieldgate run exits 0 on SIGTERM:\n\(log.logTail())")
        for (line, safe) in Self.safeStates.sorted(by: { $0.key < $1.key }) {
            #expect(rig.field.level(line) == safe, "\(line) after the stop: \(String(describing: rig.field.level(line))), safe state \(safe)")
        }
        let text = log.log
        #expect(text.contains("stopping on signal 15") && text.contains("stopped"), "\(log.logTail())")
        #expect(!FileManager.default.fileExists(atPath: log.apiSocket), "the local API socket is removed")
    }
}
