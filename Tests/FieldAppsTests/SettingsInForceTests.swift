import Testing
import FieldCore
@testable import FieldApps

/// `DeviceApp.settingsInForce`: every app lists what it applies, its defaults included, under the
/// site file's keys; a value the site sets replaces the default; and the list, typed back into
/// the site file, reads to the same settings (so its keys and notation are the parser's own).
@Suite struct SettingsInForceTests {
    @Test func lampHead() throws {
        let context = appContext("lamp-1", profile: "fg-lamp-ctl", points: ["switch": AppPointInfo(writable: true)])
        let defaults = try inForce(LampHeadAppFactory(), context, "{}")
        #expect(defaults["light-on-lux"] == .number(15))
        #expect(defaults["fallback-timeout"] == "5m")
        #expect(defaults["dusk-offset"] == "0s")
        #expect(defaults["rated-power"] == .null)
        #expect(defaults["dimming"] == .array([.object(["at": "dusk", "level": .number(100)]), .object(["at": "00:00", "level": .number(50)])]))
        let set = try inForce(LampHeadAppFactory(), context, #"{"light-on-lux": 10, "dusk-offset": "-15m", "special-days": [{"date": "10-01", "name": "National Day", "dimming": [{"at": "dusk", "level": 100}]}]}"#)
        #expect(set["light-on-lux"] == .number(10))
        #expect(set["dusk-offset"] == "-15m")
        #expect(set["voltage-high"] == .number(235.4))
        try expectRoundTrip(LampHeadAppFactory(), context, set)
    }

    @Test func poleCabinet() throws {
        let context = appContext("cabinet-1", profile: "fg-pole-cabinet", points: [:])
        let defaults = try inForce(PoleCabinetAppFactory(), context, "{}")
        #expect(defaults["water-debounce"] == "10s")
        #expect(defaults["lamps"] == .array([]))
        let set = try inForce(PoleCabinetAppFactory(), context, #"{"door-debounce": "5s", "lamps": ["lamp-1"]}"#)
        #expect(set["door-debounce"] == "5s")
        #expect(set["cable-debounce"] == "1s")
        try expectRoundTrip(PoleCabinetAppFactory(), context, set)
    }

    @Test func tilt() throws {
        let context = appContext("tilt-1", profile: "fg-tilt", points: ["tilt": AppPointInfo(unit: "°")])
        let defaults = try inForce(TiltAppFactory(), context, "{}")
        #expect(defaults["limit"] == .number(2))
        #expect(defaults["delay"] == "1m")
        let set = try inForce(TiltAppFactory(), context, #"{"limit": 3.5}"#)
        #expect(set["limit"] == .number(3.5))
        #expect(set["hysteresis"] == .number(0.5))
        try expectRoundTrip(TiltAppFactory(), context, set)
    }

    @Test func environment() throws {
        let context = appContext("env-1", profile: "fg-pole-env", points: ["pm25": AppPointInfo(unit: "µg/m³")])
        #expect(try inForce(EnvironmentAppFactory(), context, "{}") == ["sensor-fault-delay": "5m"])
        let set = try inForce(EnvironmentAppFactory(), context, #"{"sensor-fault-delay": "30s"}"#)
        #expect(set == ["sensor-fault-delay": "30s"])
        try expectRoundTrip(EnvironmentAppFactory(), context, set)
    }

    @Test func electricalFire() throws {
        let context = appContext("box-1", profile: "fg-efd", points: DistributionBox.points)
        let defaults = try inForce(ElectricalFireAppFactory(), context, "{}")
        #expect(defaults["leakage-alarm"] == .number(300))
        #expect(defaults["temperature-alarm"] == .number(80))
        #expect(defaults["over-current"] == .null)
        #expect(defaults["appliance"] == .null)
        #expect(defaults["trend-window"] == "1d")
        let set = try inForce(ElectricalFireAppFactory(), context,
                              #"{"leakage-alarm": 500, "phases": 1, "temperature-channels": [2, 1], "appliance": {"step": 1500, "hours": ["22:30", "06:00"]}}"#)
        #expect(set["leakage-alarm"] == .number(500))
        #expect(set["temperature-channels"] == .array([.number(1), .number(2)]))
        #expect(set["appliance"]?.objectValue?["hold"] == "5m")
        try expectRoundTrip(ElectricalFireAppFactory(), context, set)
    }

    @Test func electricalFireSettingsOutsideTheStandardsRanges() {
        let context = appContext("box-1", profile: "fg-efd", points: DistributionBox.points)
        let made = makeApp(ElectricalFireAppFactory(), context,
                           settings: ["leakage-alarm": 10, "temperature-alarm": 150, "phases": 2, "appliance": ["hours": ["23:00"]]])
        #expect(made.app == nil)
        #expect(made.issues == [
            "devices[0].settings.leakage-alarm: 10 is out of range (expected 20…1000)",
            "devices[0].settings.temperature-alarm: 150 is out of range (expected 55…140)",
            "devices[0].settings.phases: 1 (single phase) or 3 (three phases), got 2",
            "devices[0].settings.appliance.step: missing (required)",
            "devices[0].settings.appliance.hours: give two different local times, from and to: [\"23:00\", \"06:00\"]",
        ])
    }

    @Test func pressure() throws {
        let context = appContext("main-pt", profile: "fg-pressure-tx", points: ["pressure": AppPointInfo(unit: "MPa")])
        // The category's limit is the default in force (0.14 MPa for a municipal hydrant).
        let defaults = try inForce(PressureAppFactory(), context, #"{"category": "municipal-hydrant"}"#)
        #expect(defaults["low"] == .number(0.14))
        #expect(defaults["high"] == .null)
        #expect(defaults["delay"] == "10s")
        #expect(defaults["stale-after"] == "1m")
        #expect(defaults["points"] == nil)
        let set = try inForce(PressureAppFactory(), context, #"{"category": "municipal-hydrant", "low": 0.2, "delay": "20s"}"#)
        #expect(set["low"] == .number(0.2))
        #expect(set["delay"] == "20s")
        #expect(set["rapid-drop"] == .number(0.05))
        try expectRoundTrip(PressureAppFactory(), context, set)
    }

    @Test func pressurePointOverrides() throws {
        let points = ["inlet": AppPointInfo(unit: "MPa"), "outlet": AppPointInfo(unit: "MPa")]
        let context = appContext("pump-pt", profile: "fg-pressure-2", points: points)
        let set = try inForce(PressureAppFactory(), context, #"{"low": 0.1, "points": {"inlet": {}, "outlet": {"low": 0.3}}}"#)
        #expect(set["low"] == .number(0.1))
        // Only the point whose settings differ from the device's is listed, with all of them.
        let outlet = try #require(set["points"]?.objectValue?["outlet"]?.objectValue)
        #expect(set["points"]?.objectValue?["inlet"] == nil)
        #expect(outlet["low"] == .number(0.3))
        #expect(outlet["clear-delay"] == "10s")
    }

    @Test func tankLevel() throws {
        let context = appContext("tank-1", profile: "fg-level-tx", points: ["level": AppPointInfo(unit: "m")])
        let defaults = try inForce(TankLevelAppFactory(), context, #"{"low": 1.5}"#)
        #expect(defaults["low"] == .number(1.5))
        #expect(defaults["hysteresis"] == .number(0.05))
        #expect(defaults["delay"] == "30s")
        let set = try inForce(TankLevelAppFactory(), context, #"{"low": 1.5, "delay": "1m"}"#)
        #expect(set["delay"] == "1m")
        try expectRoundTrip(TankLevelAppFactory(), context, set)
    }

    @Test func pumpRoom() throws {
        let context = appContext("pumps", profile: "fg-pump-room", points: [:])
        let defaults = try inForce(PumpRoomAppFactory(), context, "{}")
        #expect(defaults["jockey-starts-limit"] == .number(15))
        #expect(defaults["start-delay"] == "2m")
        #expect(defaults["pressure-point"] == .null)
        let set = try inForce(PumpRoomAppFactory(), context, #"{"pressure-point": "main-pt.pressure", "start-pressure": 0.25}"#)
        #expect(set["pressure-point"] == "main-pt.pressure")
        #expect(set["start-pressure"] == .number(0.25))
        #expect(set["start-hysteresis"] == .number(0.02))
        try expectRoundTrip(PumpRoomAppFactory(), context, set)
    }

    @Test func airTerminal() throws {
        let context = AppContext(deviceID: "air-1", profileID: "fg-air-terminal", points: airTerminalPoints, site: SiteInfo(id: "school"))
        let defaults = try inForce(AirTerminalFactory(), context, "{}")
        #expect(defaults["publish-interval"] == "1m")
        #expect(defaults["fan"]?.objectValue?["min-on"] == "10m")
        let co2 = try #require(defaults["co2"]?.objectValue)
        #expect(co2["source"] == "air-1.co2")
        #expect(co2["limit"] == .number(AirPollutant.co2.defaultLimit))
        let set = try inForce(AirTerminalFactory(), context, #"{"co2": {"limit": 1500}, "pm10": "none", "buzzer": {"enabled": false}}"#)
        #expect(set["co2"]?.objectValue?["limit"] == .number(1500))
        #expect(set["pm10"] == "none")
        #expect(set["buzzer"]?.objectValue?["enabled"] == .bool(false))
        #expect(set["buzzer"]?.objectValue?["delay"] == "10m")
        try expectRoundTrip(AirTerminalFactory(), context, set)
    }

    @Test func lift() throws {
        let context = AppContext(deviceID: "lift-1", profileID: "fg-lift", points: liftPoints, site: SiteInfo(id: "tower"))
        let defaults = try inForce(LiftFactory(), context, "{}")
        #expect(defaults["reopen-count"] == .number(5))
        #expect(defaults["floors"] == .null)
        #expect(defaults["delays"]?.objectValue?[LiftFault.runTimeLimit.rawValue] == "45s")
        #expect(defaults["status-codes"]?.objectValue?["1"] == "inspection")
        // The run-time limit's default follows the travel the site sets.
        let set = try inForce(LiftFactory(), context, #"{"floors": 6, "reopen-count": 8}"#)
        #expect(set["reopen-count"] == .number(8))
        #expect(set["delays"]?.objectValue?[LiftFault.runTimeLimit.rawValue] == "25s")
        try expectRoundTrip(LiftFactory(), context, set)
    }
}

/// What the app made of `settings` applies.
private func inForce(_ factory: any DeviceAppFactory, _ context: AppContext, _ settings: String) throws -> [String: JSONValue] {
    let (app, issues) = makeApp(factory, context, settings: try JSONValue.parse(settings))
    return try #require(app, "\(issues)").settingsInForce
}

/// The settings in force, written into a site file as they are shown (nulls left out: that
/// setting is off), make the same app settings without a single issue.
private func expectRoundTrip(_ factory: any DeviceAppFactory, _ context: AppContext, _ inForce: [String: JSONValue],
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
    let (app, issues) = makeApp(factory, context, settings: withoutNulls(.object(inForce)))
    #expect(issues.isEmpty, sourceLocation: sourceLocation)
    #expect(app?.settingsInForce == inForce, sourceLocation: sourceLocation)
}

private func withoutNulls(_ v: JSONValue) -> JSONValue {
    guard let o = v.objectValue else { return v }
    return .object(o.filter { $0.value != .null }.mapValues(withoutNulls))
}
