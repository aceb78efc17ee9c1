#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSim
import Foundation

/// The real `fieldgate run` in a process of its own, beside a simulator that already serves the
/// site's buses and GPIO lines: it is started with the repository's boards and
/// `FIELDSIM_DIR`, told to say `READY=1` on a notify socket of the test's own (as systemd
/// would), and its output goes to `gateway.log` in its state directory.
///
/// `stop()` sends SIGTERM (SIGKILL if it does not go) and returns the exit status; deinit does
/// the same, so a failing test leaves nothing running. Sendable so that a test can start and
/// stop it on a thread of its own (both block for seconds) while its task waits.
package final class GatewayProcess: @unchecked Sendable {
    package enum Failure: Error, CustomStringConvertible {
        case notReady(String)
        package var description: String {
            switch self {
            case .notReady(let log): "the gateway did not become ready:\n\(log)"
            }
        }
    }

    package let sitePath: String
    package let stateDirectory: String
    private let child: ChildProcess
    private let notify: NotifySocket

    /// Starts `fieldgate run --site sitePath --state-dir stateDirectory` and waits for its
    /// `READY=1`.
    ///
    /// - Parameters:
    ///   - simulatorDirectory: the simulator's `FIELDSIM_DIR` (board `sim` expands it).
    ///   - notifySocket: where the notify socket goes (default: `stateDirectory/notify.sock`).
    ///   - arguments: more options for `fieldgate run` (`--mqtt URL`).
    /// - Throws: `ChildProcessError` when it cannot be started, `.notReady` with its log when
    ///   it does not say `READY=1` within `readyTimeout` (it is stopped then).
    package init(sitePath: String, stateDirectory: String, simulatorDirectory: String, notifySocket: String? = nil,
                arguments: [String] = [], readyTimeout: Duration = .seconds(60)) throws {
        self.sitePath = sitePath
        self.stateDirectory = stateDirectory
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        notify = try NotifySocket(path: notifySocket ?? stateDirectory + "/notify.sock")
        child = try ChildProcess(executable: try TestSupport.executable("fieldgate"),
                                 arguments: ["run", "--site", sitePath, "--state-dir", stateDirectory] + arguments,
                                 environment: ["FIELDGATE_BOARDS": TestSupport.boards, "FIELDSIM_DIR": simulatorDirectory,
                                               "NOTIFY_SOCKET": notify.path, "PATH": "/usr/bin:/bin"],
                                 logPath: stateDirectory + "/gateway.log")
        guard notify.wait(for: "READY=1", timeout: readyTimeout) else {
            let text = child.logTail(lines: 60)
            child.terminate()
            throw Failure.notReady(text)
        }
    }

    deinit { child.terminate(grace: .seconds(15)) }

    package var pid: Int32 { child.pid }
    package var isRunning: Bool { child.isRunning }

    /// Everything the gateway logged so far.
    package var log: String { (try? String(contentsOfFile: child.logPath, encoding: .utf8)) ?? "" }

    /// The last `lines` lines of its log, for failure messages.
    package func logTail(lines: Int = 30) -> String { child.logTail(lines: lines) }

    /// The local API socket (`fieldgate.sock`).
    package var apiSocket: String { stateDirectory + "/fieldgate.sock" }

    /// SIGTERM, then SIGKILL after `grace`; its exit status. Safe to call again.
    @discardableResult
    package func stop(grace: Duration = .seconds(15)) -> Int32 { child.terminate(grace: grace) }

    /// Waits for it to exit by itself (a restart, a bad site); its status, nil if it still runs.
    package func waitForExit(timeout: Duration) -> Int32? { child.waitForExit(timeout: timeout) }
}
