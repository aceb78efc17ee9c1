import FieldCore

/// The alarm settings of one pressure point. Top-level keys of a pressure device's `settings`
/// apply to all its points; `points.NAME` overrides them for one point.
package struct PressurePointSettings: Hashable, Sendable {
    package var category: PressureCategory = .custom
    /// Standby (static) low-pressure limit (MPa); nil: not checked.
    package var low: Double?
    /// Standby (static) high-pressure limit (MPa); nil: not checked.
    package var high: Double?
    /// Flowing (dynamic) limits (MPa), judged only while `flowing` says water flows.
    package var flowingLow: Double?
    package var flowingHigh: Double?
    /// A boolean point that is true while water flows at this outlet or in this system: a flow
    /// switch, the hydrant's own flow indicator, or the fire pump's run contact.
    package var flowing: PointRef?
    /// The value must come back past the limit by this much to clear (MPa).
    package var hysteresis = 0.01
    /// Low or high must last this long: a pressure wave passes in a second or two.
    package var delay: Duration = .seconds(10)
    /// Back inside for this long to clear.
    package var clearDelay: Duration = .seconds(10)
    /// A fall of this much (MPa) within `rapidDropWindow` is a rapid drop; 0 switches it off.
    package var rapidDrop = 0.05
    package var rapidDropWindow: Duration = .seconds(10)
    /// The fall must persist this long (shorter than the window).
    package var rapidDropConfirm: Duration = .seconds(3)
    /// The normal level a fall is measured from is the median of this last stretch, so a surge
    /// that comes back is never a fall (`RateOfChangeRule`). At least the window.
    package var rapidDropReference: Duration = .seconds(60)
    /// The standby level (median of per-minute medians over this stretch) also bounds "normal": a
    /// fire pump stopped after a run falls back to standby, which is no drop. 0 switches it off.
    package var rapidDropStandby: Duration = .hours(1)

    package init(category: PressureCategory = .custom) {
        self.category = category
        low = category.low
        high = category.high
        flowingLow = category.flowingLow
        flowingHigh = category.flowingHigh
    }

    /// Reads the keys present in `s` over `base`; a category resets low and high to its own
    /// unless they are given too.
    static func read(_ s: JSONObjectReader, over base: PressurePointSettings) -> PressurePointSettings {
        var x = base
        if let c = s.enumeration("category", PressureCategory.self) {
            x.category = c
            x.low = c.low
            x.high = c.high
            x.flowingLow = c.flowingLow
            x.flowingHigh = c.flowingHigh
        }
        if let v = s.double("low", range: AppCommands.pressureLimits) { x.low = v }
        if let v = s.double("high", range: AppCommands.pressureLimits) { x.high = v }
        if let v = s.double("flowing-low", range: 0...100) { x.flowingLow = v }
        if let v = s.double("flowing-high", range: 0...100) { x.flowingHigh = v }
        if s.has("flowing") { x.flowing = s.pointReference("flowing") }
        if let v = s.double("hysteresis", range: 0...10) { x.hysteresis = v }
        if let v = s.duration("delay", range: .zero ... .hours(1)) { x.delay = v }
        if let v = s.duration("clear-delay", range: .zero ... .hours(1)) { x.clearDelay = v }
        if let v = s.double("rapid-drop", range: AppCommands.pressureLimits) { x.rapidDrop = v }
        if let v = s.duration("rapid-drop-window", range: .seconds(1) ... .minutes(10)) { x.rapidDropWindow = v }
        if let v = s.duration("rapid-drop-confirm", range: .zero ... .minutes(10)) { x.rapidDropConfirm = v }
        if let v = s.duration("rapid-drop-reference", range: .seconds(1) ... .hours(1)) { x.rapidDropReference = v }
        if let v = s.duration("rapid-drop-standby", range: .zero ... .hours(24)) { x.rapidDropStandby = v }
        if let low = x.low, let high = x.high, low >= high {
            s.reader.report(s.path.key("low"), "\(formatNumber(low)) MPa must be below high (\(formatNumber(high)) MPa)")
        }
        if let low = x.flowingLow, let high = x.flowingHigh, low >= high {
            s.reader.report(s.path.key("flowing-low"), "\(formatNumber(low)) MPa must be below flowing-high (\(formatNumber(high)) MPa)")
        }
        if x.rapidDrop > 0, x.rapidDropConfirm >= x.rapidDropWindow {
            s.reader.report(s.path.key("rapid-drop-confirm"), "must be shorter than rapid-drop-window (\(formatDuration(x.rapidDropWindow)))")
        }
        if x.rapidDrop > 0, x.rapidDropReference < x.rapidDropWindow {
            s.reader.report(s.path.key("rapid-drop-reference"), "must be at least rapid-drop-window (\(formatDuration(x.rapidDropWindow)))")
        }
        return x
    }

    /// True when the point has something to check beyond faults.
    var hasLimit: Bool { low != nil || high != nil || (flowing != nil && (flowingLow != nil || flowingHigh != nil)) }
}

/// A pressure device's `settings`.
package struct PressureSettings: Hashable, Sendable {
    /// Settings per monitored point name.
    package var points: [String: PressurePointSettings]
    /// The device-wide settings (the top-level keys) that `points` overrides start from.
    package var base = PressurePointSettings()
    /// A sensor fault (NE43 loop fault or the transmitter's fault bit) must last this long.
    package var sensorFaultDelay: Duration = .seconds(5)
    /// A reading older than this is not judged: the device stopped answering, which the runtime
    /// reports as `comm-lost`.
    package var staleAfter: Duration = .seconds(60)

    package init(points: [String: PressurePointSettings]) {
        self.points = points
    }

    /// Reads settings for a device with `context`'s points. Monitored points: the keys of
    /// `points` if given; else `pressure` if the device has it; else every point in MPa.
    package static func read(_ s: JSONObjectReader?, context: AppContext) -> PressureSettings? {
        let base = s.map { PressurePointSettings.read($0, over: PressurePointSettings()) } ?? PressurePointSettings()
        var points: [String: PressurePointSettings] = [:]
        if let s, let overrides = s.object("points") {
            for name in overrides.fields.keys.sorted() {
                guard context.points[name] != nil else {
                    s.reader.report(overrides.path.key(name), "device \(context.deviceID) has no point \"\(name)\" (it has: \(context.points.keys.sorted().joined(separator: ", ")))")
                    overrides.allow(name)
                    continue
                }
                guard let o = overrides.object(name) else { continue }
                points[name] = PressurePointSettings.read(o, over: base)
                o.finish()
            }
            overrides.finish()
        } else if context.points["pressure"] != nil {
            points["pressure"] = base
        } else {
            for (name, info) in context.points where info.unit == "MPa" { points[name] = base }
        }
        var x = PressureSettings(points: points)
        x.base = base
        if let s {
            if let v = s.duration("sensor-fault-delay", range: .zero ... .hours(1)) { x.sensorFaultDelay = v }
            if let v = s.duration("stale-after", range: .seconds(1) ... .hours(1)) { x.staleAfter = v }
        }
        let unlimited = points.filter { !$0.value.hasLimit }.keys.sorted()
        if points.isEmpty || !unlimited.isEmpty {
            let what = points.isEmpty ? "no pressure point to watch (name them in \"points\")"
                : "no low or high limit for \(unlimited.joined(separator: ", ")): give a \"category\" (\(PressureCategory.allCases.map(\.rawValue).joined(separator: ", "))) or \"low\"/\"high\""
            if let s { s.reader.report(s.path, what) }
            return nil
        }
        return x
    }
}
