import FieldCore
import FieldRuntime
import FieldSim
import Foundation
import Testing

/// The console of a real `fieldgate run` against the simulator, driven through the gateway's
/// console pty with real keystrokes (as picocom sends them) and through `fieldgate console` on
/// the console socket; the screen is read back and checked.
@Suite(.serialized) struct GatewayConsoleTests {
    func runUntil(_ rig: GatewayRig, _ c: GatewayTerminalClient, _ line: String, contains text: String, timeout: Double = 30) -> [String] {
        runUntil(rig, c, line, timeout: timeout) { $0.joined(separator: "\n").contains(text) }
    }

    /// Runs `line` until its output passes `done` (a device coming online, a poll landing).
    func runUntil(_ rig: GatewayRig, _ c: GatewayTerminalClient, _ line: String, timeout: Double = 30, _ done: ([String]) -> Bool) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var screen: [String] = []
        repeat {
            screen = rig.run(c, line)
            if done(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.3)
        } while Date() < deadline
        return screen
    }

    @Test func aTechniciansSessionThroughTheConsolePty() throws {
        let rig = try GatewayRig()
        let c = try rig.picocom()
        #expect(c.waitFor("\u{1B}[6n"), "the console probes the terminal")
        #expect(rig.login(c, as: "tech"), "\(c.text())")

        let status = rig.run(c, "status")
        #expect(status.joined().contains("site pump-room-7   board sim"))
        #expect(hasRow(status, "pumps", "\(rig.simulatorDirectory)/rs485-1 9600 8N1"), "\(status)")
        #expect(status.contains("uplink disabled (none configured)"))

        let read = runUntil(rig, c, "read hydrant-main.pressure", contains: "MPa  good").joined(separator: "\n")
        #expect(read.contains("hydrant-main.pressure = 0."), "\(read)")
        let devices = runUntil(rig, c, "devices") { hasRow($0, "lamp-3", "fg-slc", "pole", "3", "online") }
        #expect(hasRow(devices, "hydrant-main", "fg-pressure-tx", "pumps", "3", "online"), "\(devices)")

        let show = rig.run(c, "show hydrant-main").joined(separator: "\n")
        #expect(show.contains("pressure"), "\(show)")
        #expect(show.contains("input 0x0000 f32 CDAB"))
        #expect(show.contains("actions (modbus calibrate hydrant-main ACTION):"))
        #expect(show.contains("zero"))
        #expect(!show.contains("set-address ADDRESS"), "set-address is the admin's: not offered to a technician")
        #expect(show.contains("  (2 more need the admin role)"))

        let modbus = rig.run(c, "modbus read pumps 3 3 0 2")
        #expect(modbus.contains("pumps unit 3 FC3 holding registers from 0 (0x0000)"), "\(modbus)")
        #expect(hasRow(modbus, "0 (0x0000)", "0x0003", "3", "3"), "the transmitter's address register holds its address")

        let scan = rig.run(c, "modbus scan pumps 1-8", timeout: 60).joined(separator: "\n")
        #expect(scan.contains("unit 3: holding 0 = 0x0003  (hydrant-main)"), "\(scan)")
        #expect(scan.contains("  unit 6: exception 0x02 illegal data address  (roof-tank)"))
        #expect(scan.contains("2 units answered: 3 6"))

        // Live values update in place until a key; history as a sparkline; apps through the engine.
        let watchMark = c.mark
        c.type("watch hydrant-main.pressure --every 200ms\r")
        #expect(c.waitFor("press any key to stop", from: watchMark))
        #expect(c.waitFor("\u{1B}[K", from: watchMark), "an ANSI terminal gets the value updated in place")
        c.type("q")
        #expect(c.waitFor("tech@pump-room-7> ", from: watchMark))
        let trend = rig.run(c, "trend hydrant-main.pressure 10m").joined(separator: "\n")
        #expect(trend.contains("hydrant-main.pressure over the last 10m"), "\(trend)")
        #expect(trend.contains("readings"))
        let lamp = rig.run(c, "lamp lamp-1 dim 40 --for 30m").joined(separator: "\n")
        #expect(lamp.contains("lamp-1: on, dim 40%, manual until"), "\(lamp)")
        #expect(rig.run(c, "lift status").contains("no lifts on this site"))
        let version = rig.run(c, "version").joined(separator: "\n")
        #expect(version.contains("libmodbus 3.") && version.contains("sqlite 3."), "\(version)")
        #expect(rig.run(c, "date").joined().contains("source "))

        // Keys: arrows edit in the middle of the line; Ctrl-C drops a half-typed write.
        var mark = c.mark
        c.type("sttus\u{1B}[D\u{1B}[D\u{1B}[Da\r")
        #expect(c.waitFor("site pump-room-7", from: mark))
        #expect(c.waitFor("tech@pump-room-7> ", from: mark))
        mark = c.mark
        c.type("modbus write pumps 3 6 0 9\u{03}")
        #expect(c.waitFor("^C", from: mark))

        // Tab completes commands, devices, points and config keys.
        mark = c.mark
        c.type("sho\thydr\t")
        #expect(c.waitFor("show hydrant-main ", from: mark))
        c.type("\u{15}read hydrant-main.pre\t")
        #expect(c.waitFor("read hydrant-main.pressure ", from: mark))
        c.type("\u{15}config get devices[0].addr\t")
        #expect(c.waitFor("config get devices[0].address ", from: mark))
        c.type("\r")
        #expect(c.waitFor("devices[0].address = 3", from: mark))

        // A timed output test reverts by itself.
        let set = rig.run(c, "gpio set DO5 on --for 2s").joined(separator: "\n")
        #expect(set.contains("DO5 (output): active, reverts at"), "\(set)")
        #expect(rig.run(c, "gpio get DO5").joined().contains("DO5 (output): active"))
        #expect(runUntil(rig, c, "gpio get DO5", contains: "DO5 (output): inactive", timeout: 10).joined().contains("inactive"))

        // Config: a bad value is refused with its JSON path; a good one is applied and saved.
        let bad = rig.run(c, "config set devices[0].address 300").joined(separator: "\n")
        #expect(bad.contains("error: config set: devices[0].address:"), "\(bad)")
        #expect(bad.contains("usage: config set KEY VALUE"))
        // Nor may a technician make themselves or the platform an admin: the config store judges
        // the change before and after, whatever the key.
        let rpc = unwrapped(rig.run(c, #"config set uplink {"url": "mqtt://127.0.0.1:1883", "rpcRole": "admin"}"#).joined(separator: "\n"))
        #expect(rpc.contains("error: config set: raising uplink.rpcRole from none (no uplink) to admin: needs the admin role; tech is technician"), "\(rpc)")
        let users = unwrapped(rig.run(c, "config set console.users[1].role admin").joined(separator: "\n"))
        #expect(users.contains("changing console.users: needs the admin role; tech is technician"), "\(users)")
        let original = try String(contentsOfFile: rig.sitePath, encoding: .utf8)
        let good = rig.run(c, #"config set site.name "Pump room 7 east""#).joined(separator: "\n")
        #expect(good.contains(#"site.name: "Pump room 7" -> "Pump room 7 east" (applied now; pending until config save)"#), "\(good)")
        #expect(rig.run(c, "config diff").joined(separator: "\n").contains("1 pending change"))
        #expect(try String(contentsOfFile: rig.sitePath, encoding: .utf8) == original, "nothing is written before config save")
        let save = rig.run(c, "config save").joined(separator: "\n")
        #expect(unwrapped(save).contains("saved \(rig.sitePath) (previous kept as \(rig.sitePath).prev)"), "\(save)")
        let saved = try JSONValue.parse(String(contentsOfFile: rig.sitePath, encoding: .utf8))
        #expect(saved["site"]?["name"] == "Pump room 7 east")
        #expect(try String(contentsOfFile: rig.sitePath + ".prev", encoding: .utf8) == original)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: rig.stateDirectory).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)

        let audit = rig.run(c, "audit")
        #expect(hasRow(audit, "tech", "console pty", "config save", rig.sitePath), "\(audit)")
        #expect(hasRow(audit, "tech", "config set", "site.name", #""Pump room 7" -> "Pump room 7 east""#))
        #expect(hasRow(audit, "tech", "gpio set", "DO5", "off -> on for 2s"))
        #expect(hasRow(audit, "tech", "login"))
        #expect(hasRow(audit, "tech", "lamp", "lamp-1", "- -> dim 40 for 30m"))
        #expect(!audit.joined().contains("modbus write"), "the cancelled write was neither sent nor audited")

        mark = c.mark
        c.type("logout\r")
        #expect(c.waitFor("press Enter to log in", from: mark))
    }

    @Test func fieldgateConsoleAttachesOverTheSocket() throws {
        let rig = try GatewayRig()
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw POSIXError(.EIO) }
        let attach = Process()
        attach.executableURL = URL(fileURLWithPath: GatewayRig.fieldgate)
        attach.arguments = ["console", "--state-dir", rig.stateDirectory]
        let tty = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        attach.standardInput = tty
        attach.standardOutput = tty
        attach.standardError = tty
        try attach.run()
        defer {
            if attach.isRunning { attach.terminate() }
            attach.waitUntilExit()
        }
        let c = GatewayTerminalClient(descriptor: master)
        #expect(c.waitFor("\u{1B}[6n"), "the probe reaches the user's terminal through fieldgate console")
        #expect(rig.login(c, as: "viewer"), "\(c.text())")
        #expect(rig.run(c, "whoami", as: "viewer").joined().contains("viewer (viewer) on socket"))
        let denied = rig.run(c, "config set site.name x", as: "viewer").joined(separator: "\n")
        #expect(denied.contains("config set needs the technician role; viewer is viewer"), "\(denied)")
        let user = rig.run(c, "config get console.users[1]", as: "viewer").joined(separator: "\n")
        #expect(user.contains(#""hash" : "(crypt hash)""#) && !user.contains("$y$"), "nobody reads a password hash off the console: \(user)")
        c.type("\u{04}")
        #expect(c.waitFor("logged out"))
        let deadline = Date().addingTimeInterval(10)
        while attach.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!attach.isRunning && attach.terminationStatus == 0, "fieldgate console ends with the session")
    }

    @Test func thePtyLineWaitsQuietlyWhenPicocomLeaves() throws {
        let rig = try GatewayRig()
        do {
            let picocom = try rig.picocom()
            #expect(rig.login(picocom, as: "tech"))
        }
        let before = try #require(threadCPUTicks(process: rig.pid, thread: "console-line"))
        Thread.sleep(forTimeInterval: 2)
        let after = try #require(threadCPUTicks(process: rig.pid, thread: "console-line"))
        #expect(after - before < 10, "the console line used \(after - before) ticks in 2 s with nobody on it")
        let again = try GatewayTerminalClient(pty: rig.consoleLink)
        again.type("whoami\r")
        #expect(again.waitFor("tech (technician) on pty"), "the session is still there, as on a serial cable")
    }

    @Test func restartAndFactoryResetAreConfirmedAuditedAndDurable() throws {
        let factory = """
        {"site": {"id": "factory"}, "board": "sim", "console": {"users": [\(GatewayRig.usersJSON)]}}
        """
        let rig = try GatewayRig(factorySite: factory)
        let c = try rig.picocom()
        #expect(rig.login(c, as: "tech"))
        let refused = rig.run(c, "factory-reset").joined(separator: "\n")
        #expect(refused.contains("factory-reset needs the admin role"))
        var mark = c.mark
        c.type("restart\r")
        #expect(c.waitFor("type yes to go on: ", from: mark))
        c.type("no\r")
        #expect(c.waitFor("not restarted", from: mark))
        c.type("logout\r")
        #expect(c.waitFor("press Enter to log in", from: mark))
        mark = c.mark
        c.type("\r")
        #expect(rig.login(c, as: "admin", from: mark))
        c.type("factory-reset\r")
        #expect(c.waitFor("ERASE the site config of pump-room-7 and restart?", from: mark))
        c.type("yes\r")
        #expect(c.waitFor("factory reset done; restarting", from: mark))
        #expect(rig.waitForExit() == 75, "the gateway exits for its supervisor to start it again")

        let site = try JSONValue.parse(String(contentsOfFile: rig.sitePath, encoding: .utf8))
        #expect(site["site"]?["id"] == "factory")
        #expect(try JSONValue.parse(String(contentsOfFile: rig.sitePath + ".prev", encoding: .utf8))["site"]?["id"] == "pump-room-7")
        let audit = try AuditLog(path: rig.stateDirectory + "/outbox.db")
        let actions = try audit.recent(limit: 20).map { "\($0.user) \($0.action)" }
        #expect(actions.contains("admin factory-reset"), "\(actions)")
        #expect(actions.contains("tech login"))
    }
}

/// True when a row of a table on `screen` has every one of `cells` among its columns (columns
/// are separated by two or more blanks).
func hasRow(_ screen: [String], _ cells: String...) -> Bool {
    // A table fitted to the terminal continues its last column on indented lines: join them.
    var rows: [String] = []
    for line in screen {
        if line.hasPrefix(String(repeating: " ", count: 12)), !rows.isEmpty {
            rows[rows.count - 1] += " " + line.drop { $0 == " " }
        } else {
            rows.append(line)
        }
    }
    return rows.contains { row in
        let columns = row.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return cells.allSatisfy(columns.contains)
    }
}

/// A console's text with replies and errors put back on one line: `say` goes on between words
/// on lines indented by two.
func unwrapped(_ text: String) -> String {
    text.replacingOccurrences(of: "\r\n  ", with: " ").replacingOccurrences(of: "\n  ", with: " ")
}

/// CPU time (user + system, in clock ticks) the thread `thread` of process `process` has used.
func threadCPUTicks(process: Int32, thread: String) -> Int? {
    let base = "/proc/\(process)/task"
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: base) else { return nil }
    for t in tasks {
        guard let comm = try? String(contentsOfFile: "\(base)/\(t)/comm", encoding: .utf8),
              comm.trimmingCharacters(in: .whitespacesAndNewlines) == thread,
              let stat = try? String(contentsOfFile: "\(base)/\(t)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        // After the command come state, ppid, …: utime and stime are the 12th and 13th of those.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { continue }
        return user + system
    }
    return nil
}
