import Foundation
import Glibc
import Testing
import FieldHAL

/// No watchdog device here: what can be shown is clean failure, and the magic close on a file
/// standing in for the device.
@Suite struct WatchdogTests {
    /// The watchdog's ioctls on a file: `ENOTTY` from Linux, `ENOSYS` under qemu-user (the arm64
    /// run, scripts/arm64.sh unit); the call and the path are named either way.
    static func expectUnsupported(_ function: String, _ path: String, sourceLocation: SourceLocation = #_sourceLocation,
                                  _ body: () throws(SystemError) -> Void) {
        do {
            try body()
            Issue.record("\(function) on \(path) succeeded", sourceLocation: sourceLocation)
        } catch {
            #expect(error.isUnsupportedRequest && error.function == function && error.subject == path, "\(error)",
                    sourceLocation: sourceLocation)
        }
    }

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
        Self.expectUnsupported("ioctl(WDIOC_KEEPALIVE)", path) { () throws(SystemError) in try watchdog.keepAlive() }
        Self.expectUnsupported("ioctl(WDIOC_GETTIMEOUT)", path) { () throws(SystemError) in _ = try watchdog.timeout() }
        try watchdog.stop()
        try watchdog.stop()
        #expect(FileManager.default.contents(atPath: path) == Data("V".utf8))
    }

    @Test func aTimeoutThatCannotBeSetDisarmsBeforeFailing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/watchdog"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        Self.expectUnsupported("ioctl(WDIOC_SETTIMEOUT)", path) { () throws(SystemError) in _ = try Watchdog(path: path, timeout: .seconds(15)) }
        #expect(FileManager.default.contents(atPath: path) == Data("V".utf8))
    }
}
