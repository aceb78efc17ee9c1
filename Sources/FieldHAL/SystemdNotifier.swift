import FoundationEssentials

/// Tells systemd how the service is doing, over the `NOTIFY_SOCKET` datagram socket
/// (`sd_notify(3)`'s protocol, without libsystemd): `READY=1` once started, `WATCHDOG=1` while
/// healthy, `STOPPING=1` on shutdown, `STATUS=` for `systemctl status`.
///
/// With `WatchdogSec=` in the unit, systemd restarts the service when `WATCHDOG=1` stops coming
/// for that long; send it about every half of `watchdogInterval(environment:)`.
package final class SystemdNotifier: Sendable {
    /// The notify socket: a path, or `@name` for an abstract socket.
    package let socketPath: String
    private let socket: FileDescriptor

    /// A notifier for the socket systemd named in `NOTIFY_SOCKET`, or `nil` when the service was
    /// not started by systemd with `Type=notify`.
    package static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SystemError) -> SystemdNotifier? {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        return try SystemdNotifier(socketPath: path)
    }

    /// How often systemd expects `WATCHDOG=1` (`WATCHDOG_USEC`), or `nil` when it expects none or
    /// the setting is meant for another process (`WATCHDOG_PID`).
    package static func watchdogInterval(
        environment: [String: String] = ProcessInfo.processInfo.environment, processID: Int32 = ProcessInfo.processInfo.processIdentifier
    ) -> Duration? {
        if let pid = environment["WATCHDOG_PID"], Int32(pid) != processID { return nil }
        guard let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 else { return nil }
        return .microseconds(usec)
    }

    package init(socketPath: String) throws(SystemError) {
        self.socketPath = socketPath
        socket = try FileDescriptor.unixSocket(.datagram)
    }

    deinit { try? socket.close() }

    /// `READY=1`: start-up is complete (buses open, outputs in their safe state).
    package func ready(status: String? = nil) throws(SystemError) {
        try send(["READY=1"] + (status.map { ["STATUS=" + Self.oneLine($0)] } ?? []))
    }

    /// `WATCHDOG=1`: every worker is alive.
    package func watchdog() throws(SystemError) { try send(["WATCHDOG=1"]) }

    /// `STOPPING=1`: a clean shutdown has begun.
    package func stopping() throws(SystemError) { try send(["STOPPING=1"]) }

    /// `STATUS=…`: one line for `systemctl status`.
    package func status(_ text: String) throws(SystemError) { try send(["STATUS=" + Self.oneLine(text)]) }

    /// Sends `VARIABLE=value` assignments in one datagram.
    ///
    /// - Throws: `SystemError` from `sendto`, naming the socket.
    package func send(_ assignments: [String]) throws(SystemError) {
        try socket.send(Array(assignments.joined(separator: "\n").utf8), toUnixPath: socketPath)
    }

    /// Newlines separate assignments, so a status text must not contain any.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
