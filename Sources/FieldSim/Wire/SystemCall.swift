#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldHAL

/// Runs a C call that returns -1 and sets `errno` on failure, retrying `EINTR`: the simulator's
/// one place where a failed system call becomes a `SystemError` with errno and function.
func systemCall<R: FixedWidthInteger>(_ function: String, subject: String? = nil, _ body: () -> R) throws(SystemError) -> R {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(code: code, function: function, subject: subject)
    }
}

/// Turns `O_NONBLOCK` on for a descriptor the simulator polls.
func setNonBlocking(_ fd: CInt, subject: String) throws(SystemError) {
    let flags = try systemCall("fcntl(F_GETFL)", subject: subject) { fcntl(fd, F_GETFL) }
    _ = try systemCall("fcntl(F_SETFL)", subject: subject) { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
}

/// Monotonic nanoseconds `d` from `now`, for deadlines.
func nanoseconds(_ d: Duration) -> UInt64 {
    let c = d.components
    guard c.seconds >= 0, c.attoseconds >= 0 else { return 0 }
    return UInt64(c.seconds) * 1_000_000_000 + UInt64(c.attoseconds / 1_000_000_000)
}

/// Milliseconds for `poll(2)` until a monotonic deadline, rounded up; -1 (forever) for none.
func pollTimeout(until deadline: UInt64?, now: UInt64) -> CInt {
    guard let deadline else { return -1 }
    guard deadline > now else { return 0 }
    return CInt(min((deadline - now + 999_999) / 1_000_000, UInt64(CInt.max)))
}
