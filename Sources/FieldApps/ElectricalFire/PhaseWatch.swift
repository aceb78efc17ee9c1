import FieldCore

/// One phase's supply: over-voltage, under-voltage, phase loss and over-current. A lost phase
/// (below `phase-loss-voltage`) is phase loss, not also under-voltage.
struct PhaseWatch: Sendable {
    /// "a", "b" or "c": the points are `voltage-a` and `current-a`.
    let phase: String
    var over: ThresholdRule
    var under: ThresholdRule
    var loss: ThresholdRule
    var overCurrent: ThresholdRule?

    init(_ phase: String, _ s: ElectricalFireSettings) {
        self.phase = phase
        let name = "phase \(phase.uppercased()) voltage"
        over = ThresholdRule(.high, limit: s.overVoltage, hysteresis: s.voltageHysteresis, onDelay: s.voltageDelay,
                             offDelay: s.clearDelay, name: name, unit: "V")
        under = ThresholdRule(.low, limit: s.underVoltage, hysteresis: s.voltageHysteresis, onDelay: s.voltageDelay,
                              offDelay: s.clearDelay, name: name, unit: "V")
        // Back above the loss limit by 10 V for the same delay: a phase that is back.
        loss = ThresholdRule(.low, limit: s.phaseLossVoltage, hysteresis: 10, onDelay: s.phaseLossDelay,
                             offDelay: s.phaseLossDelay, name: name, unit: "V")
        overCurrent = s.overCurrent.map {
            ThresholdRule(.high, limit: $0, hysteresis: $0 * 0.05, onDelay: s.overCurrentDelay, offDelay: s.clearDelay,
                          name: "phase \(phase.uppercased()) current", unit: "A")
        }
    }

    var voltagePoint: String { "voltage-" + phase }
    var currentPoint: String { "current-" + phase }

    /// Judges the phase's latest voltage and current; the signals by alarm type.
    mutating func evaluate(voltage: Reading?, current: Reading?, now: Timestamp) -> [(String, AlarmSignal)] {
        var out: [(String, AlarmSignal)] = []
        if let v = voltage {
            if var s = loss.evaluate(v, now: now) {
                if case .raise(let value, let message) = s { s = .raise(value: value, message: "phase lost: " + message) }
                out.append(("phase-loss", s))
            }
            if let n = v.goodNumber, n < loss.limit || loss.isActive {
                under.hold()
            } else if let s = under.evaluate(v, now: now) {
                out.append(("under-voltage", s))
            }
            if let s = over.evaluate(v, now: now) { out.append(("over-voltage", s)) }
        }
        if let c = current, var rule = overCurrent {
            if let s = rule.evaluate(c, now: now) { out.append(("over-current", s)) }
            overCurrent = rule
        }
        return out
    }
}
