import FieldCore

/// A text sparkline of a point's history, for `trend`.
struct Sparkline {
    /// Eight levels, low to high.
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let asciiLevels: [Character] = ["_", ".", ",", "-", "~", "=", "+", "#"]

    /// The stored buckets merged into `count` equal columns from `start` to `end` (each bucket
    /// into the column of its middle), keeping every bucket's extremes: a column's minimum is the
    /// lowest reading in it, not the lowest mean. nil for a column without readings.
    static func columns(_ buckets: [TrendBucket], from start: Timestamp, to end: Timestamp, count: Int) -> [TrendBucket?] {
        guard count > 0, end > start else { return [] }
        var out = [TrendBucket?](repeating: nil, count: count)
        let span = Double(end.milliseconds - start.milliseconds)
        for b in buckets where b.count > 0 {
            let middle = b.start + b.duration / 2
            guard middle >= start, middle <= end else { continue }
            let i = min(count - 1, Int(Double(middle.milliseconds - start.milliseconds) / span * Double(count)))
            out[i] = out[i].map { $0.merged(with: b) } ?? b
        }
        return out
    }

    /// One character per value, scaled between the smallest and largest; a gap is a blank.
    static func render(_ values: [Double?], ascii: Bool) -> String {
        let levels = ascii ? asciiLevels : blocks
        let present = values.compactMap { $0 }
        guard let lo = present.min(), let hi = present.max() else { return String(repeating: " ", count: values.count) }
        return String(values.map { v -> Character in
            guard let v else { return " " }
            guard hi > lo else { return levels[levels.count / 2] }
            // Values near ±Double.greatestFiniteMagnitude make hi - lo infinite: no level to convert.
            let scaled = ((v - lo) / (hi - lo) * Double(levels.count - 1)).rounded()
            guard scaled.isFinite else { return levels[levels.count / 2] }
            return levels[min(levels.count - 1, max(0, Int(scaled)))]
        })
    }
}
