import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// `make demo`'s script, as a new user runs it: the broker, the simulator and the gateway come up,
/// the live view shows every device answering and the uplink connected, and when it stops nothing
/// is left running.
@Suite struct MakeDemoTests {
    @Test func theDemoComesUpAndLeavesNothingRunning() async throws {
        let dir = try Waiting.temporaryDirectory(prefix: "fg-demo-test")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = try ChildProcess(executable: "/bin/bash", arguments: [TestSupport.repositoryRoot + "/scripts/demo.sh"],
                                      environment: ["DEMO_SECONDS": "14", "TMPDIR": dir], logPath: dir + "/demo.log")
        // The script runs for a while: wait without holding a thread of the test pool.
        var status: Int32?
        for _ in 0..<1200 where status == nil {
            try await Task.sleep(for: .milliseconds(100))
            status = script.exitStatus
        }
        let text = (try? String(contentsOfFile: dir + "/demo.log", encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        #expect(text.contains("picocom -b 115200"), "the banner says how to open the console")
        #expect(text.contains("mosquitto_sub -p"), "the banner says how to watch the uplink")
        #expect(text.contains(": connected"), "the uplink connected to the demo's broker\n\(text)")
        #expect(text.contains("devices 13, all answering"), "every demo device answers\n\(text)")
        #expect(text.contains("demo stopped; nothing left running."))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("fieldgate-demo.") }
        #expect(leftovers.isEmpty, "the demo's directory is removed")
        let ps = try ChildProcess(executable: "/usr/bin/pgrep", arguments: ["-f", dir + "/fieldgate-demo."], logPath: dir + "/pgrep.log")
        #expect(ps.waitForExit(timeout: .seconds(10)) == 1, "no process of the demo is left running")
    }
}
