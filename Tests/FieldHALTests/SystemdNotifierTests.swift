import Foundation
import Glibc
import Testing
@testable import FieldHAL

/// The notifier against a datagram socket the test binds, where systemd would.
@Suite struct SystemdNotifierTests {
    /// A bound datagram socket standing in for systemd's notify socket.
    final class FakeSystemd {
        let socket: FileDescriptor
        init(path: String) throws {
            socket = try FileDescriptor.unixSocket(.datagram)
            try socket.bind(unixPath: path)
        }
        deinit { try? socket.close() }

        func nextMessage() throws -> String? {
            guard try !FileDescriptor.poll(socket, for: .readable, timeout: .seconds(5)).isEmpty else { return nil }
            return String(decoding: try socket.receive(upTo: 4096), as: UTF8.self)
        }
    }

    @Test func readyWatchdogStatusAndStoppingReachTheSocket() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let systemd = try FakeSystemd(path: dir.path + "/notify")
        let notifier = try #require(try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": dir.path + "/notify"]))
        try notifier.ready(status: "polling 12 devices\non 3 buses")
        #expect(try systemd.nextMessage() == "READY=1\nSTATUS=polling 12 devices on 3 buses")
        try notifier.watchdog()
        #expect(try systemd.nextMessage() == "WATCHDOG=1")
        try notifier.status("bus rs485-1 offline")
        #expect(try systemd.nextMessage() == "STATUS=bus rs485-1 offline")
        try notifier.stopping()
        #expect(try systemd.nextMessage() == "STOPPING=1")
    }

    @Test func anAbstractSocketNameWorks() throws {
        let name = "@fieldhal-notify-" + UUID().uuidString.prefix(8)
        let systemd = try FakeSystemd(path: name)
        let notifier = try SystemdNotifier(socketPath: name)
        try notifier.watchdog()
        #expect(try systemd.nextMessage() == "WATCHDOG=1")
    }

    @Test func withoutSystemdThereIsNoNotifierAndAGoneSocketIsAClearError() throws {
        #expect(try SystemdNotifier.fromEnvironment([:]) == nil)
        #expect(try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": ""]) == nil)
        let notifier = try SystemdNotifier(socketPath: "/run/fieldhal-no-such/notify")
        #expect(throws: SystemError(code: ENOENT, function: "sendto", subject: "/run/fieldhal-no-such/notify")) { try notifier.watchdog() }
    }

    @Test func theWatchdogIntervalComesFromTheEnvironmentForThisProcessOnly() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "20000000"]) == .seconds(20))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "\(getpid())"]) == .seconds(20))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "1"], processID: 4242) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "soon"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
    }
}
