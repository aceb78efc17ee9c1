import FieldConsole
import FieldCore
import FieldSim
import FieldTestSupport
import Foundation

/// A real gateway against the simulator: the simulator's parts run in the test process (every
/// device of a site file on the wire: RTU buses on ptys, the board's GPIO lines on their socket),
/// and the real `fieldgate run` runs as a child process (FieldTestSupport's `GatewayProcess`)
/// with its console on a pty linked at `state/console`, exactly as picocom would use it on the
/// simulator board.
///
/// Everything lives in a temporary directory of its own; `stop()` (or deinit, also when a test
/// fails) ends the gateway with SIGTERM (SIGKILL if it does not go), stops the simulator and
/// removes the directory, so rigs run in parallel.
final class GatewayRig {
    /// The password of every console user of the rig's sites.
    static let password = Fixture.password

    /// Console users `viewer`, `tech` and `admin`, with real crypt(3) hashes.
    static var usersJSON: String {
        Fixture.users.map { #"{"name": "\#($0.name)", "role": "\#($0.role.rawValue)", "hash": "\#($0.passwordHash)"}"# }
            .joined(separator: ", ")
    }

    /// A pump room and a lamp pole on the simulator board: the devices the console tests and the
    /// manual's transcripts use.
    static func site(hydrantAddress: Int = 3, extraDevices: String = "") -> String {
        """
        {
          "site": {"id": "pump-room-7", "name": "Pump room 7", "latitude": 34.03, "longitude": 113.85, "utcOffset": "+08:00"},
          "board": "sim",
          "buses": [
            {"name": "pumps", "type": "rtu", "port": "rs485-1", "baud": 9600, "responseTimeout": "200ms"},
            {"name": "pole", "type": "rtu", "port": "rs485-2", "baud": 9600, "responseTimeout": "200ms"}
          ],
          "devices": [
            {"id": "hydrant-main", "profile": "fg-pressure-tx", "bus": "pumps", "address": \(hydrantAddress), "poll": "500ms",
             "settings": {"category": "municipal-hydrant"}},
            {"id": "roof-tank", "profile": "fg-level", "bus": "pumps", "address": 6, "poll": "2s", "settings": {"low": 2.0, "high": 4.6}},
            {"id": "pump-room", "profile": "fg-pump-room",
             "signals": {"valve-open": "DI1", "jockey-run": "DI2", "fire-pump-run": "DI3", "fire-pump-fault": "DI4"},
             "settings": {"pressure-point": "hydrant-main.pressure", "start-pressure": 0.25}},
            {"id": "lamp-1", "profile": "fg-slc", "bus": "pole", "address": 1},
            {"id": "lamp-2", "profile": "fg-slc", "bus": "pole", "address": 2},
            {"id": "lamp-3", "profile": "fg-slc", "bus": "pole", "address": 3},
            {"id": "cabinet", "profile": "fg-pole-cabinet", "signals": {"door": "DI5", "water": "DI6"}}\(extraDevices)
          ],
          "console": {"users": [\(usersJSON)]}
        }
        """
    }

    let directory: String
    let simulator: Simulator
    private(set) var gateway: GatewayProcess
    private var stopped = false

    var stateDirectory: String { directory + "/state" }
    var simulatorDirectory: String { directory + "/sim" }
    var sitePath: String { stateDirectory + "/site.json" }
    /// The console's pty link (board `sim`: `${STATE_DIR}/console`).
    var consoleLink: String { stateDirectory + "/console" }
    var consoleSocket: String { stateDirectory + "/console.sock" }
    static var fieldgate: String { (try? TestSupport.executable("fieldgate")) ?? repositoryRoot + "/.build/debug/fieldgate" }

    /// Starts the simulator on `simulatedSite` (the devices as they are on the wire) and the
    /// gateway on `site` (as the site file says they are), and waits for the gateway's READY=1.
    /// - Parameter simulatedSite: defaults to `site`; differs when the field does (a replaced
    ///   sensor still on its factory address).
    init(site: String = GatewayRig.site(), simulatedSite: String? = nil, factorySite: String? = nil) throws {
        directory = NSTemporaryDirectory() + "fieldgate-console-\(UUID().uuidString.prefix(8))"
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: directory + "/sim", withIntermediateDirectories: true)
        try site.write(toFile: directory + "/state/site.json", atomically: false, encoding: .utf8)
        if let factorySite { try factorySite.write(toFile: directory + "/state/site.json.factory", atomically: false, encoding: .utf8) }
        try (simulatedSite ?? site).write(toFile: directory + "/sim/site.json", atomically: false, encoding: .utf8)

        let environment = ["FIELDGATE_BOARDS": TestSupport.boards, "FIELDSIM_DIR": directory + "/sim",
                           "STATE_DIR": directory + "/sim", "PATH": "/usr/bin:/bin"]
        let simulator: Simulator
        do {
            simulator = try Simulator(sitePath: directory + "/sim/site.json", stateDirectory: directory + "/sim", environment: environment)
            try simulator.start()
        } catch {
            try? fm.removeItem(atPath: directory)
            throw error
        }
        do {
            gateway = try GatewayProcess(sitePath: directory + "/state/site.json", stateDirectory: directory + "/state",
                                         simulatorDirectory: directory + "/sim")
        } catch {
            simulator.stop()
            try? fm.removeItem(atPath: directory)
            throw error
        }
        self.simulator = simulator
    }

    deinit { stop() }

    /// What the gateway logged so far.
    var gatewayLog: String { gateway.log }

    /// The gateway's process id, for its threads under /proc.
    var pid: Int32 { gateway.pid }

    /// A terminal on the console's pty, as picocom, already past "press Enter".
    func picocom(answersCursorQueries: Bool = true) throws -> GatewayTerminalClient {
        let c = try GatewayTerminalClient(pty: consoleLink, answersCursorQueries: answersCursorQueries)
        c.type("\r")
        return c
    }

    /// Logs `user` in on `c` at the first login prompt after `start`, and waits for the prompt.
    @discardableResult
    func login(_ c: GatewayTerminalClient, as user: String, from start: Int = 0) -> Bool {
        guard c.waitFor("login: ", from: start) else { return false }
        let mark = c.mark
        c.type(user + "\r")
        guard c.waitFor("password: ", from: mark) else { return false }
        c.type(GatewayRig.password + "\r")
        return c.waitFor("\(user)@pump-room-7> ", from: mark)
    }

    /// Runs one command line at the prompt and returns the screen rows from the command line to
    /// the next prompt. It first waits for the console to sit at a prompt, so output still on its
    /// way from an earlier command is not taken for this one's.
    func run(_ c: GatewayTerminalClient, _ line: String, as user: String = "tech", timeout: Double = 30) -> [String] {
        let prompt = "\(user)@pump-room-7>"
        c.waitUntil { c.currentRow == prompt }
        let mark = c.mark
        c.type(line + "\r")
        c.waitUntil(timeout: timeout) {
            let rows = c.screen(from: mark)
            return rows.count > 1 && rows.last == prompt
        }
        return c.screen(from: mark)
    }

    /// Waits until the gateway's log has `text`.
    func waitForLog(_ text: String, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if gatewayLog.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Ends the gateway, the simulator and the directory; safe to call twice.
    func stop() {
        guard !stopped else { return }
        stopped = true
        gateway.stop()
        simulator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the gateway again on the site file, as systemd does after `restart` (exit 75).
    func restartGateway() throws {
        restarts += 1
        gateway = try GatewayProcess(sitePath: directory + "/state/site.json", stateDirectory: directory + "/state",
                                     simulatorDirectory: directory + "/sim", notifySocket: directory + "/notify-\(restarts).sock")
    }
    private var restarts = 0

    /// Waits for the gateway to exit by itself (restart, factory reset); its exit status.
    func waitForExit(timeout: Double = 30) -> Int32? {
        gateway.waitForExit(timeout: .milliseconds(Int64(timeout * 1000)))
    }
}

/// The repository's root (for the built gateway and the board files).
let repositoryRoot = TestSupport.repositoryRoot
