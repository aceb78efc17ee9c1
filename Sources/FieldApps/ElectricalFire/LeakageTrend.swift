import FieldCore

/// Residual current creeping up over days: insulation ageing or getting damp. Compares the mean
/// of the last `window` with the mean of the `window` before it, kept in a FieldCore `Trend`
/// of 24 buckets plus the one filling now (for the default 24 h: an hour a bucket, 350 bytes).
/// Comparing whole windows cancels the daily cycle (damp nights, loads by day); a kettle's blip
/// is a moment in a bucket's mean. Raises when the rise reaches `rise`; clears below half of it.
struct LeakageTrend: Sendable {
    let window: Duration
    let rise: Double
    private var trend: Trend
    private(set) var isActive = false
    /// A half must have samples in this many of its 12 buckets to be judged.
    static let coverage = 9

    init(window: Duration, rise: Double) {
        self.window = window
        self.rise = rise
        trend = Trend(resolution: window / 12, capacity: 25)
    }

    /// The mean of each half: (the window before, the last window); nil while either half
    /// has too few samples.
    func means(at now: Timestamp) -> (before: Double, last: Double)? {
        let slots = trend.series(from: now - window * 2, to: now, slots: 24)
        guard slots.count == 24 else { return nil }
        func mean(_ part: ArraySlice<TrendBucket?>) -> Double? {
            let filled = part.compactMap { $0 }
            guard filled.count >= Self.coverage else { return nil }
            let merged = filled.dropFirst().reduce(filled[0]) { $0.merged(with: $1) }
            return merged.mean
        }
        guard let before = mean(slots[0..<12]), let last = mean(slots[12..<24]) else { return nil }
        return (before, last)
    }

    /// Takes a reading (good numbers only) and says whether the warning changed.
    mutating func evaluate(_ reading: Reading, now: Timestamp, alarmAt limit: Double) -> AlarmSignal? {
        trend.record(reading)
        guard rise > 0, let (before, last) = means(at: now) else { return nil }
        let grown = last - before
        let beyond = isActive ? grown >= rise / 2 : grown >= rise
        guard beyond != isActive else { return nil }
        isActive = beyond
        guard beyond else { return .clear(value: .number(last)) }
        let hours = window.milliseconds / 3_600_000
        let span = window.milliseconds % 3_600_000 == 0 ? "\(hours) h" : formatDuration(window)
        return .raise(value: .number(last), message: "residual current rising: mean \(formatNumber(last, decimals: 0)) mA over the last \(span), "
                        + "\(formatNumber(before, decimals: 0)) mA the \(span) before (+\(formatNumber(grown, decimals: 0)) mA): insulation ageing "
                        + "or damp; find it before it reaches the \(formatNumber(limit)) mA alarm")
    }
}
