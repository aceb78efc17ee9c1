import FieldSystem
import Foundation
import Testing

/// The one child-process wrapper, with real processes.
@Suite("ChildProcess")
struct ChildProcessTests {
    static func logPath() -> String { "/tmp/fs-child-\(UUID().uuidString.prefix(8)).log" }

    @Test func runsWithTheEnvironmentAndReportsTheExitStatusAndOutput() throws {
        let log = Self.logPath()
        defer { unlink(log) }
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "echo \"$FS_GREETING from $HOME\"; echo oops >&2; exit 3"],
                                     environment: ["FS_GREETING": "hello"], logPath: log)
        #expect(child.waitForExit(timeout: .seconds(30)) == 3)
        #expect(!child.isRunning)
        let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        #expect(child.logTail() == "hello from \(home)\noops\n")
    }

    @Test func terminateStopsAChildThatIgnoresNothing() throws {
        let log = Self.logPath()
        defer { unlink(log) }
        let child = try ChildProcess(executable: "/bin/sleep", arguments: ["30"], logPath: log)
        #expect(child.isRunning)
        #expect(child.terminate(grace: .seconds(5)) == 128 + SIGTERM)
    }

    @Test func aMissingExecutableIsAnErrorNamingIt() {
        do {
            _ = try ChildProcess(executable: "/nonexistent/tool", arguments: [], logPath: Self.logPath())
            Issue.record("a missing executable started")
        } catch {
            #expect("\(error)".contains("cannot start /nonexistent/tool"))
        }
    }
}
