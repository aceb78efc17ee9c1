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
        var byTime: [Timestamp: [String: PointValue]] = [:]
        for (point, r) in readings {
            if r.quality.isGood {
                if let v = r.value { byTime[r.time, default: [:]][point] = v }
            } else {
                byTime[r.time, default: [:]]["\(point).quality"] = .text(r.quality.rawValue)
            }
        }
        return byTime.keys.sorted().map { TelemetrySample(device: device, time: $0, values: byTime[$0]!) }
    }
}
