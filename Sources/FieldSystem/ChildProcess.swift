#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import Synchronization

/// A process the simulator's tools start — the gateway a scenario runs, the `fieldsim` and
/// `fieldgate` processes of the end-to-end tests — with its output in a log file, stopped with
/// SIGTERM (then SIGKILL) by `terminate`, on deinit, and by `terminateAll` when the tool itself
/// is interrupted, so nothing it started outlives it.
///
/// Spawned with an empty signal mask and default signal actions: a thread of the Swift
/// concurrency pool (where tests and async tools run) may have SIGTERM blocked, and a child that
/// inherited that mask — mosquitto, a shell script — would never see the SIGTERM that stops it.
package final class ChildProcess: Sendable {
    package let executable: String
    package let arguments: [String]
    package let logPath: String
    package let pid: Int32
    /// The exit status once `waitpid` has reaped the child (it can be reaped only once).
    private let status = Mutex<Int32?>(nil)

    private static let live = Mutex<Set<Int32>>([])

    /// Starts `executable` with `arguments`; stdout and stderr go to `logPath`.
    ///
    /// - Parameter environment: added to (and overriding) this process's environment.
    /// - Throws: when the executable cannot be started.
    package init(executable: String, arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
        let merged = currentEnvironment().merging(environment) { _, new in new }
        let rc = CleanSpawn.spawn(executable, arguments, environment: merged) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        switch rc {
        case .success(let child):
            pid = child
            Self.live.withLock { _ = $0.insert(child) }
        case .failure(let e):
            throw ChildProcessError("cannot start \(executable): \(e)")
        }
    }

    deinit { terminate(grace: .seconds(2)) }

    package var isRunning: Bool { exitStatus == nil }

    /// The exit status (or 128 + the signal that killed it), once it has exited.
    package var exitStatus: Int32? {
        let pid = pid
        return status.withLock { status in
            if let status { return status }
            var s: Int32 = 0
            guard waitpid(pid, &s, WNOHANG) == pid else { return nil }
            status = ChildProcess.decode(s)
            return status
        }
    }

    /// Waits up to `timeout` for the process to exit; its status, or nil if it still runs.
    @discardableResult
    package func waitForExit(timeout: Duration) -> Int32? {
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        while exitStatus == nil, monotonicMilliseconds() < deadline { usleep(10_000) }
        return exitStatus
    }

    /// SIGTERM, then SIGKILL if it has not exited after `grace`; returns its exit status.
    @discardableResult
    package func terminate(grace: Duration = .seconds(5)) -> Int32 {
        if exitStatus == nil {
            kill(pid, SIGTERM)
            if waitForExit(timeout: grace) == nil {
                kill(pid, SIGKILL)
                _ = waitForExit(timeout: .seconds(10))
            }
        }
        Self.live.withLock { _ = $0.remove(pid) }
        return exitStatus ?? -1
    }

    /// The last `lines` lines of the process's output.
    package func logTail(lines: Int = 30) -> String {
        guard let text = readTextFile(logPath) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Kills every child still running (from a signal handler's thread: the tool is exiting).
    package static func terminateAll() {
        let pids = live.withLock { p in defer { p.removeAll() }; return p }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = monotonicMilliseconds() + 3000
        for pid in pids {
            while kill(pid, 0) == 0, monotonicMilliseconds() < deadline { usleep(20_000) }
            kill(pid, SIGKILL)
        }
    }

    private static func decode(_ s: Int32) -> Int32 {
        let signal = s & 0x7f
        return signal == 0 ? (s >> 8) & 0xff : 128 + signal
    }
}

/// `posix_spawn` with an empty signal mask and default actions for the signals a supervisor
/// sends, so a child started from a thread that blocks SIGTERM (the Swift concurrency pool's)
/// still stops when told. `ChildProcess` and the tests' `SpawnedProcess` both start children
/// through it; `fileActions` sets up the child's descriptors.
package enum CleanSpawn {
    /// The child's pid, or the errno of the failed spawn.
    package static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String],
        fileActions: (inout posix_spawn_file_actions_t) -> Void
    ) -> Result<pid_t, SpawnErrno> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        fileActions(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var child = pid_t()
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, env)
        return rc == 0 ? .success(child) : .failure(SpawnErrno(code: rc))
    }

    /// Why `posix_spawn` failed.
    package struct SpawnErrno: Error, CustomStringConvertible, Sendable {
        package var code: Int32
        package var description: String { String(cString: strerror(code)) }
    }
}

/// This process's environment (`environ`), as `ProcessInfo` would give it.
private func currentEnvironment() -> [String: String] {
    var out: [String: String] = [:]
    let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
    guard var entry = start else { return out }
    while let pointer = entry.pointee {
        let pair = String(cString: pointer)
        if let eq = pair.firstIndex(of: "=") {
            out[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        entry += 1
    }
    return out
}

/// A whole text file (a child's log), nil when it cannot be read.
func readTextFile(_ path: String) -> String? {
    guard let fd = try? FileDescriptor.open(path, .readOnly) else { return nil }
    defer { try? fd.close() }
    var bytes: [UInt8] = []
    while let chunk = try? fd.read(upTo: 65_536), !chunk.isEmpty { bytes += chunk }
    return String(decoding: bytes, as: UTF8.self)
}

/// A child process could not be started.
package struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}
