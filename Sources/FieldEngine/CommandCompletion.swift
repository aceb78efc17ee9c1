import FieldCore
import Synchronization

/// The answer to one app command, held until every write the command caused has taken effect on
/// its device or failed: the console and the platform are told "dim 50 %" only after the
/// controller took it, and a write the device refused is the command's answer (its error), not
/// a line in the log.
///
/// The engine holds it while it applies the app's effects (`hold` per write, `answer` for the
/// app's own reply) and lets go with `release`; the bus workers' replies (any thread) call
/// `settle`. The caller's reply runs once, when the last of them is done, outside the lock.
final class CommandCompletion: Sendable {
    typealias Reply = @Sendable (Result<JSONValue, CommandError>) -> Void

    private struct State {
        /// Writes under way, plus one while the engine is still applying effects.
        var outstanding = 1
        var answer: Result<JSONValue, CommandError> = .success(.null)
        var failure: CommandError?
    }

    private let reply: Reply
    private let state = Mutex(State())

    init(reply: @escaping Reply) {
        self.reply = reply
    }

    /// The app's own answer (the one used when every write succeeded).
    func answer(_ result: Result<JSONValue, CommandError>) {
        state.withLock { $0.answer = result }
    }

    /// One more write to wait for.
    func hold() {
        state.withLock { $0.outstanding += 1 }
    }

    /// A write of `ref` is done: a failure becomes the command's answer (the first one wins).
    func settle(_ ref: PointRef, _ result: Result<JSONValue, CommandError>) {
        let failure: CommandError? = if case .failure(let e) = result {
            CommandError(e.code == .deviceError || e.code == .unavailable ? e.code : .deviceError, "writing \(ref): \(e.message)")
        } else {
            nil
        }
        finish { s in
            if let failure, s.failure == nil { s.failure = failure }
        }
    }

    /// The engine has applied every effect.
    func release() {
        finish { _ in }
    }

    private func finish(_ change: (inout State) -> Void) {
        let done: Result<JSONValue, CommandError>? = state.withLock { s in
            change(&s)
            s.outstanding -= 1
            guard s.outstanding == 0 else { return nil }
            if case .failure = s.answer { return s.answer }
            return s.failure.map { .failure($0) } ?? s.answer
        }
        if let done { reply(done) }
    }
}
