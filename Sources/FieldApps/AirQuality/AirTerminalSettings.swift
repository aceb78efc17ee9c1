import FieldCore

/// How the purifier / fresh-air fan is run: by the air (`auto`) or by hand.
package enum FanMode: String, CaseIterable, Sendable {
    case auto, on, off
}

/// The air terminal's settings: the device's `settings` object in the site file, every value with
/// a default (docs/indoor-air.md lists them all).
struct AirTerminalSettings: Sendable {
    /// One monitored pollutant: where its readings come from and how it is judged. Concentrations
    /// are in the pollutant's working unit (`AirPollutant.unit`).
    struct Pollutant: Sendable {
        var source: PointRef
        /// The unit the source reports in (converted to the working unit on arrival).
        var sourceUnit: AirUnit
        /// The averaging period of the standard's limit.
        var window: Duration
        var limit: Double
        var minCoverage: Double
        /// How far below the limit the average must fall before the exceedance alarm clears.
        var hysteresis: Double
        /// How long the average must stay above the limit before the alarm is raised.
        var delay: Duration
        var severity: Severity
        var moderateAbove: Double
        var poorAbove: Double
        var fanOn: Double
        var fanOff: Double
        var warmUp: Duration
    }

    var pollutants: [AirPollutant: Pollutant] = [:]
    /// The short average that drives the LED, the buzzer and the fan.
    var indicatorWindow: Duration = .minutes(5)
    var indicatorMinCoverage = 0.5
    /// Share of a band's threshold the short average must fall below before the LED steps down.
    var indicatorHysteresis = 0.05
    var buzzerEnabled = true
    /// How long the air must stay poor before the buzzer sounds.
    var buzzerDelay: Duration = .minutes(10)
    var fanDrivers: Set<AirPollutant> = Set(AirPollutant.allCases)
    var fanMinOn: Duration = .minutes(10)
    var fanMinOff: Duration = .minutes(5)
    var fanMode: FanMode = .auto
    /// The longest time one valid sample stands for when no newer reading comes.
    var maxSampleGap: Duration = .minutes(2)
    var publishInterval: Duration = .minutes(1)
    var sensorFaultDelay: Duration = .minutes(1)

    init(context: AppContext, settings: JSONObjectReader?) {
        for p in AirPollutant.allCases {
            if let s = Self.pollutant(p, context: context, settings: settings) { pollutants[p] = s }
        }
        guard let settings else { return }
        if let o = settings.object("indicator") {
            indicatorWindow = o.duration("window", range: .seconds(30)...(.hours(1))) ?? indicatorWindow
            indicatorMinCoverage = o.double("min-coverage", range: 0...1) ?? indicatorMinCoverage
            indicatorHysteresis = o.double("hysteresis", range: 0...0.5) ?? indicatorHysteresis
            o.finish()
        }
        if let o = settings.object("buzzer") {
            buzzerEnabled = o.bool("enabled") ?? buzzerEnabled
            buzzerDelay = o.duration("delay", range: .zero...(.hours(24))) ?? buzzerDelay
            o.finish()
        }
        if let o = settings.object("fan") {
            fanMinOn = o.duration("min-on", range: .zero...(.hours(24))) ?? fanMinOn
            fanMinOff = o.duration("min-off", range: .zero...(.hours(24))) ?? fanMinOff
            fanMode = o.enumeration("mode", FanMode.self) ?? fanMode
            if let drivers = o.array("driven-by", { v, path -> AirPollutant? in
                guard let name = v.stringValue, let p = AirPollutant(rawValue: name) else {
                    o.reader.report(path, "expected a pollutant (one of: \(AirPollutant.allCases.map(\.rawValue).joined(separator: ", ")))")
                    return nil
                }
                return p
            }) {
                fanDrivers = Set(drivers)
            }
            o.finish()
        }
        maxSampleGap = settings.duration("max-sample-gap", range: .seconds(1)...(.hours(1))) ?? maxSampleGap
        publishInterval = settings.duration("publish-interval", range: .seconds(1)...(.hours(1))) ?? publishInterval
        sensorFaultDelay = settings.duration("sensor-fault-delay", range: .zero...(.hours(1))) ?? sensorFaultDelay
    }

    /// Reads one pollutant's entry: absent (the device's own point, if it has one), `"none"`, a
    /// source `"device.point"` (or a bare point of this device), or an object.
    private static func pollutant(_ p: AirPollutant, context: AppContext, settings: JSONObjectReader?) -> Pollutant? {
        let key = p.rawValue
        var source: PointRef?
        var object: JSONObjectReader?
        if let settings, let v = settings.value(key) {
            let path = settings.path.key(key)
            switch v {
            case .string(let text):
                guard text != "none", let ref = parseSource(text, at: path, context: context, reader: settings.reader) else { return nil }
                source = ref
            case .object:
                object = settings.reader.object(v, at: path)
            default:
                settings.reader.report(path, "expected a point (\"device.point\"), \"none\" or an object, got \(v.kindDescription)")
                return nil
            }
        }
        defer { object?.finish() }
        if let object, let text = object.string("source") {
            guard text != "none" else {
                allowPollutantKeys(object)
                return nil
            }
            source = parseSource(text, at: object.path.key("source"), context: context, reader: object.reader)
            if source == nil { return nil }
        }
        if source == nil {
            guard context.points[key] != nil else {
                if let object {
                    object.reader.report(object.path, "no source: the device's profile has no \"\(key)\" point; name one with \"source\": \"device.point\"")
                    allowPollutantKeys(object)
                }
                return nil
            }
            source = context.ref(key)
        }
        let ref = source!

        var unit = p.unit
        if ref.device == context.deviceID, let spelled = context.points[ref.point]?.unit, let u = AirUnit(spelling: spelled), p.acceptedUnits.contains(u) {
            unit = u
        }
        if let text = object?.string("unit") {
            if let u = AirUnit(spelling: text), p.acceptedUnits.contains(u) {
                unit = u
            } else {
                object!.reader.report(object!.path.key("unit"), "\"\(text)\" is not a unit for \(p.displayName) (expected one of: \(p.acceptedUnits.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        let limit = object?.double("limit", range: 0...1_000_000) ?? p.defaultLimit
        let poorAbove = object?.double("poor-above", range: 0...1_000_000) ?? limit
        let moderateAbove = object?.double("moderate-above", range: 0...1_000_000) ?? min(p.defaultModerateAbove, poorAbove)
        let fanOn = object?.double("fan-on", range: 0...1_000_000) ?? moderateAbove
        let fanOff = object?.double("fan-off", range: 0...1_000_000) ?? (p.defaultFanOff < fanOn ? p.defaultFanOff : fanOn * 0.8)
        if let object {
            if moderateAbove > poorAbove {
                object.reader.report(object.path.key("moderate-above"), "\(formatNumber(moderateAbove)) is above poor-above \(formatNumber(poorAbove))")
            }
            if fanOff >= fanOn {
                object.reader.report(object.path.key("fan-off"), "\(formatNumber(fanOff)) must be below fan-on \(formatNumber(fanOn)) (hysteresis)")
            }
        }
        return Pollutant(
            source: ref,
            sourceUnit: unit,
            window: object?.duration("window", range: .minutes(1)...(.hours(24 * 7))) ?? p.defaultWindow,
            limit: limit,
            minCoverage: object?.double("min-coverage", range: 0...1) ?? p.defaultMinCoverage,
            hysteresis: object?.double("hysteresis", range: 0...1_000_000) ?? limit * 0.05,
            delay: object?.duration("delay", range: .zero...(.hours(24))) ?? .zero,
            severity: object?.enumeration("severity", Severity.self) ?? p.defaultSeverity,
            moderateAbove: moderateAbove,
            poorAbove: poorAbove,
            fanOn: fanOn,
            fanOff: fanOff,
            warmUp: object?.duration("warm-up", range: .zero...(.hours(2))) ?? p.defaultWarmUp)
    }

    /// A pollutant that is not monitored reads none of its keys; they are still known ones.
    private static func allowPollutantKeys(_ object: JSONObjectReader) {
        object.allow("unit", "window", "limit", "min-coverage", "hysteresis", "delay", "severity",
                     "moderate-above", "poor-above", "fan-on", "fan-off", "warm-up")
    }

    /// `device.point`, or a bare point name of this device.
    private static func parseSource(_ text: String, at path: JSONPath, context: AppContext, reader: JSONReader) -> PointRef? {
        if let ref = PointRef(text) { return ref }
        if isIdentifier(text) {
            guard context.points[text] != nil else {
                reader.report(path, "the device's profile has no point \"\(text)\" (name another device's point as \"device.point\")")
                return nil
            }
            return context.ref(text)
        }
        reader.report(path, "expected a point as \"device.point\", got \"\(text)\"")
        return nil
    }
}
