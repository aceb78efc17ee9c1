#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import Foundation
import Synchronization

/// A process the simulator's tools start — the gateway a scenario runs, the `fieldsim` and
/// `fieldgate` processes of the end-to-end tests — with its output in a log file, stopped with
/// SIGTERM (then SIGKILL) by `terminate`, on deinit, and by `terminateAll` when the tool itself
/// is interrupted, so nothing it started outlives it.
public final class ChildProcess: @unchecked Sendable {
    public let executable: String
    public let arguments: [String]
    public let logPath: String
    private let process: Process
    private let log: FileHandle

    private static let live = Mutex<Set<Int32>>([])

    /// Starts `executable` with `arguments`; stdout and stderr go to `logPath`.
    ///
    /// - Parameter environment: added to (and overriding) this process's environment.
    /// - Throws: when the executable cannot be started.
    public init(executable: String, arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
        guard FileManager.default.createFile(atPath: logPath, contents: nil), let log = FileHandle(forWritingAtPath: logPath) else {
            throw ChildProcessError("cannot write the log \(logPath)")
        }
        self.log = log
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? log.close()
            throw ChildProcessError("cannot start \(executable): \(error)")
        }
        let pid = process.processIdentifier
        Self.live.withLock { _ = $0.insert(pid) }
    }

    deinit { terminate(grace: .seconds(2)) }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// The exit status, once it has exited.
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// Waits up to `timeout` for the process to exit; its status, or nil if it still runs.
    @discardableResult
    public func waitForExit(timeout: Duration) -> Int32? {
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        while process.isRunning, monotonicMilliseconds() < deadline { usleep(10_000) }
        return exitStatus
    }

    /// SIGTERM, then SIGKILL if it has not exited after `grace`; returns its exit status.
    @discardableResult
    public func terminate(grace: Duration = .seconds(5)) -> Int32 {
        if process.isRunning {
            kill(pid, SIGTERM)
            if waitForExit(timeout: grace) == nil {
                kill(pid, SIGKILL)
                process.waitUntilExit()
            }
        }
        Self.live.withLock { _ = $0.remove(pid) }
        try? log.close()
        return process.terminationStatus
    }

    /// The last `lines` lines of the process's output.
    public func logTail(lines: Int = 30) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Kills every child still running (from a signal handler's thread: the tool is exiting).
    public static func terminateAll() {
        let pids = live.withLock { p in defer { p.removeAll() }; return p }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = monotonicMilliseconds() + 3000
        for pid in pids {
            while kill(pid, 0) == 0, monotonicMilliseconds() < deadline { usleep(20_000) }
            kill(pid, SIGKILL)
        }
    }
}

/// A child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Waiting for readiness signals — a file appearing, a socket accepting, an answer — by polling
/// with a deadline: no fixed sleeps.
public enum Waiting {
    /// Calls `condition` every `interval` until it returns a value or `timeout` passes.
    public static func until<T>(timeout: Duration, interval: Duration = .milliseconds(50), _ condition: () throws -> T?) rethrows -> T? {
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        while true {
            if let v = try condition() { return v }
            if monotonicMilliseconds() >= deadline { return nil }
            usleep(useconds_t(max(1, interval.milliseconds) * 1000))
        }
    }

    /// True once `path` exists.
    public static func forFile(_ path: String, timeout: Duration) -> Bool {
        until(timeout: timeout) { FileManager.default.fileExists(atPath: path) ? true : nil } ?? false
    }

    /// A short temporary directory (Unix socket paths are limited to 107 bytes), removed by the
    /// caller.
    public static func temporaryDirectory(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ChildProcessError("mkdtemp: \(String(cString: strerror(errno)))") }
        return String(cString: made)
    }

    /// A TCP port on 127.0.0.1 that nobody listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ChildProcessError("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
