import Foundation
import Glibc
import Testing
import FieldHAL

/// No watchdog device here: what can be shown is clean failure, and the magic close on a file
/// standing in for the device.
@Suite struct WatchdogTests {
    @Test func aBoardWithoutAWatchdogGetsAClearError() {
        #expect(throws: SystemError(code: ENOENT, function: "open", subject: "/dev/watchdog9")) {
            try Watchdog(path: "/dev/watchdog9")
        }
    }

    @Test func somethingThatIsNotAWatchdogFailsCleanlyAndACleanStopWritesTheMagicV() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/watchdog"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let watchdog = try Watchdog(path: path)
        #expect(throws: SystemError(code: ENOTTY, function: "ioctl(WDIOC_KEEPALIVE)", subject: path)) { try watchdog.keepAlive() }
        #expect(throws: SystemError(code: ENOTTY, function: "ioctl(WDIOC_GETTIMEOUT)", subject: path)) { try watchdog.timeout() }
        try watchdog.stop()
        try watchdog.stop()
        #expect(FileManager.default.contents(atPath: path) == Data("V".utf8))
    }

    @Test func aTimeoutThatCannotBeSetDisarmsBeforeFailing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/watchdog"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(throws: SystemError(code: ENOTTY, function: "ioctl(WDIOC_SETTIMEOUT)", subject: path)) {
            try Watchdog(path: path, timeout: .seconds(15))
        }
        #expect(FileManager.default.contents(atPath: path) == Data("V".utf8))
    }
}
