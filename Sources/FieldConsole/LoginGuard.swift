import FieldCore
import FieldRuntime
import FoundationEssentials
import Synchronization

/// Slows down password guessing: after repeated failed logins a user name, and separately a
/// console line, is locked for a time that doubles with every further failure.
///
/// One guard serves every console session of the gateway (serial, pty, sockets), so switching
/// lines does not reset a user's count. It holds at most `Policy.trackedNames` records; the
/// oldest unlocked ones make room for new names, so random names cannot grow memory.
///
/// A login goes through `begin`, which checks the locks and counts the attempt as a failure in one
/// step, before the (slow) password check: eight sessions answering the password prompt at once
/// get as many checks as the policy allows, not eight. With a `file`, the counts survive a
/// restart (a restart must not be a free reset).
package final class LoginGuard: Sendable {
    package struct Policy: Sendable, Hashable {
        /// Failures allowed before the first lockout.
        package var freeAttempts: Int
        /// The first lockout; each further failure doubles it.
        package var firstLockout: Duration
        package var longestLockout: Duration
        /// A record with no failure for this long is forgotten.
        package var forgetAfter: Duration
        package var trackedNames: Int

        package init(freeAttempts: Int = 3, firstLockout: Duration = .seconds(30), longestLockout: Duration = .minutes(15),
                    forgetAfter: Duration = .hours(1), trackedNames: Int = 256) {
            self.freeAttempts = max(1, freeAttempts)
            (self.firstLockout, self.longestLockout) = (firstLockout, longestLockout)
            (self.forgetAfter, self.trackedNames) = (forgetAfter, max(8, trackedNames))
        }
    }

    /// Why a login may not be tried now.
    package struct Lockout: Hashable, Sendable {
        /// `user` or `line`.
        package var scope: String
        package var until: Timestamp
    }

    /// A login being tried: already counted as a failure; `succeeded` takes that back.
    package struct Attempt: Hashable, Sendable {
        package var user: String
        package var line: String
        /// The lockout this attempt started, should its password be wrong.
        package var lockoutIfWrong: Lockout?
    }

    /// What `begin` decided.
    package enum Admission: Hashable, Sendable {
        /// Check the password, then call `succeeded` if it is right.
        case check(Attempt)
        /// Do not check the password (do the same work, so the answer takes as long).
        case locked(Lockout)
    }

    private struct Record {
        var failures = 0
        var lastFailure = Timestamp.epoch
        var lockedUntil: Timestamp?
    }

    package let policy: Policy
    /// Where the counts are kept across restarts (JSON, written atomically); nil: memory only.
    package let file: String?
    private let records = Mutex<[String: Record]>([:])
    private let log = Logger("console")

    /// - Parameter file: the counts' file in the state directory; one that cannot be read is
    ///   logged and replaced at the next failure.
    package init(policy: Policy = Policy(), file: String? = nil) {
        self.policy = policy
        self.file = file
        if let file { records.withLock { $0 = load(file) } }
    }

    /// Atomically: refuses when the user or the line is locked at `now`; otherwise counts this
    /// attempt as a failed login (starting a lockout if it is one too many) and admits it.
    package func begin(user: String, line: String, now: Timestamp) -> Admission {
        records.withLock { r in
            if let lock = lockout(in: r, user: user, line: line, now: now) { return .locked(lock) }
            let lock = fail(&r, user: user, line: line, now: now)
            save(r)
            return .check(Attempt(user: user, line: line, lockoutIfWrong: lock))
        }
    }

    /// The password of `attempt` was right: clears the user's and the line's failures.
    package func succeeded(_ attempt: Attempt) {
        recordSuccess(user: attempt.user, line: attempt.line)
    }

    /// The lockout in force for `user` on `line` at `now`, the longer one if both are locked.
    package func lockout(user: String?, line: String, now: Timestamp) -> Lockout? {
        records.withLock { r in lockout(in: r, user: user, line: line, now: now) }
    }

    /// Counts a failed login; returns the lockout it starts, if any.
    @discardableResult
    package func recordFailure(user: String, line: String, now: Timestamp) -> Lockout? {
        records.withLock { r in
            let lock = fail(&r, user: user, line: line, now: now)
            save(r)
            return lock
        }
    }

    private func lockout(in r: [String: Record], user: String?, line: String, now: Timestamp) -> Lockout? {
        var found: Lockout?
        for (scope, key) in [("line", "line " + line)] + (user.map { [("user", "user " + $0)] } ?? []) {
            if let until = r[key]?.lockedUntil, until > now, until > (found?.until ?? .epoch) {
                found = Lockout(scope: scope, until: until)
            }
        }
        return found
    }

    private func fail(_ r: inout [String: Record], user: String, line: String, now: Timestamp) -> Lockout? {
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

    /// A good login clears the user's and the line's failures.
    package func recordSuccess(user: String, line: String) {
        records.withLock { r in
            guard r["user " + user] != nil || r["line " + line] != nil else { return }
            r["user " + user] = nil
            r["line " + line] = nil
            save(r)
        }
    }

    /// Names currently tracked (for checking the bound).
    package var trackedCount: Int { records.withLock { $0.count } }

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

    // MARK: - The file

    /// Written under the lock, so the file always holds the latest counts.
    private func save(_ r: [String: Record]) {
        guard let file else { return }
        var o: [String: JSONValue] = [:]
        for (key, rec) in r {
            o[key] = ["failures": .number(Double(rec.failures)), "lastFailure": .number(Double(rec.lastFailure.milliseconds)),
                      "lockedUntil": rec.lockedUntil.map { .number(Double($0.milliseconds)) } ?? .null]
        }
        do {
            try DurableFile.replace(file, with: Array(JSONValue.object(o).serialized().utf8), permissions: 0o600)
        } catch {
            log.warning("login failures not saved: \(error)")
        }
    }

    private func load(_ file: String) -> [String: Record] {
        let bytes: [UInt8]?
        do {
            bytes = try DurableFile.read(file)
        } catch {
            log.warning("login failures not read: \(error)")
            return [:]
        }
        guard let bytes else { return [:] }
        guard let value = try? JSONValue.parse(Data(bytes)), case .object(let o) = value else {
            log.warning("\(file): not the login failures' JSON; starting with none counted")
            return [:]
        }
        var r: [String: Record] = [:]
        for (key, v) in o.prefix(policy.trackedNames) {
            // Milliseconds since the epoch; anything else (or out of Int64's range) is left out.
            func ms(_ name: String) -> Int64? { v[name]?.numberValue.flatMap { Int64(exactly: $0) } }
            guard let failures = v["failures"]?.numberValue.flatMap({ Int(exactly: $0) }), failures > 0, let last = ms("lastFailure") else { continue }
            r[key] = Record(failures: min(failures, 1000), lastFailure: Timestamp(milliseconds: last), lockedUntil: ms("lockedUntil").map(Timestamp.init(milliseconds:)))
        }
        return r
    }
}
