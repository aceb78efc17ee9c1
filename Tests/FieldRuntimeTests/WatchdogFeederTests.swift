import FieldCore
import FieldHAL
import FoundationEssentials
import Synchronization
import Testing
@testable import FieldRuntime

@Suite struct WatchdogFeederTests {
    @Test func feedsSystemdOnlyWhileEveryWorkerIsAlive() throws {
        let path = FileManager.default.temporaryDirectory.path + "/fg-notify-\(UInt32.random(in: 0...UInt32.max)).sock"
        let socket = try FileDescriptor.unixSocket(.datagram)
        try socket.bind(unixPath: path)
        defer {
            try? socket.close()
            try? FileManager.default.removeItem(atPath: path)
        }
        let stale = Mutex<String?>(nil)
        let feeder = WatchdogFeeder(board: nil, environment: ["NOTIFY_SOCKET": path]) { stale.withLock { $0 } }
        func received() throws -> [String] {
            var messages: [String] = []
            while try FileDescriptor.poll(socket, for: .readable, timeout: .milliseconds(100)).contains(.readable) {
                messages.append(String(decoding: try socket.receive(upTo: 4096), as: UTF8.self))
            }
            return messages
        }
        feeder.ready(status: "test")
        feeder.tick()
        #expect(try received() == ["READY=1\nSTATUS=test", "WATCHDOG=1"])
        stale.withLock { $0 = "bus rs485-1" }
        feeder.tick()
        feeder.tick()
        #expect(try received().isEmpty, "a hung worker starves the watchdog")
        stale.withLock { $0 = nil }
        feeder.tick()
        feeder.stop()
        #expect(try received() == ["WATCHDOG=1", "STOPPING=1"])
    }

    @Test func aMissingWatchdogDeviceIsLoggedNotFatal() {
        let feeder = WatchdogFeeder(board: .init(device: "/dev/no-such-watchdog", timeout: .seconds(15)), environment: [:]) { nil }
        feeder.tick()
        feeder.stop()
        #expect(LogBook.shared.recent(500).contains {
            $0.tag == "watchdog" && $0.message.hasPrefix("cannot open the board's watchdog") && $0.message.contains("/dev/no-such-watchdog")
        })
    }
}
