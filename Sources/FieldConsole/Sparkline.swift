import FieldCore

/// A text sparkline of a point's history, for `trend`.
struct Sparkline {
    /// Eight levels, low to high.
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let asciiLevels: [Character] = ["_", ".", ",", "-", "~", "=", "+", "#"]

    /// The mean of the good numbers in each of `count` equal buckets from `start` to `end`;
    /// nil for a bucket without any.
    static func buckets(_ readings: [Reading], from start: Timestamp, to end: Timestamp, count: Int) -> [Double?] {
        guard count > 0, end > start else { return [] }
        var sums = [Double](repeating: 0, count: count), counts = [Int](repeating: 0, count: count)
        let span = Double(end.milliseconds - start.milliseconds)
        for r in readings {
            guard let v = r.goodNumber, v.isFinite, r.time >= start, r.time <= end else { continue }
            let i = min(count - 1, Int(Double(r.time.milliseconds - start.milliseconds) / span * Double(count)))
            sums[i] += v
            counts[i] += 1
        }
        return (0..<count).map { counts[$0] == 0 ? nil : sums[$0] / Double(counts[$0]) }
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
