import FieldCore

/// One device's values at one instant, as sent on `v1/gateway/telemetry`. The runtime batches
/// a poll cycle's samples into one message (one outbox record).
public struct TelemetrySample: Sendable, Hashable {
    /// The site's device id.
    public var device: String
    public var time: Timestamp
    /// Point (or derived value) name → value. Non-finite numbers are left out of the message.
    public var values: [String: PointValue]

    public init(device: String, time: Timestamp, values: [String: PointValue]) {
        self.device = device
        self.time = time
        self.values = values
    }

    /// Samples for a device's readings, one per distinct reading time. A reading of good quality
    /// sends its value; any other sends `<point>.quality` (`comm-error`, `sensor-fault`, …) and
    /// no value, since the value is not a measurement (DESIGN rule 5). Send
    /// `<point>.quality: "good"` yourself when a point recovers if the platform shows quality.
    public static func samples(device: String, readings: [String: Reading]) -> [TelemetrySample] {
        samples(readings.map { (PointRef(device: device, point: $0.key), $0.value) })
    }

    /// Samples for readings of any devices (the engine's telemetry period), one per device and
    /// reading time, with the same quality rule.
    public static func samples(_ readings: [(PointRef, Reading)]) -> [TelemetrySample] {
        struct Key: Hashable {
            var device: String
            var time: Timestamp
        }
        var grouped: [Key: [String: PointValue]] = [:]
        for (ref, r) in readings {
            let key = Key(device: ref.device, time: r.time)
            if r.quality.isGood {
                if let v = r.value { grouped[key, default: [:]][ref.point] = v }
            } else {
                grouped[key, default: [:]]["\(ref.point).quality"] = .text(r.quality.rawValue)
            }
        }
        return grouped.keys.sorted { ($0.time, $0.device) < ($1.time, $1.device) }
            .map { TelemetrySample(device: $0.device, time: $0.time, values: grouped[$0]!) }
    }
}
