#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

extension FileDescriptor {
    /// Readiness conditions of `poll(2)`.
    package struct PollEvents: OptionSet, Hashable, Sendable {
        package let rawValue: Int16
        package init(rawValue: Int16) { self.rawValue = rawValue }

        /// `POLLIN`: data (or an end of file, or a GPIO edge) waiting to be read.
        package static let readable = PollEvents(rawValue: Int16(POLLIN))
        /// `POLLPRI`: urgent data.
        package static let priority = PollEvents(rawValue: Int16(POLLPRI))
        /// `POLLOUT`: room to write.
        package static let writable = PollEvents(rawValue: Int16(POLLOUT))
        /// `POLLERR`: an error condition (always reported, never asked for).
        package static let error = PollEvents(rawValue: Int16(POLLERR))
        /// `POLLHUP`: the other end hung up (always reported).
        package static let hangUp = PollEvents(rawValue: Int16(POLLHUP))
        /// `POLLNVAL`: the descriptor is not open (always reported).
        package static let invalid = PollEvents(rawValue: Int16(POLLNVAL))
    }

    /// One descriptor in a `poll(2)` set: what to wait for and, afterwards, what happened.
    package struct PollRequest: Hashable, Sendable {
        package var descriptor: FileDescriptor
        package var events: PollEvents
        /// Filled in by `poll`: the conditions that are true now.
        package var returned: PollEvents = []

        package init(_ descriptor: FileDescriptor, _ events: PollEvents = .readable) {
            self.descriptor = descriptor
            self.events = events
        }

        /// Readable, hung up or failed: a read will not block.
        package var isReady: Bool { !returned.isDisjoint(with: [.readable, .hangUp, .error, .invalid]) }
    }

    /// Waits until one of `requests` is ready or `timeout` has passed (`poll(2)`).
    ///
    /// An interrupted wait is resumed with the time that is left, so a signal never shortens or
    /// stretches the timeout.
    ///
    /// - Parameters:
    ///   - timeout: how long to wait at most; `nil` waits until something is ready, `.zero` only looks.
    /// - Returns: how many descriptors are ready (0 on timeout); their `returned` fields say how.
    package static func poll(_ requests: inout [PollRequest], timeout: Duration?) throws(SystemError) -> Int {
        var fds = requests.map { pollfd(fd: $0.descriptor.rawValue, events: $0.events.rawValue, revents: 0) }
        let deadline = timeout.map(monotonicDeadline(after:))
        var ready: CInt
        while true {
            let waitMs = deadline.map { pollMilliseconds(until: $0) } ?? -1
            ready = fds.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t($0.count), waitMs) }
            if ready >= 0 { break }
            let e = SystemError.current("poll")
            if e.code != EINTR { throw e }
        }
        for i in requests.indices {
            requests[i].returned = PollEvents(rawValue: fds[i].revents)
        }
        return Int(ready)
    }

    /// Waits until this descriptor is ready for `events` or `timeout` has passed.
    ///
    /// - Returns: the conditions that are true (empty on timeout).
    package static func poll(_ descriptor: FileDescriptor, for events: PollEvents, timeout: Duration?) throws(SystemError) -> PollEvents {
        var set = [PollRequest(descriptor, events)]
        _ = try poll(&set, timeout: timeout)
        return set[0].returned
    }
}

/// A non-negative duration in nanoseconds, saturating instead of overflowing.
package func nanoseconds(_ d: Duration) -> UInt64 {
    let c = d.components
    guard c.seconds >= 0, c.attoseconds >= 0 else { return 0 }
    let (whole, overflow) = UInt64(c.seconds).multipliedReportingOverflow(by: 1_000_000_000)
    if overflow { return .max }
    return whole &+ UInt64(c.attoseconds / 1_000_000_000)
}

/// The monotonic time (ns) `d` from now, saturating far in the future.
package func monotonicDeadline(after d: Duration) -> UInt64 {
    let now = monotonicNanoseconds()
    let n = nanoseconds(d)
    return n > UInt64.max - now ? UInt64.max : now + n
}

/// Milliseconds from now until `deadline` (monotonic ns) for `poll(2)`, rounded up so a wait
/// never spins on a zero timeout while a fraction of a millisecond is left.
package func pollMilliseconds(until deadline: UInt64) -> CInt {
    let now = monotonicNanoseconds()
    guard deadline > now else { return 0 }
    let ms = (deadline - now + 999_999) / 1_000_000
    return CInt(min(ms, UInt64(CInt.max)))
}
