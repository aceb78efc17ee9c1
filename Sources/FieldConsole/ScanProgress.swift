/// How far a `modbus scan` has got, after each probe.
package struct ScanProgress: Hashable, Sendable {
    /// The unit id just probed.
    package var unit: Int
    /// Probes done and to do in all.
    package var done: Int
    package var total: Int
    /// The answer of this unit, if it answered.
    package var hit: ScanHit?

    package init(unit: Int, done: Int, total: Int, hit: ScanHit?) {
        (self.unit, self.done, self.total, self.hit) = (unit, done, total, hit)
    }
}

/// Whether a scan goes on after a progress report.
package enum ScanDecision: Sendable {
    case proceed, stop
}

/// A unit id that answered a scan.
package struct ScanHit: Hashable, Sendable {
    package var unit: Int
    /// What it answered (`holding 0 = 0x0102`, `exception 2 illegal data address`).
    package var answer: String
    /// The site's device configured at this bus and address, if any.
    package var device: String?

    package init(unit: Int, answer: String, device: String? = nil) {
        (self.unit, self.answer, self.device) = (unit, answer, device)
    }
}
