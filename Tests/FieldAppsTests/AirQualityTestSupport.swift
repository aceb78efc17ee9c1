import FieldCore
@testable import FieldApps

/// The fg-air-terminal profile's points, as the runtime describes them to the app.
let airTerminalPoints: [String: AppPointInfo] = [
    "pm25": AppPointInfo(unit: "µg/m³"), "pm10": AppPointInfo(unit: "µg/m³"), "hcho": AppPointInfo(unit: "mg/m³"),
    "co2": AppPointInfo(unit: "ppm"), "tvoc": AppPointInfo(unit: "mg/m³"), "temperature": AppPointInfo(unit: "°C"),
    "humidity": AppPointInfo(unit: "%RH"), "status": AppPointInfo(),
    "led-green": AppPointInfo(writable: true, isSignal: true), "led-yellow": AppPointInfo(writable: true, isSignal: true),
    "led-red": AppPointInfo(writable: true, isSignal: true), "buzzer": AppPointInfo(writable: true, isSignal: true),
    "fan": AppPointInfo(writable: true, isSignal: true),
]

/// 2026-03-02 00:00 China time: a Monday.
let airDayStart = CivilTime(year: 2026, month: 3, day: 2).timestamp(offsetMinutes: 480)

/// Makes an air terminal through its factory, as the runtime does; returns the settings issues too.
func makeAirTerminal(_ settings: String = "{}", device: String = "air-1", points: [String: AppPointInfo] = airTerminalPoints) throws -> (app: AirTerminalApp, issues: [ConfigIssue]) {
    let (app, issues) = try airTerminalFactoryResult(settings, device: device, points: points)
    return (try #require(app, "\(issues)"), issues)
}

/// What the factory makes of `settings`: an app only when they had no error.
func airTerminalFactoryResult(_ settings: String, device: String = "air-1", points: [String: AppPointInfo] = airTerminalPoints) throws -> (app: AirTerminalApp?, issues: [ConfigIssue]) {
    let reader = JSONReader()
    let object = reader.object(try JSONValue.parse(settings))
    let context = AppContext(deviceID: device, profileID: "fg-air-terminal", points: points, site: SiteInfo(id: "school"))
    let app = AirTerminalFactory().make(context: context, settings: object)
    // The runtime finishes the settings object too: its unknown keys are reported once.
    object?.finish()
    return (app as? AirTerminalApp, reader.issues)
}

import Testing

extension Array where Element == AppEffect {
    /// Alarm changes as (type, severity, raised?).
    var alarms: [(type: String, severity: Severity, raised: Bool)] {
        compactMap {
            guard case .alarm(let id, let severity, let signal) = $0 else { return nil }
            if case .raise = signal { return (id.type, severity, true) }
            return (id.type, severity, false)
        }
    }

    var raisedAlarmTypes: [String] { alarms.filter(\.raised).map(\.type) }

    func derived(_ name: String) -> Reading? {
        for case .derived(let n, let r, _) in self.reversed() where n == name { return r }
        return nil
    }

    func derivedUnit(_ name: String) -> String? {
        for case .derived(let n, _, let unit) in self.reversed() where n == name { return unit }
        return nil
    }

    /// Writes to a point of the device, in order.
    func writes(_ point: String) -> [Bool] {
        compactMap {
            guard case .write(let ref, let value) = $0, ref.point == point else { return nil }
            return value.bool
        }
    }

    var reply: Result<JSONValue, AppError>? {
        for case .reply(let r) in self { return r }
        return nil
    }
}

/// Feeds a number reading of `point` (on `device`) and returns the effects.
func feed(_ app: inout AirTerminalApp, _ point: String, _ value: Double, quality: Quality = .good, device: String = "air-1", at t: Timestamp) -> [AppEffect] {
    app.handle(.reading(PointRef(device: device, point: point), .number(value, quality: quality, at: t)), now: t)
}
