import FieldCore
import Synchronization

/// The simulator's clock: wall-clock time that may run faster than real time (a scenario's
/// "accelerate ×60"). Physics steps on it; the wire (pacing, timeouts, the gateway's polls)
/// keeps real time. The rate can change while it runs: simulated time stays continuous.
package final class SimulationClock: FieldClock, Sendable {
    private struct Anchor {
        /// Real monotonic time of the anchor (ns).
        var real: UInt64
        /// Simulated time at the anchor (ms since the epoch, fractional).
        var simulated: Double
        var rate: Double
    }

    private let anchor: Mutex<Anchor>

    /// - Parameters:
    ///   - start: simulated time now.
    ///   - rate: simulated seconds per real second.
    package init(start: Timestamp = SystemClock().now(), rate: Double = 1) {
        anchor = Mutex(Anchor(real: monotonicNanoseconds(), simulated: Double(start.milliseconds), rate: max(rate, 0)))
    }

    package func now() -> Timestamp {
        let real = monotonicNanoseconds()
        return anchor.withLock { a in
            Timestamp(milliseconds: Int64((a.simulated + Double(real &- a.real) / 1_000_000 * a.rate).rounded(.down)))
        }
    }

    /// Simulated seconds per real second.
    package var rate: Double { anchor.withLock { $0.rate } }

    /// Changes the rate from now on.
    package func setRate(_ rate: Double) {
        let real = monotonicNanoseconds()
        anchor.withLock { a in
            a.simulated += Double(real &- a.real) / 1_000_000 * a.rate
            a.real = real
            a.rate = max(rate, 0)
        }
    }
}
