import FieldCore

/// What arrived on `v1/gateway/telemetry`, sample by sample: `{"<site>.<device>": [{"ts": …,
/// "values": {…}}]}` taken apart into one series per `device.key` (site prefix dropped), in
/// time order (arrival order for equal times). Alarm mirrors (`alarm.…` keys) are kept apart.
struct UplinkTelemetrySamples {
    struct Sample: Hashable {
        var time: Int64
        var value: JSONValue
        /// Which message it came in (0 = the first).
        var message: Int
    }

    private(set) var series: [String: [Sample]] = [:]
    private(set) var mirrors: [String: [Sample]] = [:]
    /// Devices with at least one sample.
    private(set) var devices: Set<String> = []

    init(_ messages: [JSONValue], site: String) {
        for (index, m) in messages.enumerated() {
            for (name, samples) in m.objectValue ?? [:] {
                guard name.hasPrefix(site + ".") else { continue }
                let device = String(name.dropFirst(site.count + 1))
                for s in samples.arrayValue ?? [] {
                    guard let ts = s["ts"]?.numberValue, let values = s["values"]?.objectValue else { continue }
                    for (key, value) in values {
                        let sample = Sample(time: Int64(ts), value: value, message: index)
                        if key.hasPrefix("alarm.") {
                            mirrors["\(device).\(key)", default: []].append(sample)
                        } else {
                            devices.insert(device)
                            series["\(device).\(key)", default: []].append(sample)
                        }
                    }
                }
            }
        }
        for key in series.keys { series[key]!.sort { ($0.time, $0.message) < ($1.time, $1.message) } }
    }

    /// The newest sample of `key` (`device.point`, or `device.point.quality`) at or before `time`.
    func latest(_ key: String, atOrBefore time: Int64 = .max) -> Sample? {
        series[key]?.last { $0.time <= time }
    }

    /// The keys of one device's samples (values and `.quality` keys).
    func keys(of device: String) -> [String] {
        series.keys.filter { $0.hasPrefix(device + ".") }.map { String($0.dropFirst(device.count + 1)) }.sorted()
    }
}

/// True when two JSON values are the same reading: numbers within `tolerance` (and 1e-9
/// relative, for the round trip through text), anything else equal.
func sameReading(_ a: JSONValue, _ b: JSONValue, tolerance: Double = 0) -> Bool {
    if let x = a.numberValue, let y = b.numberValue { return abs(x - y) <= tolerance + 1e-9 * max(1, abs(x)) }
    return a == b
}
