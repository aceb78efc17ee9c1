import FieldSim
import Foundation

/// A child process started with `posix_spawn`, a clean signal mask and default signal handlers.
///
/// Foundation's `Process` passes on the spawning thread's signal mask, and the Swift
/// concurrency pool's threads block SIGTERM, so a `mosquitto` started from a test would ignore
/// `terminate()` forever. FieldSim's `ChildProcess` spawns the same way for a process whose
/// output goes to a log file; this one also hands the output to the test as it comes
/// (`mosquitto_sub`) or leaves it on the test's own.
package final class SpawnedProcess: @unchecked Sendable {
    package enum Output {
        /// The test's own stdout and stderr.
        case inherit
        /// stdout and stderr appended to a file.
        case file(String)
        /// stdout and stderr read on a background thread and handed over in chunks.
        case pipe(@Sendable (Data) -> Void)
    }

    package struct SpawnError: Error, CustomStringConvertible {
        package var path: String
        package var code: Int32
        package var description: String { "cannot start \(path): \(String(cString: strerror(code)))" }
    }

    package let pid: pid_t
    package let path: String
    private let lock = NSLock()
    private var status: Int32?
    private var reader: Thread?
    private let outputEnd = OutputEnd()

    /// Set by the reader thread, which must not hold the process (its deinit kills the child).
    private final class OutputEnd: @unchecked Sendable {
        private let lock = NSLock()
        private var ended = false
        func mark() { lock.withLock { ended = true } }
        var isEnded: Bool { lock.withLock { ended } }
    }

    package init(_ path: String, _ arguments: [String], output: Output = .inherit, environment: [String: String]? = nil) throws {
        self.path = path
        var (readEnd, writeEnd): (Int32, Int32) = (-1, -1)
        if case .pipe = output {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw SpawnError(path: path, code: errno) }
            (readEnd, writeEnd) = (fds[0], fds[1])
        }
        let spawned = CleanSpawn.spawn(path, arguments, environment: environment ?? ProcessInfo.processInfo.environment) { actions in
            switch output {
            case .inherit:
                break
            case .file(let file):
                posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            case .pipe:
                posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
                posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
                posix_spawn_file_actions_addclose(&actions, readEnd)
                posix_spawn_file_actions_addclose(&actions, writeEnd)
            }
        }
        if writeEnd >= 0 {
            // The child has its own copy of the write end; ours must go so EOF reaches the reader.
            close(writeEnd)
        }
        switch spawned {
        case .success(let child): pid = child
        case .failure(let e):
            if readEnd >= 0 { close(readEnd) }
            throw SpawnError(path: path, code: e.code)
        }
        if case .pipe(let handler) = output {
            let fd = readEnd
            let end = outputEnd
            let thread = Thread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    handler(Data(buffer[0..<n]))
                }
                close(fd)
                end.mark()
            }
            thread.start()
            reader = thread
        }
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
        }
        _ = wait()
    }

    /// True until the process has exited (and been reaped).
    package var isRunning: Bool {
        lock.withLock {
            guard status == nil else { return false }
            var s: Int32 = 0
            let r = waitpid(pid, &s, WNOHANG)
            if r == pid { status = s }
            return r == 0
        }
    }

    /// True once a `.pipe` output reached its end (the process and its children closed it).
    package var outputClosed: Bool { outputEnd.isEnded }

    package func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits for the process to exit; its raw wait status.
    @discardableResult
    package func wait() -> Int32 {
        lock.withLock {
            if let status { return status }
            var s: Int32 = 0
            while waitpid(pid, &s, 0) < 0 && errno == EINTR {}
            status = s
            return s
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited after `grace` (to its process group too:
    /// `timeout` leads one, and its command must not outlive it).
    package func terminate(grace: Duration = .seconds(5)) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { usleep(5000) }
        if isRunning {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        wait()
    }

    /// Starts `path` under coreutils' `timeout` (when installed), so that a test runner that
    /// crashes cannot leave it running for more than `limit`. Signals sent to the returned
    /// process reach the command; SIGKILL would not (`terminate()` kills the group), so use this
    /// only for helpers the test stops with `terminate()` (brokers), never for a process under test.
    package static func withSafetyTimeout(_ path: String, _ arguments: [String], limit: Duration = .seconds(1800), output: Output = .inherit) throws -> SpawnedProcess {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/timeout") else { return try SpawnedProcess(path, arguments, output: output) }
        return try SpawnedProcess("/usr/bin/timeout", ["\(limit.components.seconds)", path] + arguments, output: output)
    }
}
