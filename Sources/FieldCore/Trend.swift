/// The recent history of one numeric point in a fixed amount of memory: a ring of time buckets
/// (minimum, maximum, mean and sample count per bucket), so the console can draw the last hours
/// at a few-second resolution. Asked for a longer span or fewer slots, it merges buckets.
///
/// Storage is allocated once: `capacity` buckets of 14 bytes (three `Float`s and a `UInt16`),
/// whatever arrives. Values are kept as `Float` (about 7 significant digits), plenty for a trend.
/// Pure: time comes in with the values.
package struct Trend: Sendable {
    /// Width of one bucket.
    package let resolution: Duration
    /// Number of buckets kept; the ring covers `resolution × capacity`.
    package let capacity: Int
    private let bucketMilliseconds: Int64
    private var minimum: [Float]
    private var maximum: [Float]
    private var mean: [Float]
    private var count: [UInt16]
    /// Bucket number (milliseconds since the epoch ÷ bucket width) of the newest bucket.
    private var newest: Int64?

    /// Bytes of bucket storage per bucket.
    package static let bytesPerBucket = 3 * MemoryLayout<Float>.size + MemoryLayout<UInt16>.size

    /// - Parameters:
    ///   - resolution: bucket width, at least 1 ms.
    ///   - capacity: buckets kept, at least 1.
    package init(resolution: Duration, capacity: Int) {
        self.resolution = max(resolution, .milliseconds(1))
        self.capacity = max(capacity, 1)
        bucketMilliseconds = self.resolution.milliseconds
        minimum = Array(repeating: 0, count: self.capacity)
        maximum = minimum
        mean = minimum
        count = Array(repeating: 0, count: self.capacity)
    }

    /// A trend that covers `span` at `resolution` (e.g. 2 h at 5 s: 1440 buckets, 20 KB).
    package init(span: Duration, resolution: Duration) {
        let r = max(resolution.milliseconds, 1)
        self.init(resolution: resolution, capacity: Int((span.milliseconds + r - 1) / r))
    }

    /// A trend that fits in `bytes` at `resolution`.
    package init(budget bytes: Int, resolution: Duration) {
        self.init(resolution: resolution, capacity: bytes / Self.bytesPerBucket)
    }

    /// How far back the ring reaches when full.
    package var span: Duration { .milliseconds(bucketMilliseconds * Int64(capacity)) }

    /// Bytes of bucket storage, fixed at creation.
    package var byteCount: Int { capacity * Self.bytesPerBucket }

    /// The start of the oldest and the end of the newest bucket that hold samples.
    package var coveredRange: Range<Timestamp>? {
        guard let newest else { return nil }
        let buckets = (newest - Int64(capacity) + 1 ... newest).filter { count[slot($0)] > 0 }
        guard let first = buckets.first, let last = buckets.last else { return nil }
        return Timestamp(milliseconds: first * bucketMilliseconds) ..< Timestamp(milliseconds: (last + 1) * bucketMilliseconds)
    }

    /// Records a good-quality number; other readings leave a gap.
    package mutating func record(_ reading: Reading) {
        if let v = reading.goodNumber { record(v, at: reading.time) }
    }

    /// Records one sample. A sample older than the ring means the clock was set back: the ring
    /// restarts from it rather than sitting blind until the clock catches up.
    package mutating func record(_ value: Double, at time: Timestamp) {
        guard value.isFinite else { return }
        let b = floorDivide(time.milliseconds, bucketMilliseconds)
        if let n = newest {
            if b > n {
                let cleared = min(b - n, Int64(capacity))
                for k in 0..<cleared { count[slot(b - k)] = 0 }
                newest = b
            } else if b <= n - Int64(capacity) {
                count = Array(repeating: 0, count: capacity)
                newest = b
            }
        } else {
            newest = b
        }
        let i = slot(b)
        let v = Float(value)
        let c = count[i]
        if c == 0 {
            (minimum[i], maximum[i], mean[i], count[i]) = (v, v, v, 1)
            return
        }
        minimum[i] = min(minimum[i], v)
        maximum[i] = max(maximum[i], v)
        guard c < UInt16.max else { return }
        mean[i] = Float((Double(mean[i]) * Double(c) + value) / Double(c + 1))
        count[i] = c + 1
    }

    /// The history from `start` to `end` in `slots` equal slots, oldest first; nil where a slot
    /// has no sample. Each bucket goes to the slot its start falls in, so slots narrower than
    /// the resolution show gaps between buckets.
    package func series(from start: Timestamp, to end: Timestamp, slots: Int) -> [TrendBucket?] {
        guard slots > 0, end > start else { return [] }
        var out = [TrendBucket?](repeating: nil, count: slots)
        guard let newest else { return out }
        let width = Double((end - start).milliseconds) / Double(slots)
        for b in (newest - Int64(capacity) + 1)...newest {
            let i = slot(b)
            guard count[i] > 0 else { continue }
            let bucketStart = b * bucketMilliseconds
            guard bucketStart >= start.milliseconds, bucketStart < end.milliseconds else { continue }
            let s = min(Int(Double(bucketStart - start.milliseconds) / width), slots - 1)
            let slotStart = start + .milliseconds(Int64((Double(s) * width).rounded()))
            let slotEnd = start + .milliseconds(Int64((Double(s + 1) * width).rounded()))
            let sample = TrendBucket(start: slotStart, duration: slotEnd - slotStart, minimum: Double(minimum[i]),
                                     maximum: Double(maximum[i]), mean: Double(mean[i]), count: Int(count[i]))
            out[s] = out[s].map { $0.merged(with: sample) } ?? sample
        }
        return out
    }

    /// The last `span` up to `end` in `slots` slots (the console's `trend POINT 1h`).
    package func series(last span: Duration, endingAt end: Timestamp, slots: Int) -> [TrendBucket?] {
        series(from: end - span, to: end, slots: slots)
    }

    private func slot(_ bucket: Int64) -> Int {
        Int(((bucket % Int64(capacity)) + Int64(capacity)) % Int64(capacity))
    }
}

/// One slot of a trend: the samples' extremes, mean and number within `start ..< start + duration`.
package struct TrendBucket: Hashable, Sendable {
    package var start: Timestamp
    package var duration: Duration
    package var minimum: Double
    package var maximum: Double
    package var mean: Double
    package var count: Int

    package init(start: Timestamp, duration: Duration, minimum: Double, maximum: Double, mean: Double, count: Int) {
        (self.start, self.duration) = (start, duration)
        (self.minimum, self.maximum, self.mean, self.count) = (minimum, maximum, mean, count)
    }

    /// Both buckets' samples as one (the mean weighted by sample counts).
    package func merged(with other: TrendBucket) -> TrendBucket {
        let n = count + other.count
        return TrendBucket(start: start, duration: duration, minimum: min(minimum, other.minimum), maximum: max(maximum, other.maximum),
                           mean: n == 0 ? mean : (mean * Double(count) + other.mean * Double(other.count)) / Double(n), count: n)
    }
}

private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
