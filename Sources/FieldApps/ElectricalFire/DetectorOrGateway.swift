import FieldCore

/// An alarm that two judges may raise: the detector, by its own alarm bit (its own alarm value,
/// set on the device; GB 14287 detectors hold the bit until reset), and the gateway, by its
/// threshold on the reading. **Either raises; the alarm clears only when both are clear** — so
/// the stricter of the two settings is the one in force, and a detector that latched an alarm
/// keeps it up on the platform until someone resets the detector.
struct DetectorOrGateway: Sendable {
    var rule: ThresholdRule
    /// What the alarm is about, for the message: "residual current", "temperature on channel 2".
    let what: String
    private(set) var isActive = false
    private var detector = false

    init(_ rule: ThresholdRule, what: String) {
        self.rule = rule
        self.what = what
    }

    /// - Parameters:
    ///   - reading: the latest reading (bad quality and stale ones neither raise nor clear).
    ///   - detectorBit: the detector's alarm bit, nil when unknown (then the last one stands).
    mutating func evaluate(_ reading: Reading?, detectorBit: Bool?, now: Timestamp) -> AlarmSignal? {
        if let reading { _ = rule.evaluate(reading, now: now) }
        if let detectorBit { detector = detectorBit }
        let active = rule.isActive || detector
        guard active != isActive else { return nil }
        isActive = active
        let value = reading?.goodNumber
        guard active else { return .clear(value: value.map(PointValue.number)) }
        let u = rule.unit.isEmpty ? "" : " " + rule.unit
        let reads = value.map { "\(formatNumber($0, decimals: 1))\(u)" }
        let limit = "\(formatNumber(rule.limit, decimals: 1))\(u)"
        let message: String
        switch (rule.isActive, detector) {
        case (true, true):
            message = "\(what) \(reads ?? "?") above \(limit) (the gateway's threshold); the detector signals it too"
        case (true, false):
            message = "\(what) \(reads ?? "?") above \(limit) (the gateway's threshold)"
        default:
            message = "the detector signals a \(what) alarm at its own alarm value" + (reads.map { " (reading \($0))" } ?? "")
        }
        return .raise(value: value.map(PointValue.number), message: message)
    }
}
