import FieldCore

/// A generic alarm on one point, configured in a device's `alarms` list (issue 4): for devices
/// whose app does not already watch the point, or for site-specific limits.
package struct AlarmSpec: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        /// Above `limit` (with hysteresis and delays).
        case high(limit: Double, hysteresis: Double)
        /// Below `limit`.
        case low(limit: Double, hysteresis: Double)
        /// Fell by `change` within `window`.
        case drop(change: Double, window: Duration)
        /// Rose by `change` within `window`.
        case rise(change: Double, window: Duration)
        /// A digital point in the state `value`.
        case state(value: Bool)
        /// The point's quality is sensor-fault.
        case sensorFault
        /// No good reading for `maxAge`.
        case stale(maxAge: Duration)
    }

    /// The alarm type in its id (`point/type`), e.g. `high-temperature`.
    package var type: String
    package var point: String
    package var kind: Kind
    package var severity: Severity
    package var onDelay: Duration
    package var offDelay: Duration
    /// The operator's text; generated from the rule when empty.
    package var message: String

    /// Reads one entry of a device's `alarms`; `points` are the device's point names.
    package static func read(_ o: JSONObjectReader, points: Set<String>) -> AlarmSpec? {
        let r = o.reader
        let before = r.issues.count
        let point = o.identifier("point", required: true)
        if let point, !points.contains(point) {
            r.report(o.path.key("point"), "the device has no point \"\(point)\" (points: \(points.sorted().joined(separator: ", ")))")
        }
        let kindName = o.string("when", required: true, oneOf: ["above", "below", "drop", "rise", "state", "sensor-fault", "stale"])
        var kind: Kind?
        switch kindName {
        case "above", "below":
            let limit = o.double("limit", required: true)
            let hyst = o.double("hysteresis", range: 0...1e9) ?? 0
            if let limit { kind = kindName == "above" ? .high(limit: limit, hysteresis: hyst) : .low(limit: limit, hysteresis: hyst) }
        case "drop", "rise":
            let change = o.double("change", required: true, range: 1e-12...1e12)
            let window = o.duration("window", required: true, range: .seconds(1)...Duration.seconds(86_400))
            if let change, let window { kind = kindName == "drop" ? .drop(change: change, window: window) : .rise(change: change, window: window) }
        case "state":
            if let v = o.bool("value", required: true) { kind = .state(value: v) }
        case "sensor-fault":
            kind = .sensorFault
        case "stale":
            if let age = o.duration("maxAge", required: true, range: .seconds(1)...Duration.seconds(86_400)) { kind = .stale(maxAge: age) }
        default:
            o.allow("limit", "hysteresis", "change", "window", "value", "maxAge")
        }
        let defaultType = point.map { p in
            switch kindName {
            case "above": "high-\(p)"
            case "below": "low-\(p)"
            case let k?: "\(p)-\(k)"
            default: p
            }
        }
        let type = o.identifier("type") ?? defaultType
        let severity = o.enumeration("severity", Severity.self) ?? .minor
        let onDelay = o.duration("onDelay", range: .zero...Duration.seconds(86_400)) ?? .zero
        let offDelay = o.duration("offDelay", range: .zero...Duration.seconds(86_400)) ?? .zero
        let message = o.string("message") ?? ""
        guard r.issues.count == before, let point, let kind, let type else { return nil }
        return AlarmSpec(type: type, point: point, kind: kind, severity: severity, onDelay: onDelay, offDelay: offDelay, message: message)
    }
}
