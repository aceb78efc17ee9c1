import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// `make demo`'s script, as a new user runs it: the broker, the simulator and the gateway come up,
/// the live view shows every device answering and the uplink connected, the README's tour works
/// as typed after `source .demo/env`, `restart` on the console restarts the gateway (as systemd
/// would) instead of ending the demo, `config save` writes the demo's copy of the site and never
/// the tracked file, and after Ctrl-C nothing is left running.
@Suite(.serialized) struct MakeDemoTests {
    static let trackedSite = TestSupport.repositoryRoot + "/simulator/sites/demo.json"

    /// Runs `command` with `environment` added to the test's; its exit status and output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String], in dir: String) throws -> (Int32?, String) {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        let p = try ChildProcess(executable: executable, arguments: arguments, environment: env,
                                 logPath: dir + "/cmd-\(UUID().uuidString.prefix(8)).log")
        let status = p.waitForExit(timeout: .seconds(30))
        p.terminate()
        return (status, p.logTail(lines: 200))
    }

    /// `export NAME="VALUE"` lines of `.demo/env`.
    static func exports(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let body = line.dropFirst("export ".count)
            guard let eq = body.firstIndex(of: "=") else { continue }
            out[String(body[..<eq])] = String(body[body.index(after: eq)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return out
    }

    @Test func theDemoComesUpTheTourWorksRestartRestartsAndNothingIsLeft() async throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fg-demo-test")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tracked = try Data(contentsOf: URL(fileURLWithPath: Self.trackedSite))
        let script = try ChildProcess(executable: "/bin/bash", arguments: [TestSupport.repositoryRoot + "/scripts/demo.sh"],
                                      environment: ["DEMO_SECONDS": "600", "TMPDIR": dir], logPath: dir + "/demo.log")
        // The printed, fixed place: .demo/env names this demo once it is up.
        var env: [String: String] = [:]
        for _ in 0..<1200 where script.exitStatus == nil {
            try await Task.sleep(for: .milliseconds(100))
            if let text = try? String(contentsOfFile: TestSupport.repositoryRoot + "/.demo/env", encoding: .utf8),
               let state = Self.exports(text)["FIELDGATE_STATE_DIR"], state.hasPrefix(dir) {
                env = Self.exports(text)
                break
            }
        }
        let state = try #require(env["FIELDGATE_STATE_DIR"],
                                 "no .demo/env for this demo:\n\((try? String(contentsOfFile: dir + "/demo.log", encoding: .utf8)) ?? "")")
        let demoDir = String(state.dropLast("/gw".count))
        #expect(env["PATH"]?.hasPrefix(TestSupport.repositoryRoot + "/.build/debug:") == true, "\(env)")

        // The README's tour, as typed after `source .demo/env` (PATH is used by name).
        let tourEnv = ["PATH": env["PATH"]!.replacingOccurrences(of: "$PATH", with: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                       "FIELDSIM_DIR": env["FIELDSIM_DIR"]!, "FIELDGATE_STATE_DIR": state]
        let ctl = try Self.run("/usr/bin/env", ["fieldsim", "ctl", "status"], environment: tourEnv, in: dir)
        #expect(ctl.0 == 0 && ctl.1.contains("site: demo"), "\(ctl.1)")
        var points = (Int32?(nil), "")
        for _ in 0..<50 {
            points = try Self.run("/usr/bin/env", ["fieldgate", "points", "--device", "main-pt"], environment: tourEnv, in: dir)
            if points.1.contains("main-pt.pressure") && points.1.contains("good") { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(points.0 == 0 && points.1.contains("main-pt.pressure"), "\(points.1)")

        // The technician's console: a saved change, then a restart.
        let console = try ConsoleSocket(path: state + "/console.sock")
        console.send("\r")
        #expect(console.waitFor("login: "))
        console.send("tech\r")
        #expect(console.waitFor("password: "))
        console.send("fieldgate\r")
        #expect(console.waitFor("tech@demo> "), "\(console.text)")
        console.send("config set site.name \"Demo, renamed\"\r")
        #expect(console.waitFor("pending until config save"), "\(console.text)")
        console.send("config save\r")
        #expect(console.waitFor("saved \(demoDir)/site.json"), "\(console.text)")
        console.send("restart\r")
        #expect(console.waitFor("type yes to go on: "))
        console.send("yes\r")
        #expect(console.waitFor("restarting"), "\(console.text)")
        console.close()

        // The gateway comes back (the demo's supervisor restarts it), on the saved copy.
        var back = false
        for _ in 0..<200 where !back {
            try await Task.sleep(for: .milliseconds(300))
            let log = (try? String(contentsOfFile: demoDir + "/fieldgate.log", encoding: .utf8)) ?? ""
            if log.contains("asked for a restart (exit 75)") {
                let status = try Self.run("/usr/bin/env", ["fieldgate", "status"], environment: tourEnv, in: dir)
                back = status.0 == 0 && status.1.contains("site demo")
            }
        }
        #expect(back, "the gateway runs again after restart")
        #expect(script.exitStatus == nil, "restart does not end the demo")
        let copy = (try? String(contentsOfFile: demoDir + "/site.json", encoding: .utf8)) ?? ""
        #expect(copy.contains("Demo, renamed"), "config save wrote the demo's copy")
        #expect(try Data(contentsOf: URL(fileURLWithPath: Self.trackedSite)) == tracked, "the tracked demo.json is never written")
        #expect(!FileManager.default.fileExists(atPath: Self.trackedSite + ".prev"))

        // Ctrl-C, as a user stops it: everything is cleaned up.
        try await Task.sleep(for: .seconds(3))
        kill(script.pid, SIGINT)
        var status: Int32?
        for _ in 0..<600 where status == nil {
            try await Task.sleep(for: .milliseconds(100))
            status = script.exitStatus
        }
        let text = (try? String(contentsOfFile: dir + "/demo.log", encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        #expect(text.contains("picocom -b 115200"), "the banner says how to open the console")
        #expect(text.contains("source .demo/env"), "the banner says how to reach the demo from another terminal")
        #expect(text.contains("mosquitto_sub -p"), "the banner says how to watch the uplink")
        #expect(text.contains("console: picocom -b 115200 \(state)/console"), "the live view keeps the paths on screen")
        #expect(text.contains(": connected"), "the uplink connected to the demo's broker\n\(text)")
        #expect(text.contains("devices 13, all answering"), "every demo device answers\n\(text)")
        #expect(text.contains("updated at"), "the live view says when it was drawn")
        #expect(text.contains("demo stopped; nothing left running."))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("fieldgate-demo.") }
        #expect(leftovers.isEmpty, "the demo's directory is removed")
        #expect(!FileManager.default.fileExists(atPath: TestSupport.repositoryRoot + "/.demo/env"), "the demo's links are removed")
        let ps = try ChildProcess(executable: "/usr/bin/pgrep", arguments: ["-f", dir + "/fieldgate-demo."], logPath: dir + "/pgrep.log")
        #expect(ps.waitForExit(timeout: .seconds(10)) == 1, "no process of the demo is left running")
    }
}

/// The console's Unix socket, as `fieldgate console` uses it: lines in, the screen's text out.
final class ConsoleSocket: @unchecked Sendable {
    private let fd: Int32
    private(set) var text = ""

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, rc == 0 else { throw ChildProcessError("cannot connect to \(path): \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    func send(_ s: String) { _ = Array(s.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }

    /// Reads until `needle` has arrived (since the last wait), up to `timeout` seconds.
    func waitFor(_ needle: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { text += String(decoding: buffer[..<n], as: UTF8.self) }
            if let r = text.range(of: needle) {
                text = String(text[r.upperBound...])
                return true
            }
            if n <= 0 { Thread.sleep(forTimeInterval: 0.05) }
        }
        return false
    }

    func close() { _ = Glibc.close(fd) }
}
