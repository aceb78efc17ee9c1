/// How far a `modbus scan` has got, after each probe.
public struct ScanProgress: Hashable, Sendable {
    /// The unit id just probed.
    public var unit: Int
    /// Probes done and to do in all.
    public var done: Int
    public var total: Int
    /// The answer of this unit, if it answered.
    public var hit: ScanHit?

    public init(unit: Int, done: Int, total: Int, hit: ScanHit?) {
        (self.unit, self.done, self.total, self.hit) = (unit, done, total, hit)
    }
}

/// Whether a scan goes on after a progress report.
public enum ScanDecision: Sendable {
    case proceed, stop
}

/// A unit id that answered a scan.
public struct ScanHit: Hashable, Sendable {
    public var unit: Int
    /// What it answered (`holding 0 = 0x0102`, `exception 2 illegal data address`).
    public var answer: String
    /// The site's device configured at this bus and address, if any.
    public var device: String?

    public init(unit: Int, answer: String, device: String? = nil) {
        (self.unit, self.answer, self.device) = (unit, answer, device)
    }
}
