import FieldCore
import Synchronization

/// Slows down password guessing: after repeated failed logins a user name, and separately a
/// console line, is locked for a time that doubles with every further failure.
///
/// One guard serves every console session of the gateway (serial, pty, sockets), so switching
/// lines does not reset a user's count. It holds at most `Policy.trackedNames` records; the
/// oldest unlocked ones make room for new names, so random names cannot grow memory.
public final class LoginGuard: Sendable {
    public struct Policy: Sendable, Hashable {
        /// Failures allowed before the first lockout.
        public var freeAttempts: Int
        /// The first lockout; each further failure doubles it.
        public var firstLockout: Duration
        public var longestLockout: Duration
        /// A record with no failure for this long is forgotten.
        public var forgetAfter: Duration
        public var trackedNames: Int

        public init(freeAttempts: Int = 3, firstLockout: Duration = .seconds(30), longestLockout: Duration = .minutes(15),
                    forgetAfter: Duration = .hours(1), trackedNames: Int = 256) {
            self.freeAttempts = max(1, freeAttempts)
            (self.firstLockout, self.longestLockout) = (firstLockout, longestLockout)
            (self.forgetAfter, self.trackedNames) = (forgetAfter, max(8, trackedNames))
        }
    }

    /// Why a login may not be tried now.
    public struct Lockout: Hashable, Sendable {
        /// `user` or `line`.
        public var scope: String
        public var until: Timestamp
    }

    private struct Record {
        var failures = 0
        var lastFailure = Timestamp.epoch
        var lockedUntil: Timestamp?
    }

    public let policy: Policy
    private let records = Mutex<[String: Record]>([:])

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// The lockout in force for `user` on `line` at `now`, the longer one if both are locked.
    public func lockout(user: String?, line: String, now: Timestamp) -> Lockout? {
        records.withLock { r in
            var found: Lockout?
            for (scope, key) in [("line", "line " + line)] + (user.map { [("user", "user " + $0)] } ?? []) {
                if let until = r[key]?.lockedUntil, until > now, until > (found?.until ?? .epoch) {
                    found = Lockout(scope: scope, until: until)
                }
            }
            return found
        }
    }

    /// Counts a failed login; returns the lockout it starts, if any.
    @discardableResult
    public func recordFailure(user: String, line: String, now: Timestamp) -> Lockout? {
        records.withLock { r in
            var result: Lockout?
            for (scope, key) in [("user", "user " + user), ("line", "line " + line)] {
                var rec = r[key] ?? Record()
                if now - rec.lastFailure > policy.forgetAfter { rec = Record() }
                rec.failures += 1
                rec.lastFailure = now
                if rec.failures >= policy.freeAttempts {
                    let doublings = min(rec.failures - policy.freeAttempts, 20)
                    var wait = policy.firstLockout
                    for _ in 0..<doublings where wait < policy.longestLockout { wait = wait * 2 }
                    let until = now + min(wait, policy.longestLockout)
                    rec.lockedUntil = until
                    if until > (result?.until ?? .epoch) { result = Lockout(scope: scope, until: until) }
                }
                if r[key] == nil { makeRoom(&r, now: now) }
                r[key] = rec
            }
            return result
        }
    }

    /// A good login clears the user's and the line's failures.
    public func recordSuccess(user: String, line: String) {
        records.withLock { r in
            r["user " + user] = nil
            r["line " + line] = nil
        }
    }

    /// Names currently tracked (for checking the bound).
    public var trackedCount: Int { records.withLock { $0.count } }

    private func makeRoom(_ r: inout [String: Record], now: Timestamp) {
        guard r.count >= policy.trackedNames else { return }
        r = r.filter { now - $0.value.lastFailure <= policy.forgetAfter }
        while r.count >= policy.trackedNames {
            let candidates = r.filter { ($0.value.lockedUntil ?? .epoch) <= now }
            let pool = candidates.isEmpty ? r : candidates
            guard let oldest = pool.min(by: { $0.value.lastFailure < $1.value.lastFailure })?.key else { return }
            r[oldest] = nil
        }
    }
}
