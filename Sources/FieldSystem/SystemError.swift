#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call: the errno, the C function that failed and what it was working on.
///
/// `open /dev/watchdog: No such file or directory (errno 2)` tells a technician both what broke and
/// where, which a bare errno does not.
package struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The errno value, e.g. `ENOENT` (2) or `EBUSY` (16).
    package var code: CInt
    /// The C function that failed, e.g. `open`, `poll`, `tcsetattr`, `ioctl(WDIOC_KEEPALIVE)`.
    package var function: String
    /// What the call was about: a device or socket path, a line name. `nil` when nothing useful.
    package var subject: String?

    package init(code: CInt, function: String, subject: String? = nil) {
        self.code = code
        self.function = function
        self.subject = subject
    }

    /// The error the calling thread's `errno` holds right now.
    package static func current(_ function: String, subject: String? = nil) -> SystemError {
        SystemError(code: errno, function: function, subject: subject)
    }

    /// The C library's text for `code` (`strerror`).
    package var message: String { String(cString: strerror(code)) }

    /// `EAGAIN`/`EWOULDBLOCK`: a non-blocking descriptor has nothing to give right now.
    package var isWouldBlock: Bool { code == EAGAIN || code == EWOULDBLOCK }

    /// The device does not do this `ioctl` (a watchdog request to something that is not a
    /// watchdog, `TIOCSRS485` to a UART without RS-485): `ENOTTY` from Linux, `ENOSYS` from
    /// qemu-user, which answers so for ioctls it does not translate (docs/install.md, "Under
    /// qemu-user").
    package var isUnsupportedRequest: Bool { code == ENOTTY || code == ENOSYS }

    package var description: String {
        let what = subject.map { "\(function) \($0)" } ?? function
        return "\(what): \(message) (errno \(code))"
    }

    /// The same error about a different subject (a path known only to the caller).
    package func about(_ subject: String) -> SystemError {
        SystemError(code: code, function: function, subject: subject)
    }
}

/// Runs a C call that returns -1 and sets `errno` on failure, retrying `EINTR`.
///
/// FieldSystem's calls that report failure as -1 and errno go through here, so an interrupted call is retried in one
/// place and every failure carries its errno and function.
@inline(__always)
package func systemCall<Result: FixedWidthInteger>(
    _ function: String, subject: String? = nil, _ body: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(code: code, function: function, subject: subject)
    }
}
