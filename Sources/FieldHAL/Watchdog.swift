import FieldSystem
import Synchronization

/// The board's hardware watchdog (`/dev/watchdog`, the Linux watchdog API).
///
/// Opening it arms it: from then on `keepAlive()` must come within the timeout or the board
/// resets. Only `stop()` disarms it (the "magic close": a `V` written before closing). Anything
/// else — a crash, a hang, an exit without `stop()`, this object going away — leaves it armed, so
/// a gateway that stops feeding gets the board restarted. Drivers built with `nowayout` ignore
/// the magic close.
package final class Watchdog: Sendable {
    package let path: String
    private let descriptor: FileDescriptor
    private let closed = Atomic<Bool>(false)

    /// Opens and arms the watchdog.
    ///
    /// - Parameters:
    ///   - timeout: a timeout to set (`WDIOC_SETTIMEOUT`); `nil` keeps the driver's.
    /// - Throws: `SystemError` naming the device: `open /dev/watchdog: No such file or directory`
    ///   on a board without one, `EBUSY` when another program (systemd, a watchdog daemon) has it.
    package init(path: String = "/dev/watchdog", timeout: Duration? = nil) throws(SystemError) {
        self.path = path
        descriptor = try FileDescriptor.open(path, .writeOnly)
        guard let timeout else { return }
        do {
            try setTimeout(timeout)
        } catch {
            // A watchdog we cannot configure must not be left armed by an object nobody holds.
            try? stop()
            throw error
        }
    }

    deinit {
        if !closed.exchange(true, ordering: .acquiringAndReleasing) { try? descriptor.close() }
    }

    /// Feeds the watchdog (`WDIOC_KEEPALIVE`).
    package func keepAlive() throws(SystemError) {
        var unused: CInt = 0
        try descriptor.control(Self.keepAliveRequest, &unused, name: "ioctl(WDIOC_KEEPALIVE)", subject: path)
    }

    /// Sets the timeout (`WDIOC_SETTIMEOUT`, whole seconds, rounded up).
    ///
    /// - Returns: the timeout the driver chose, which may differ (hardware has limited steps).
    @discardableResult
    package func setTimeout(_ timeout: Duration) throws(SystemError) -> Duration {
        let c = timeout.components
        var seconds = CInt(clamping: c.seconds + (c.attoseconds > 0 ? 1 : 0))
        try descriptor.control(Self.setTimeoutRequest, &seconds, name: "ioctl(WDIOC_SETTIMEOUT)", subject: path)
        return .seconds(Int(seconds))
    }

    /// The current timeout (`WDIOC_GETTIMEOUT`).
    package func timeout() throws(SystemError) -> Duration {
        var seconds: CInt = 0
        try descriptor.control(Self.getTimeoutRequest, &seconds, name: "ioctl(WDIOC_GETTIMEOUT)", subject: path)
        return .seconds(Int(seconds))
    }

    /// Disarms the watchdog on a clean shutdown: writes the magic `V`, then closes. Calling it
    /// again does nothing.
    package func stop() throws(SystemError) {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        do {
            try descriptor.writeAll(Array("V".utf8))
        } catch {
            try? descriptor.close()
            throw error.about(path)
        }
        try descriptor.close()
    }

    // The ioctl numbers of <linux/watchdog.h>: _IOR('W', 5, int), _IOWR('W', 6, int) and
    // _IOR('W', 7, int) in the generic encoding that ARM, ARM64, x86 and RISC-V use. Swift
    // cannot import the _IOR macros.
    #if !(arch(arm) || arch(arm64) || arch(x86_64) || arch(i386) || arch(riscv64))
    #error("the watchdog ioctl numbers below are the asm-generic encoding: check <asm/ioctl.h> for this architecture")
    #endif
    private static let keepAliveRequest: UInt = 0x8004_5705
    private static let setTimeoutRequest: UInt = 0xC004_5706
    private static let getTimeoutRequest: UInt = 0x8004_5707
}
