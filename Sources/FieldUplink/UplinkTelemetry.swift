import FieldCore
import FieldEngine

/// One device's values at one instant, as sent on `v1/gateway/telemetry`. The runtime batches
/// a telemetry interval's samples into one message (one outbox record).
package struct TelemetrySample: Sendable, Hashable {
    /// The site's device id.
    package var device: String
    package var time: Timestamp
    /// Point (or derived value) name → value. Non-finite numbers are left out of the message.
    package var values: [String: PointValue]

    package init(device: String, time: Timestamp, values: [String: PointValue]) {
        self.device = device
        self.time = time
        self.values = values
    }

    /// Samples for readings of any devices (a telemetry period), one per device and reading
    /// time. A reading of good quality sends its value; any other sends no value, since it is not
    /// a measurement (DESIGN rule 5). `<point>.quality` (`good`, `comm-error`, `sensor-fault`, …)
    /// goes with the readings whose quality changed, so quality is state on the platform: sent on
    /// change only, the return to `good` included.
    package static func samples(_ readings: [TelemetryPoint]) -> [TelemetrySample] {
        struct Key: Hashable {
            var device: String
            var time: Timestamp
        }
        var grouped: [Key: [String: PointValue]] = [:]
        for t in readings {
            let (ref, r) = (t.ref, t.reading)
            let key = Key(device: ref.device, time: r.time)
            if r.quality.isGood, let v = r.value { grouped[key, default: [:]][ref.point] = v }
            if t.qualityChanged { grouped[key, default: [:]]["\(ref.point).quality"] = .text(r.quality.rawValue) }
        }
        return grouped.keys.sorted { ($0.time, $0.device) < ($1.time, $1.device) }
            .map { TelemetrySample(device: $0.device, time: $0.time, values: grouped[$0]!) }
    }
}
