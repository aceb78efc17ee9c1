import FieldCore
import FieldSim
import Foundation
import Testing

/// The three common jobs of the manual (docs/console.md), done on the real gateway against the
/// simulator. With `FIELDGATE_TRANSCRIPTS=DIR` in the environment each job's screen is written
/// to `DIR/<job>.txt`: that is where the manual's transcripts come from.
@Suite struct GatewayConsoleJobTests {
    /// The screen of a session, kept for the transcript.
    final class Transcript {
        let name: String
        let client: GatewayTerminalClient
        let start: Int
        /// Who is logged in: the prompt the transcript starts on.
        let user: String

        init(_ name: String, _ client: GatewayTerminalClient, user: String = "tech") {
            self.name = name
            self.client = client
            self.user = user
            start = client.mark
        }

        func write() {
            guard let dir = ProcessInfo.processInfo.environment["FIELDGATE_TRANSCRIPTS"] else { return }
            // The transcript starts on the prompt the first command was typed at.
            var rows = client.screen(from: start)
            if !rows.isEmpty { rows[0] = "\(user)@pump-room-7> " + rows[0] }
            try? (rows.joined(separator: "\n") + "\n").write(toFile: dir + "/\(name).txt", atomically: true, encoding: .utf8)
        }
    }

    /// Waits (without typing) until `done` holds, checking every 200 ms.
    func eventually(timeout: Double = 30, _ done: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if done() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return done()
    }

    /// The console's view of a device, through the local API (not typed, not in the transcript).
    func deviceState(_ rig: GatewayRig, _ id: String) -> String? {
        guard let devices = try? LocalAPIClientForTests.call(rig.stateDirectory + "/fieldgate.sock", ["op": "devices"]).arrayValue,
              let d = devices.first(where: { $0["id"]?.stringValue == id }) else { return nil }
        return d["online"]?.boolValue == true ? "online" : "offline"
    }

    @Test func replaceAPressureTransmitterAndSetItsAddress() throws {
        // The new transmitter is on the bus at its factory address 1; the site expects 3.
        let rig = try GatewayRig(site: GatewayRig.site(hydrantAddress: 3), simulatedSite: GatewayRig.site(hydrantAddress: 1))
        #expect(rig.waitForLog("alarm raise hydrant-main/comm-lost"))
        let c = try rig.picocom()
        // Setting a unit id is the admin's (the profile declares set-address for admins).
        #expect(rig.login(c, as: "admin"))
        let t = Transcript("replace-transmitter", c, user: "admin")
        #expect(hasRow(rig.run(c, "alarms", as: "admin"), "major", "hydrant-main/comm-lost", "active"))
        let scan = rig.run(c, "modbus scan pumps 1-8", as: "admin", timeout: 60)
        #expect(scan.contains("  unit 1: holding 0 = 0x0001  (not in the site config)"), "\(scan)")
        #expect(scan.contains("expected but silent: 3"))
        let mark = c.mark
        c.type("modbus set-address hydrant-main 3 --from 1\r")
        #expect(c.waitFor("type yes to go on: ", from: mark))
        c.type("yes\r")
        #expect(c.waitFor("unit 1 now answers at 3; devices[0].address is already 3", from: mark), "\(c.text(from: mark))")
        #expect(c.waitFor("admin@pump-room-7> ", from: mark))
        #expect(eventually { deviceState(rig, "hydrant-main") == "online" })
        let read = rig.run(c, "read hydrant-main.pressure", as: "admin").joined()
        #expect(read.contains("MPa  good"), "\(read)")
        #expect(rig.run(c, "ack hydrant-main/comm-lost", as: "admin").joined().contains("acknowledged hydrant-main/comm-lost (major, cleared)"))
        #expect(rig.run(c, "alarms", as: "admin").contains("no alarms"))
        #expect(rig.run(c, "config diff", as: "admin").contains("no pending changes"))
        let audit = rig.run(c, "audit 5", as: "admin")
        #expect(hasRow(audit, "admin", "modbus set-address", "hydrant-main", "1 -> 3"), "\(audit)")
        t.write()
    }

    @Test func findADeadLampController() throws {
        let rig = try GatewayRig()
        #expect(eventually { deviceState(rig, "lamp-3") == "online" })
        _ = rig.simulator.execute(.fault(target: "lamp-3", .wire(.noResponse)))
        #expect(rig.waitForLog("alarm raise lamp-3/comm-lost"))
        let c = try rig.picocom()
        #expect(rig.login(c, as: "tech"))
        let t = Transcript("dead-lamp-controller", c)
        #expect(hasRow(rig.run(c, "alarms"), "major", "lamp-3/comm-lost", "active"))
        #expect(hasRow(rig.run(c, "devices"), "lamp-3", "fg-slc", "pole", "3", "offline"))
        let show = rig.run(c, "show lamp-3")
        #expect(show.joined().contains("comm-error"), "\(show)")
        let status = rig.run(c, "status")
        #expect(status.joined().contains("lamp-3: timeout"), "\(status)")
        let scan = rig.run(c, "modbus scan pole 1-5", timeout: 60)
        #expect(scan.contains("2 units answered: 1 2"), "\(scan)")
        #expect(scan.contains("expected but silent: 3"))
        let read = rig.run(c, "modbus read pole 3 4 0 2").joined(separator: "\n")
        #expect(read.contains("error: modbus read: pole unit 3"), "\(read)")
        #expect(read.contains("timeout"))
        t.write()
    }

    @Test func testAPumpRunContact() throws {
        let rig = try GatewayRig()
        // A dumb terminal: `watch` prints a line per change, which reads well in a transcript.
        let c = try rig.picocom(answersCursorQueries: false)
        #expect(rig.login(c, as: "tech"))
        let t = Transcript("pump-run-contact", c)
        let start = rig.run(c, "maintenance start --for 30m")
        #expect(start.joined().contains("maintenance: whole site by tech since"), "\(start)")
        #expect(rig.run(c, "gpio get DI3").contains("DI3 (input, pump-room.fire-pump-run): inactive"))
        var mark = c.mark
        c.type("watch pump-room.fire-pump-run pump-room.jockey-run\r")
        #expect(c.waitFor("press any key to stop", from: mark))
        #expect(c.waitFor("fire-pump-run=false", from: mark))
        _ = rig.simulator.execute(.set(target: "pump-room.fire-pump-run", value: true))
        #expect(c.waitFor("fire-pump-run=true", from: mark))
        let onMark = c.mark
        _ = rig.simulator.execute(.release(target: "pump-room.fire-pump-run"))
        #expect(c.waitFor("fire-pump-run=false", from: onMark))
        c.type(" ")
        #expect(c.waitFor("tech@pump-room-7> ", from: mark))
        let set = rig.run(c, "gpio set DO5 on --for 3s")
        #expect(set.joined().contains("DO5 (output): active, reverts at"), "\(set)")
        mark = c.mark
        #expect(eventually { rig.gatewayLog.contains("DO5 back to off (timed test over)") })
        #expect(rig.run(c, "gpio get DO5").contains("DO5 (output): inactive"))
        #expect(rig.run(c, "maintenance end").contains("maintenance ended"), "a window was open: the 30 min one started above")
        #expect(rig.run(c, "maintenance end").contains("error: maintenance end: no maintenance window open"))
        t.write()
    }
}

/// One request to the gateway's local API (`fieldgate.sock`).
enum LocalAPIClientForTests {
    static func call(_ path: String, _ request: JSONValue) throws -> JSONValue {
        let c = try GatewayTerminalClient(socket: path, answersCursorQueries: false)
        c.type(request.serialized() + "\n")
        guard c.waitFor("\n", timeout: 10) else { return .null }
        let line = c.text().split(separator: "\n").first.map(String.init) ?? ""
        return try JSONValue.parse(line)["result"] ?? .null
    }
}

/// The fourth job of the manual: a new Modbus device on an existing bus, commissioned from the
/// console alone — found by a scan, its word order found from two registers, its profile loaded
/// from a file, the device added, saved, and after the restart
/// (as systemd restarts the gateway on exit 75) its points live.
@Suite struct GatewayConsoleCommissioningTests {
    static let newDevice = ",\n" + #"    {"id": "booster-pt", "profile": "fg-pressure-tx", "bus": "pumps", "address": 7}"#

    /// The vendor's register map as the technician writes it on the laptop.
    static let profile = """
        {"id": "acme-pt100", "family": "fire-water", "vendor": "Acme", "model": "PT-100",
         "description": "Booster pump outlet transmitter, MPa as a float, low word first.",
         "points": [
          {"name": "pressure", "table": "input", "address": 0, "type": "f32", "wordOrder": "CDAB", "unit": "MPa", "range": [-0.05, 2.6]},
          {"name": "status", "table": "input", "address": 2, "type": "u16", "description": "0 = ok"}
         ]}
        """

    func eventually(timeout: Double = 30, _ done: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if done() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return done()
    }

    @Test func commissionANewModbusDevice() throws {
        // On the wire: a new transmitter at unit 7 of the pump bus; the site file does not know it.
        let rig = try GatewayRig(site: GatewayRig.site(), simulatedSite: GatewayRig.site(extraDevices: Self.newDevice))
        try Self.profile.write(toFile: rig.stateDirectory + "/acme-pt100.json", atomically: true, encoding: .utf8)
        let c = try rig.picocom()
        #expect(rig.login(c, as: "tech"))
        let t = GatewayConsoleJobTests.Transcript("commission-device", c)
        let scan = rig.run(c, "modbus scan pumps 1-8", timeout: 60)
        #expect(scan.contains("  unit 7: holding 0 = 0x0007  (not in the site config)"), "\(scan)")
        let orders = rig.run(c, "modbus word-order pumps 7 0 4").joined(separator: "\n")
        #expect(orders.contains("CDAB"), "\(orders)")
        let load = rig.run(c, "config load profiles[+] acme-pt100.json").joined(separator: "\n")
        #expect(load.contains("profiles[0]: loaded from \(rig.stateDirectory)/acme-pt100.json"), "\(load)")
        let add = rig.run(c, "add device booster-pt acme-pt100 pumps 7").joined(separator: "\n")
        #expect(add.contains("devices[7]: booster-pt added"), "\(add)")
        #expect(unwrapped(add).contains("takes effect after restart"), "\(add)")
        #expect(rig.run(c, "config get devices[booster-pt].address").joined().contains("devices[booster-pt].address = 7"))
        #expect(rig.run(c, "config save").joined().contains("saved \(rig.sitePath)"))
        var mark = c.mark
        c.type("restart\r")
        #expect(c.waitFor("type yes to go on: ", from: mark))
        c.type("yes\r")
        #expect(c.waitFor("restarting", from: mark))
        #expect(rig.waitForExit() == 75, "restart exits with 75 for systemd")
        Thread.sleep(forTimeInterval: 0.3)
        t.write()

        // As systemd does: the gateway starts again, on the saved file.
        try rig.restartGateway()
        let c2 = try rig.picocom()
        #expect(rig.login(c2, as: "tech"))
        let t2 = GatewayConsoleJobTests.Transcript("commission-device-after-restart", c2)
        #expect(eventually {
            rig.run(c2, "read booster-pt.pressure").joined().contains("MPa  good")
        })
        mark = c2.mark
        let devices = rig.run(c2, "devices")
        #expect(hasRow(devices, "7", "booster-pt", "acme-pt100", "pumps", "7", "online"), "\(devices)")
        _ = mark
        t2.write()
    }

    @Test func linesSayWhatTheyAreWiredToAndBusErrorsNameTheBuses() throws {
        let relay = ",\n" + #"    {"id": "lamp-4", "profile": "fg-lamp-relay", "signals": {"relay": "DO1"}, "settings": {"rated-power": 40}}"#
        let rig = try GatewayRig(site: GatewayRig.site(extraDevices: relay))
        let c = try rig.picocom()
        #expect(rig.login(c, as: "tech"))
        let table = rig.run(c, "gpio get")
        #expect(hasRow(table, "DI3", "input", "pump-room.fire-pump-run"), "\(table)")
        #expect(hasRow(table, "DO1", "output", "lamp-4.relay"), "\(table)")
        #expect(unwrapped(table.joined(separator: "\n")).contains("inputs not wired (not read): DI7, DI8"), "\(table)")
        // A wired output asks first; anything but yes leaves it alone.
        var mark = c.mark
        c.type("gpio set DO1 off\r")
        #expect(c.waitFor("DO1 drives lamp-4.relay: switch it off for 10s?", from: mark), "\(c.text(from: mark))")
        #expect(c.waitFor("type yes to go on: ", from: mark))
        c.type("no\r")
        #expect(c.waitFor("cancelled; DO1 not changed", from: mark), "\(c.text(from: mark))")
        mark = c.mark
        // A board port typed for a bus: the buses are listed, and the bus on that port named.
        let read = unwrapped(rig.run(c, "modbus read rs485-2 3 4 0 2").joined(separator: "\n"))
        #expect(read.contains("error: modbus read: no bus \"rs485-2\" (this site's buses: pole, pumps; rs485-2 is a board port, the bus on it is pole)"), "\(read)")
        #expect(!read.contains("modbus read: modbus read:"), "the prefix is said once")
    }

    @Test func dateSetIsRefusedOnTheSimulatorBoard() throws {
        let rig = try GatewayRig()
        let c = try rig.picocom()
        #expect(rig.login(c, as: "tech"))
        let out = rig.run(c, "date set 2030-01-01 00:00").joined(separator: "\n")
        #expect(out.contains("error: board sim runs on a development machine: its clock is the machine's, so date set is refused"), "\(out)")
        #expect(!out.contains("type yes"), "refused before asking")
    }
}
