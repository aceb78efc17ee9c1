import FieldCore

/// A rolling, time-weighted average over the last `length`, kept in `buckets` equal buckets
/// (60 by default: 1 h → 1-minute buckets, 24 h → 24-minute buckets), so a day of readings takes
/// the same fixed memory whatever the polling rate: 62 slots × 24 bytes ≈ 1.5 KiB per window.
///
/// Each valid sample counts for the time it stands for (until the next reading, at most the
/// terminal's `max-sample-gap`): its value × seconds and its seconds go into the buckets that time
/// spans. Over the window, mean = Σ value·s / Σ s and coverage = Σ s / length. The oldest bucket,
/// which straddles the window's start, counts in proportion to its part inside the window.
struct AirAverageWindow: Hashable, Sendable {
    let length: Duration
    let bucketMilliseconds: Int64
    private var slots: [Slot]

    private struct Slot: Hashable, Sendable {
        /// Which bucket (time ÷ bucket width) the slot holds; a slot holding an older bucket is
        /// reused.
        var bucket: Int64 = .min
        var valueSeconds = 0.0
        var seconds = 0.0
    }

    /// The average and how much of the window valid samples cover (0…1).
    struct Summary: Hashable, Sendable {
        var mean: Double?
        var coverage: Double
    }

    init(length: Duration, buckets: Int = 60) {
        self.length = length
        bucketMilliseconds = max(1, length.milliseconds / Int64(max(1, buckets)))
        // One more slot than buckets: the window's start and end both fall inside partial buckets.
        slots = Array(repeating: Slot(), count: Int(length.milliseconds / bucketMilliseconds) + 2)
    }

    /// Adds `value` as standing for the time from `start` to `end`.
    mutating func add(_ value: Double, from start: Timestamp, to end: Timestamp) {
        // Time older than the window would only be overwritten again.
        var t = max(start.milliseconds, end.milliseconds - length.milliseconds - bucketMilliseconds)
        while t < end.milliseconds {
            let bucket = Self.floorDivide(t, bucketMilliseconds)
            let segmentEnd = min(end.milliseconds, (bucket + 1) * bucketMilliseconds)
            let seconds = Double(segmentEnd - t) / 1000
            let i = slotIndex(bucket)
            if slots[i].bucket != bucket { slots[i] = Slot(bucket: bucket) }
            slots[i].valueSeconds += value * seconds
            slots[i].seconds += seconds
            t = segmentEnd
        }
    }

    /// The average over `[now - length, now]`.
    func summary(at now: Timestamp) -> Summary {
        let start = now.milliseconds - length.milliseconds
        let first = Self.floorDivide(start, bucketMilliseconds), last = Self.floorDivide(now.milliseconds, bucketMilliseconds)
        var valueSeconds = 0.0, seconds = 0.0
        var bucket = first
        while bucket <= last {
            let slot = slots[slotIndex(bucket)]
            if slot.bucket == bucket {
                let bucketStart = bucket * bucketMilliseconds
                let inside = bucketStart >= start ? 1.0 : Double(bucketStart + bucketMilliseconds - start) / Double(bucketMilliseconds)
                valueSeconds += slot.valueSeconds * inside
                seconds += slot.seconds * inside
            }
            bucket += 1
        }
        let lengthSeconds = length.inSeconds
        return Summary(mean: seconds > 0 ? valueSeconds / seconds : nil, coverage: lengthSeconds > 0 ? min(1, seconds / lengthSeconds) : 0)
    }

    /// The memory the buckets take, in bytes (the fixed budget: independent of the sample rate).
    var footprintBytes: Int { slots.count * MemoryLayout<Slot>.stride }

    private func slotIndex(_ bucket: Int64) -> Int {
        let n = Int64(slots.count)
        return Int(((bucket % n) + n) % n)
    }

    /// Integer division rounding toward minus infinity (bucket numbers of times before 1970 too).
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
