import FieldCore
import Synchronization

/// The fault switch of one device, bus or TCP endpoint: set, change or clear a `WireFault` from
/// any thread while the servers run; it applies from the next request.
package final class WireFaults: Sendable {
    private struct State {
        var fault: WireFault?
        var generator = SplitMix64(seed: 0)
        var hits = 0
    }

    private let state = Mutex(State())

    package init(_ fault: WireFault? = nil) {
        set(fault)
    }

    /// The fault in force, nil when healthy.
    package var fault: WireFault? { state.withLock { $0.fault } }

    /// How many requests the fault in force has hit (intermittent faults hit only some).
    package var hits: Int { state.withLock { $0.hits } }

    /// Puts `fault` in force (nil clears it); an intermittent fault starts its sequence afresh.
    package func set(_ fault: WireFault?) {
        state.withLock { s in
            s.fault = fault
            s.hits = 0
            if case .intermittent(_, let seed, _) = fault { s.generator = SplitMix64(seed: seed) }
        }
    }

    package func clear() { set(nil) }

    /// What happens to the request arriving now: the fault that hits it, nil when none does.
    func strike() -> WireFault? {
        state.withLock { s in
            guard let fault = s.fault else { return nil }
            let hit = Self.resolve(fault, &s.generator)
            if hit != nil { s.hits += 1 }
            return hit
        }
    }

    private static func resolve(_ fault: WireFault, _ generator: inout SplitMix64) -> WireFault? {
        guard case .intermittent(let percent, _, let inner) = fault else { return fault }
        let draw = Double(generator.next() >> 11) / Double(UInt64(1) << 53) * 100
        return draw < percent ? resolve(inner, &generator) : nil
    }
}
