#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSim
import FieldTestSupport
import Foundation

/// `fieldgate run` under a supervisor that does what the service unit's `Restart=always` and
/// `RestartSec=` do: whenever the gateway exits (a restart it asked for with status 75, a crash,
/// a refused site file), it is started again after `restartDelay`. Every start logs to its own
/// `gateway-N.log` in the state directory. `stop()` (and deinit) ends the loop and the gateway.
final class SupervisedGateway: @unchecked Sendable {
    let stateDirectory: String
    private let executable: String
    private let arguments: [String]
    private let environment: [String: String]
    private let restartDelay: Duration
    private let lock = NSLock()
    private var current: ChildProcess?
    private var stopped = false
    private var exitStatuses: [Int32] = []
    private var starts = 0
    private var stopGrace: Duration = .seconds(10)
    private let done = DispatchSemaphore(value: 0)

    init(executable: String, arguments: [String], environment: [String: String], stateDirectory: String,
         restartDelay: Duration = .seconds(1)) throws {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.stateDirectory = stateDirectory
        self.restartDelay = restartDelay
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        Thread { [self] in loop() }.start()
    }

    deinit { stop() }

    /// How many times the gateway was started so far.
    var startCount: Int { lock.withLock { starts } }
    /// The running gateway's pid, if one runs.
    var pid: Int32? { lock.withLock { current?.isRunning == true ? current?.pid : nil } }
    /// The exit statuses of the runs that ended, in order.
    var exits: [Int32] { lock.withLock { exitStatuses } }

    /// Every run's log, in order.
    var log: String {
        (1 ... max(startCount, 1)).map { (try? String(contentsOfFile: "\(stateDirectory)/gateway-\($0).log", encoding: .utf8)) ?? "" }
            .joined(separator: "\n----- restart -----\n")
    }

    func logTail(lines: Int = 60) -> String { log.split(separator: "\n").suffix(lines).joined(separator: "\n") }

    /// Ends the loop, then the running gateway (SIGTERM, SIGKILL after `grace`). Safe to call again.
    func stop(grace: Duration = .seconds(10)) {
        let first: Bool = lock.withLock {
            defer { (stopped, stopGrace) = (true, grace) }
            return !stopped
        }
        guard first else { return }
        done.wait()
    }

    private func loop() {
        defer { done.signal() }
        while true {
            let n: Int? = lock.withLock {
                if stopped { return nil }
                starts += 1
                return starts
            }
            guard let n else { return }
            let child: ChildProcess
            do {
                child = try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                         logPath: "\(stateDirectory)/gateway-\(n).log")
            } catch {
                return
            }
            lock.withLock { current = child }
            var status: Int32?
            while status == nil {
                status = child.waitForExit(timeout: .milliseconds(200))
                if status == nil, lock.withLock({ stopped }) { status = child.terminate(grace: lock.withLock { stopGrace }) }
            }
            let again = lock.withLock {
                exitStatuses.append(status!)
                return !stopped
            }
            guard again else { return }
            Thread.sleep(forTimeInterval: Double(restartDelay.components.seconds) + Double(restartDelay.components.attoseconds) / 1e18)
        }
    }
}
