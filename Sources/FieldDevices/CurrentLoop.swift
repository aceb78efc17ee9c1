/// A 4–20 mA loop: the point's value is the loop current in mA, mapped linearly to an engineering
/// range, with quality from the NAMUR NE43 bands (limits configurable per input):
///
/// | current (default limits)          | band                    | reading                               |
/// |-----------------------------------|-------------------------|---------------------------------------|
/// | ≤ 3.6 mA or ≥ 21 mA               | failure (open / short, or the transmitter's failure signal) | no value, quality sensor-fault |
/// | 3.6–3.8 or 20.5–21 mA (exclusive) | ambiguous               | last value kept, quality out-of-range  |
/// | 3.8–4.0 or 20.0–20.5 mA           | saturated (valid)       | the range end, quality good            |
/// | 4–20 mA                           | measurement             | linear value, quality good             |
///
/// The apps escalate a point that stays in a failure or an ambiguous band beyond their
/// sensor-fault delay to a `sensor-fault` alarm, whichever band it is in.
package struct CurrentLoop: Sendable, Hashable {
    /// The engineering value at 4 mA.
    package var low: Double
    /// The engineering value at 20 mA (may be below `low` for a reversed transmitter).
    package var high: Double
    /// The engineering unit ("MPa", "m").
    package var unit: String
    /// At or below this current (mA) the loop is open or the transmitter signals failure.
    package var faultBelow: Double
    /// From this current (mA) up the measurement is valid (saturated below 4 mA).
    package var validFrom: Double
    /// Up to this current (mA) the measurement is valid (saturated above 20 mA).
    package var validTo: Double
    /// At or above this current (mA) the loop is shorted or the transmitter signals failure.
    package var faultAbove: Double

    package static let spanLow = 4.0
    package static let spanHigh = 20.0

    package init(low: Double, high: Double, unit: String, faultBelow: Double = 3.6, validFrom: Double = 3.8,
                validTo: Double = 20.5, faultAbove: Double = 21) {
        self.low = low
        self.high = high
        self.unit = unit
        self.faultBelow = faultBelow
        self.validFrom = validFrom
        self.validTo = validTo
        self.faultAbove = faultAbove
    }

    /// Where a loop current lies among the NE43 bands.
    package enum Band: Sendable, Hashable {
        case failure
        case ambiguous
        case saturatedLow
        case measurement
        case saturatedHigh
    }

    package func band(ofCurrent mA: Double) -> Band { LoopLimits(self).band(ofCurrent: mA) }

    /// The engineering value of a loop current, held at the range ends outside 4–20 mA.
    package func value(ofCurrent mA: Double) -> Double { LoopLimits(self).value(ofCurrent: mA) }

    /// The loop current (mA) that stands for an engineering value: what a transmitter drives (the
    /// simulator's side of the loop). Not clamped: values beyond the range give currents beyond 4–20.
    package func current(for value: Double) -> Double {
        Self.spanLow + (value - low) / (high - low) * (Self.spanHigh - Self.spanLow)
    }
}
