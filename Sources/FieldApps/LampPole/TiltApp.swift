#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// Pole tilt (app `tilt`, profile `fg-tilt`): how far the pole leans from its installed
/// baseline, alarmed after a delay so that wind sway does not count.
package struct TiltApp: DeviceApp {
    package let deviceID: String
    package let settings: TiltSettings
    package let subscriptions: Set<PointRef>
    private var readings: [String: Reading] = [:]
    private var rule: ThresholdRule
    private var published: (value: Double, at: Timestamp)?

    /// The deviation is re-published when it moved this much (°), or after `republishAfter`.
    static let publishStep = 0.1
    static let republishAfter = Duration.minutes(10)

    package init(context: AppContext, settings: TiltSettings) {
        deviceID = context.deviceID
        self.settings = settings
        subscriptions = Set(["tilt-x", "tilt-y", "tilt"].filter { context.points[$0] != nil }.map(context.ref))
        rule = ThresholdRule(.high, limit: settings.limit, hysteresis: settings.hysteresis, onDelay: settings.delay,
                             offDelay: settings.delay, name: "pole tilt from its baseline", unit: "°")
    }

    /// Degrees from the baseline at `now`: from both axes when they are good and fresh, else from
    /// the single `tilt` angle.
    package func deviation(at now: Timestamp) -> Double? {
        func angle(_ point: String) -> Double? { readings[point]?.aged(settings.staleAfter, now: now).goodNumber }
        if let x = angle("tilt-x"), let y = angle("tilt-y") {
            return hypot(x - settings.baselineX, y - settings.baselineY)
        }
        return angle("tilt").map { abs($0 - settings.baseline) }
    }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        switch input {
        case .reading(let ref, let reading):
            // Readings update the picture; ticks (at least every 5 s) judge it.
            if ref.device == deviceID { readings[ref.point] = reading }
            return []
        case .command(let c):
            effects.append(.reply(.failure(AppError("tilt sensor \(deviceID) takes no commands (got \"\(c.name)\")"))))
        default:
            break
        }
        if let d = deviation(at: now) {
            let id = AlarmID(device: deviceID, type: "pole-tilt")
            appendAlarm(&effects, id, .major, rule.evaluate(.number(d, at: now), now: now))
            if published.map({ abs($0.value - d) >= Self.publishStep || now - $0.at >= Self.republishAfter }) ?? true {
                published = (d, now)
                effects.append(.derived(name: "tilt-deviation", .number((d * 100).rounded() / 100, at: now), unit: "°"))
            }
        } else {
            rule.hold()
        }
        return effects
    }
}

/// A tilt sensor's `settings` object in the site file.
package struct TiltSettings: Hashable, Sendable {
    /// Alarm beyond this many degrees from the baseline. Our default: no standard gives a figure,
    /// and 2° is 35 cm at the top of a 10 m pole.
    package var limit = 2.0
    /// Clears below `limit − hysteresis`.
    package var hysteresis = 0.5
    /// The lean must last this long (gusts sway a pole for seconds).
    package var delay: Duration = .seconds(60)
    /// The installed angles (°) the deviation is measured from.
    package var baselineX = 0.0
    package var baselineY = 0.0
    package var baseline = 0.0
    /// A reading older than this is not judged (the runtime reports the silence as `comm-lost`).
    package var staleAfter: Duration = .seconds(180)

    package init() {}

    package static func read(_ s: JSONObjectReader) -> TiltSettings {
        var x = TiltSettings()
        if let v = s.double("limit", range: 0.1...45) { x.limit = v }
        if let v = s.double("hysteresis", range: 0...10) { x.hysteresis = v }
        if x.hysteresis >= x.limit { s.reader.report(s.path.key("hysteresis"), "must be below limit (\(formatNumber(x.limit))°)") }
        if let v = s.duration("delay", range: .zero ... .hours(1)) { x.delay = v }
        if let v = s.double("baseline-x", range: -90...90) { x.baselineX = v }
        if let v = s.double("baseline-y", range: -90...90) { x.baselineY = v }
        if let v = s.double("baseline", range: -90...90) { x.baseline = v }
        if let v = s.duration("stale-after", range: .seconds(10) ... .hours(1)) { x.staleAfter = v }
        return x
    }
}
