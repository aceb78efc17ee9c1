#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// The system's wall clock (`CLOCK_REALTIME`), which a technician sets on a board without RTC.
package enum RealtimeClock {
    /// Sets the wall clock to `time` (`clock_settime(2)`): needs CAP_SYS_TIME.
    ///
    /// - Throws: `SystemError` from `clock_settime`; `isPermissionDenied` without the capability.
    package static func set(to time: Timestamp) throws(SystemError) {
        let ms = time.milliseconds
        var ts = timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms % 1000) * 1_000_000)
        _ = try systemCall("clock_settime") { clock_settime(CLOCK_REALTIME, &ts) }
    }
}

extension SystemError {
    /// `EPERM`: the process lacks the privilege (a capability) for this.
    package var isPermissionDenied: Bool { code == EPERM }
}
