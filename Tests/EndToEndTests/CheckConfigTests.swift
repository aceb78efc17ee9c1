import FieldCore
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// `fieldgate check-config` and start-up validation, as a technician meets them: exit status 0
/// and a summary for a good file; 1 and every error at once, each with its JSON path, for a bad
/// one; and `fieldgate run` refuses a bad file without starting anything.
@Suite("fieldgate check-config")
struct CheckConfigTests {
    /// A bad site file and what check-config must say about it: each error's JSON path and
    /// words of its message.
    struct BadSite: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var errors: [(path: String, says: String)]
        var testDescription: String { name }
    }

    /// A site with a mistake in nearly every section; all are found by reading the file.
    static let badFile = """
        {"site": {"id": "bad site"},
         "board": "sim",
         "buses": [{"name": "pole-bus", "type": "rtu", "port": "rs485-1", "baud": 9601},
                   {"name": "plant", "type": "tcp", "host": "127.0.0.1", "port": 70000}],
         "devices": [
           {"id": "lamp-1", "profile": "fg-slc", "bus": "pole-bus", "address": 248},
           {"id": "pt", "profile": "fg-presure-tx", "bus": "pole-bus", "address": 2},
           {"id": "tank", "profile": "fg-level", "bus": "nowhere", "address": 3, "pol": "1s"},
           {"id": "ai", "profile": "fg-ai4", "bus": "pole-bus", "address": 5,
            "points": {"ch1": {"loop": {"range": [0, 1.6], "unit": "MPa"}, "scael": 2}}},
           {"id": "lamp-2", "profile": "fg-slc", "bus": "pole-bus", "address": 7, "poll": "10ms"}
         ],
         "colour": "blue"
        }
        """

    /// Each error of `badFile`: its JSON path and what the message must say.
    static let badFileErrors: [(path: String, says: String)] = [
        ("site.id", "\"bad site\" is not a valid id"),
        ("buses[0].baud", "9601 is not a standard baud rate"),
        ("buses[1].port", "70000 is out of range"),
        ("devices[0].address", "248 is not a unit address on an RTU bus"),
        ("devices[1].profile", "unknown profile \"fg-presure-tx\" (did you mean \"fg-pressure-tx\"?)"),
        ("devices[2].bus", "no bus named \"nowhere\""),
        ("devices[2].pol", "unknown key (did you mean \"poll\"?)"),
        ("devices[3].points.ch1.scael", "unknown key (did you mean \"scale\"?)"),
        ("devices[4].poll", "10ms is out of range"),
        ("colour", "unknown key"),
    ]

    /// A well-formed site that does not fit its board, with an app setting of the wrong kind.
    static let wrongForTheBoard = """
        {"site": {"id": "bad-board"},
         "board": "sim",
         "buses": [{"name": "pole-bus", "type": "rtu", "port": "rs485-9"}],
         "devices": [
           {"id": "cab", "profile": "fg-pole-cabinet", "signals": {"door": "DO1", "water": "DI99"}},
           {"id": "tank", "profile": "fg-level", "bus": "pole-bus", "address": 6, "settings": {"low": "deep"}},
           {"id": "lamp-3", "profile": "fg-lamp-relay", "signals": {"relay": "DI2"}}
         ]
        }
        """

    static let wrongForTheBoardErrors: [(path: String, says: String)] = [
        ("buses[0].port", "board sim has no serial port \"rs485-9\""),
        ("devices[0].signals.door", "DO1 is an output on board sim, but door is an input"),
        ("devices[0].signals.water", "board sim has no line \"DI99\""),
        ("devices[2].signals.relay", "DI2 is an input on board sim, but relay is an output"),
        ("devices[1].settings.low", "expected a number"),
    ]

    /// A site whose GB 26875.3 link has a mistake in nearly every field (docs/gb26875.md).
    static let badCentre = """
        {"site": {"id": "bad-centre"},
         "board": "sim",
         "buses": [{"name": "pump-bus", "type": "rtu", "port": "rs485-1"}],
         "devices": [{"id": "main-pt", "profile": "fg-pressure-tx", "bus": "pump-bus", "address": 1, "settings": {"category": "sprinkler"}}],
         "uplinks": {"gb26875": {
           "host": "centre.example.cn", "port": 0, "source": 281474976710656, "ackTimeout": "5ms",
           "points": [
             {"point": "main-pt.presure", "system": "hydrant", "component": "general", "componentAddress": 1, "analog": "pressure-psi"},
             {"point": "pt-9.pressure", "system": 300, "component": "fire-pump", "componentAddress": 2},
             {"device": "main-pt", "system": "hydrant", "component": "pump", "componentAddress": -1, "whenTrue": ["running"]}
           ]},
           "mqtt2": {}}
        }
        """

    static let badCentreErrors: [(path: String, says: String)] = [
        ("uplinks.gb26875.port", "0 is out of range"),
        ("uplinks.gb26875.source", "is out of range"),
        ("uplinks.gb26875.ackTimeout", "5ms is out of range"),
        ("uplinks.gb26875.points[0].point", "device \"main-pt\" (profile fg-pressure-tx) has no point or signal \"presure\""),
        ("uplinks.gb26875.points[0].analog", "unknown analogue type \"pressure-psi\""),
        ("uplinks.gb26875.points[1].point", "no device \"pt-9\" in the site's devices"),
        ("uplinks.gb26875.points[1].system", "expected a code 0–255 or one of"),
        ("uplinks.gb26875.points[2].component", "expected a code 0–255 or one of"),
        ("uplinks.gb26875.points[2].componentAddress", "-1 is out of range"),
        ("uplinks.gb26875.points[2].whenTrue", "expected a list of state bits"),
        ("uplinks.mqtt2", "unknown key"),
    ]

    /// Runs `fieldgate ARGUMENTS` to the end: its exit status and output.
    static func fieldgate(_ arguments: [String], in directory: String) throws -> (status: Int32?, output: String) {
        let process = try ChildProcess(executable: try TestSupport.executable("fieldgate"), arguments: arguments,
                                       environment: ["FIELDGATE_BOARDS": TestSupport.boards, "FIELDSIM_DIR": directory + "/sim"],
                                       logPath: directory + "/fieldgate-\(UUID().uuidString.prefix(8)).log")
        let status = process.waitForExit(timeout: .seconds(30))
        process.terminate()
        return (status, process.logTail(lines: 200))
    }

    /// The error lines of check-config's output, by JSON path.
    static func errorLines(_ output: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("  ") {
            guard let colon = line.range(of: ": ") else { continue }
            out[String(line[..<colon.lowerBound].dropFirst(2))] = String(line[colon.upperBound...])
        }
        return out
    }

    @Test("the demo site passes: exit 0 and a summary")
    func goodSite() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, output) = try Self.fieldgate(["check-config", EndToEndRig.demoSitePath], in: dir)
        #expect(status == 0, "\(output)")
        #expect(output.contains("\(EndToEndRig.demoSitePath): OK (site demo, board sim, 3 buses, 13 devices)"), "\(output)")
    }

    @Test("the demo site passes without FIELDSIM_DIR: the sim board's default is fieldsim's")
    func goodSiteWithoutSimulatorDirectory() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = try ChildProcess(executable: try TestSupport.executable("fieldgate"), arguments: ["check-config", EndToEndRig.demoSitePath],
                                       environment: ["FIELDGATE_BOARDS": TestSupport.boards, "PATH": "/usr/bin:/bin"], logPath: dir + "/out.log")
        #expect(process.waitForExit(timeout: .seconds(30)) == 0, "\(process.logTail(lines: 50))")
    }

    @Test("a binary in a checkout's out/ (make release) finds the checkout's boards/ from anywhere")
    func releaseBinaryFindsTheCheckoutsBoards() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/checkout/out", withIntermediateDirectories: true)
        // Copied by cp in a process of its own: a copy made here would hold the new file open for
        // writing while other tests in this process start children, which inherit that descriptor
        // and make the exec below fail with ETXTBSY ("Text file busy") for as long as they live.
        let copy = try ChildProcess(executable: "/bin/cp", arguments: [try TestSupport.executable("fieldgate"), dir + "/checkout/out/fieldgate"],
                                    environment: ["PATH": "/usr/bin:/bin"], logPath: dir + "/cp.log")
        #expect(copy.waitForExit(timeout: .seconds(30)) == 0, "\(copy.logTail(lines: 5))")
        try fm.copyItem(atPath: TestSupport.boards, toPath: dir + "/checkout/boards")
        // No FIELDGATE_BOARDS, and a working directory without boards/.
        let process = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "cd / && exec \(dir)/checkout/out/fieldgate check-config \(EndToEndRig.demoSitePath)"],
                                       environment: ["PATH": "/usr/bin:/bin"], logPath: dir + "/out.log")
        #expect(process.waitForExit(timeout: .seconds(30)) == 0, "\(process.logTail(lines: 50))")
    }

    @Test("--plan prints each device's requests and points, as the gateway plans them")
    func readPlan() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, output) = try Self.fieldgate(["check-config", "--plan", EndToEndRig.demoSitePath], in: dir)
        #expect(status == 0, "\(output)")
        #expect(output.contains("bus pump-bus: RTU on port rs485-2, 9600 baud, max gap 8"), "\(output)")
        #expect(output.contains("  main-pt  fg-pressure-tx  unit 1  every 1s  2 requests for 5 points"), "\(output)")
        #expect(output.contains("    FC4 input    0x0000 +3!   pressure, sensor-fault"), "\(output)")
        #expect(output.contains("  lamp-3  fg-lamp-relay  relay=DO1"), "\(output)")
        // The same 17 requests a cycle docs/benchmarks.md measures for the demo site.
        #expect(output.contains("17 Modbus requests per second at the devices' poll intervals"), "\(output)")
        #expect(output.components(separatedBy: "\n").dropFirst().allSatisfy { $0.count <= 80 }, "the plan fits 80 columns")
    }

    @Test("common slips get a hint, settings errors come with structural ones, each path once")
    func hints() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/site.json"
        try """
            {"site": {"id": "x"}, "board": "sim",
             "buses": [{"name": "b", "type": "rtu", "port": "rs485-1"}],
             "devices": [
               {"id": "pt", "profile": "fg-pressure-tx", "bus": "b", "address": 30004, "poll": 500},
               {"id": "tank", "profile": "fg-level", "bus": "b", "address": 6, "settings": {"low": "deep"}},
               {"id": "x1", "profile": "fg-levle", "bus": "b", "address": 7}
             ]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try Self.fieldgate(["check-config", path], in: dir)
        #expect(status == 1, "\(output)")
        #expect(output.contains("\(path): 4 errors"), "\(output)")
        let lines = Self.errorLines(output)
        #expect(lines["devices[0].address"]?.contains("looks like a register number (30004 is input register 4, protocol address 3)") == true, "\(output)")
        #expect(output.components(separatedBy: "devices[0].address").count == 2, "address is reported once")
        #expect(lines["devices[0].poll"]?.contains("did you mean \"500ms\"?") == true, "\(output)")
        #expect(lines["devices[1].settings.low"]?.contains("expected a number") == true, "settings errors with the structural ones")
        #expect(lines["devices[2].profile"]?.contains("did you mean \"fg-level\"?") == true, "\(output)")
    }

    @Test("a board that is nowhere: every path looked in is named")
    func missingBoard() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/site.json"
        try #"{"site": {"id": "x"}, "board": "no-such-board"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try Self.fieldgate(["check-config", path], in: dir)
        #expect(status == 1, "\(output)")
        let line = Self.errorLines(output)["board"] ?? ""
        for tried in ["\(TestSupport.boards)/no-such-board.json", "/etc/fieldgate/boards/no-such-board.json", "/usr/share/fieldgate/boards/no-such-board.json"] {
            #expect(line.contains(tried), "\(output)")
        }
    }

    @Test("the linux-host board: a Modbus TCP site on a PC checks and has nothing to poll by itself")
    func linuxHost() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/site.json"
        try """
            {"site": {"id": "office"}, "board": "linux-host",
             "buses": [{"name": "plant", "type": "tcp", "host": "127.0.0.1", "port": 1502}],
             "devices": [{"id": "air-1", "profile": "fg-air-terminal", "bus": "plant", "address": 1, "signals": {"buzzer": "DO1"}}]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try Self.fieldgate(["check-config", path], in: dir)
        #expect(status == 1 && Self.errorLines(output)["devices[0].signals.buzzer"]?.contains("board linux-host has no line \"DO1\"") == true, "\(output)")
        try """
            {"site": {"id": "office"}, "board": "linux-host",
             "buses": [{"name": "plant", "type": "tcp", "host": "127.0.0.1", "port": 1502}],
             "devices": [{"id": "pt-1", "profile": "fg-pressure-tx", "bus": "plant", "address": 1, "settings": {"category": "sprinkler"}}]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let good = try Self.fieldgate(["check-config", path], in: dir)
        #expect(good.status == 0 && good.output.contains("OK (site office, board linux-host, 1 bus, 1 device)"), "\(good.output)")
    }

    @Test("bad sites: exit 1 and every error at once, each with its JSON path", arguments: [
        BadSite(name: "a mistake in every section", text: CheckConfigTests.badFile, errors: CheckConfigTests.badFileErrors),
        BadSite(name: "wrong for its board", text: CheckConfigTests.wrongForTheBoard, errors: CheckConfigTests.wrongForTheBoardErrors),
        BadSite(name: "a GB 26875.3 link with a mistake in every field", text: CheckConfigTests.badCentre, errors: CheckConfigTests.badCentreErrors),
    ])
    func badSites(_ site: BadSite) throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/site.json"
        let errors = site.errors
        try site.text.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try Self.fieldgate(["check-config", path], in: dir)
        #expect(status == 1, "\(output)")
        #expect(output.contains("\(path): \(errors.count) errors"), "\(output)")
        let lines = Self.errorLines(output)
        #expect(lines.count == errors.count, "\(output)")
        for e in errors {
            #expect(lines[e.path]?.contains(e.says) == true, "\(e.path) should say \(e.says):\n\(output)")
        }
    }

    @Test("a file that is not JSON, and one that is not there: exit 1, said at the top level")
    func unreadableFiles() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let broken = dir + "/broken.json"
        try "{\"site\": {\"id\": \"x\"},\n \"board\": \"sim\",\n \"buses\": [,]\n}\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let notJSON = try Self.fieldgate(["check-config", broken], in: dir)
        #expect(notJSON.status == 1 && notJSON.output.contains("\(broken): 1 error"), "\(notJSON.output)")
        #expect(Self.errorLines(notJSON.output)["(top level)"]?.contains("invalid JSON at line 3, column 12: unexpected ','") == true, "\(notJSON.output)")
        let missing = try Self.fieldgate(["check-config", dir + "/missing.json"], in: dir)
        #expect(missing.status == 1 && Self.errorLines(missing.output)["(top level)"] == "cannot read the file (no such file or directory)", "\(missing.output)")
    }

    @Test("fieldgate run refuses a bad site with the same errors and starts nothing")
    func runRefusesABadSite() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/bad.json"
        try Self.badFile.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try Self.fieldgate(["run", "--site", path, "--state-dir", dir + "/gw"], in: dir)
        #expect(status == 1, "\(output)")
        #expect(output.contains("not starting: the configuration has errors"), "\(output)")
        let lines = Self.errorLines(output)
        for e in Self.badFileErrors { #expect(lines[e.path]?.contains(e.says) == true, "\(e.path):\n\(output)") }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/gw")) ?? []
        #expect(!left.contains("fieldgate.sock") && !left.contains("console.sock") && !left.contains("outbox.db"), "\(left)")
    }

    @Test("huge numbers and trailing commas in a site file: exit 1 naming where, never a crash (issue 17)")
    func hugeNumbersAndTrailingCommas() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, String, String)] = [
            (#"{"site": {"id": "x"}, "board": "sim", "buses": [{"name": "b", "type": "rtu", "port": "rs485-1"}], "devices": [{"id": "t", "profile": "fg-level", "bus": "b", "address": 6, "poll": 1e20}]}"#,
             "devices[0].poll", "1e+20 is out of range"),
            (#"{"site": {"id": "x"}, "board": "sim", "buses": [{"name": "b", "type": "rtu", "port": "rs485-1"}], "devices": [{"id": "t", "profile": "fg-level", "bus": "b", "address": 6, "poll": "1e20s"}]}"#,
             "devices[0].poll", "\"1e20s\" is out of range"),
            (#"{"site": {"id": "x"}, "board": "sim", "buses": [{"name": "b", "type": "rtu", "port": "rs485-1"}], "devices": [{"id": "t", "profile": "fg-level", "bus": "b", "address": 9.5e15}]}"#,
             "devices[0].address", "9500000000000000 is out of range"),
            ("{\"site\": {\"id\": \"x\"},\n \"board\": \"sim\",\n}\n", "(top level)", "invalid JSON at line 3, column 1: trailing comma before '}'"),
        ]
        for (text, path, says) in cases {
            let file = dir + "/site.json"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let (status, output) = try Self.fieldgate(["check-config", file], in: dir)
            #expect(status == 1, "\(output)")
            #expect(output.contains("  \(path): \(says)"), "\(path) should say \(says):\n\(output)")
        }
    }

    @Test("a state directory that is a file: a plain message, exit 1 (issue 17)")
    func stateDirectoryThatIsAFile() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let site = dir + "/site.json"
        try #"{"site": {"id": "x"}, "board": "sim"}"#.write(toFile: site, atomically: true, encoding: .utf8)
        try "not a directory".write(toFile: dir + "/state", atomically: true, encoding: .utf8)
        let (status, output) = try Self.fieldgate(["run", "--site", site, "--state-dir", dir + "/state"], in: dir)
        #expect(status == 1, "\(output)")
        #expect(output.contains("fieldgate: state directory \(dir)/state: \(dir)/state is a file, not a directory"), "\(output)")
        #expect(!output.contains("CocoaError"), "\(output)")
    }

    @Test("run by hand under umask 022, the gateway's files are not world-readable (issue 17)")
    func filesAreNotWorldReadable() throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fieldgate-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let site = dir + "/site.json"
        try #"{"site": {"id": "x"}, "board": "sim"}"#.write(toFile: site, atomically: true, encoding: .utf8)
        let old = umask(0o022)
        defer { umask(old) }
        let state = dir + "/new/state"
        let process = try ChildProcess(executable: try TestSupport.executable("fieldgate"), arguments: ["run", "--site", site, "--state-dir", state],
                                       environment: ["FIELDGATE_BOARDS": TestSupport.boards, "FIELDSIM_DIR": dir + "/sim"],
                                       logPath: dir + "/fieldgate.log")
        defer { process.terminate() }
        #expect(Waiting.forFile(state + "/fieldgate.sock", timeout: .seconds(30)), "\(process.logTail())")
        func mode(_ path: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int }
        #expect(mode(state) == 0o750)
        #expect(mode(dir + "/new") == 0o750)
        for file in ["outbox.db", "outbox.db-wal"] where FileManager.default.fileExists(atPath: state + "/" + file) {
            #expect(mode(state + "/" + file) == 0o640, "\(file)")
        }
        #expect(mode(state + "/outbox.db") != nil)
    }
}
