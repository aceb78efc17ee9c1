import Testing
import FieldCore
@testable import FieldApps

/// The writes of `point` where its value changed (keep-alive refreshes repeat the value).
func changes(_ writes: [(time: Timestamp, ref: PointRef, value: PointValue)], _ point: String) -> [(time: Timestamp, ref: PointRef, value: PointValue)] {
    var out: [(time: Timestamp, ref: PointRef, value: PointValue)] = []
    for w in writes where w.ref.point == point && out.last?.value != w.value { out.append(w) }
    return out
}

/// Just enough of an fg-slc single-lamp controller with a 120 W LED luminaire for the app:
/// it obeys writes and reports what it draws. Faults are switches a test flips.
struct FakeLampController {
    let device: String
    var on = false
    var dim = 100.0
    var defaultDim = 0.0
    var fallbackTimeout = 0.0
    var lampFailed = false
    var relayStuck = false
    var leakage = 1.5
    var voltage = 226.0
    var powerFactor = 0.96
    var energyWh = 15_000.0
    var ratedPower = 120.0
    var powerScale = 1.0
    /// A silent controller answers nothing: the runtime feeds the app no readings (it raises the
    /// device's comm-lost itself).
    var silent = false
    var seenWrites = 0

    var burning: Bool { (on || relayStuck) && !lampFailed }
    var power: Double { burning ? ratedPower * (on ? dim : 100) / 100 * powerScale : 0 }
    var current: Double { burning ? power / voltage / powerFactor : 0.004 }

    /// Obeys the app's writes, then answers a poll (every `interval`).
    mutating func poll<App>(_ rig: inout LampFireRig<App>, interval: Duration) {
        for w in rig.writes[seenWrites...] where w.ref.device == device {
            switch (w.ref.point, w.value) {
            case ("switch", .bool(let b)): on = b
            case ("dim", .number(let n)): dim = n
            case ("default-dim", .number(let n)): defaultDim = n
            case ("fallback-timeout", .number(let n)): fallbackTimeout = n
            default: Issue.record("unexpected write \(w.ref) = \(w.value)")
            }
        }
        seenWrites = rig.writes.count
        energyWh += power * interval.inSeconds / 3600
        guard !silent else { return }
        let values: [(String, PointValue)] = [
            ("switch", .bool(on)), ("dim", .number(dim)), ("default-dim", .number(defaultDim)),
            ("fallback-timeout", .number(fallbackTimeout)), ("voltage", .number(voltage)), ("current", .number(current)),
            ("power", .number(power)), ("power-factor", .number(burning ? powerFactor : 0)), ("energy", .number(energyWh.rounded())),
            ("leakage-current", .number(leakage)), ("relay-failure", .bool(false)), ("driver-failure", .bool(false)),
        ]
        for (point, value) in values {
            rig.reading(PointRef(device: device, point: point), value)
        }
    }

    static let points: [String: AppPointInfo] = {
        var p: [String: AppPointInfo] = [:]
        for name in ["switch"] { p[name] = AppPointInfo(unit: "", writable: true) }
        for name in ["dim", "default-dim"] { p[name] = AppPointInfo(unit: "%", writable: true) }
        p["fallback-timeout"] = AppPointInfo(unit: "s", writable: true)
        let read: [(String, String)] = [("voltage", "V"), ("current", "A"), ("power", "W"), ("power-factor", ""), ("energy", "Wh"),
                                        ("burning-hours", "h"), ("driver-temperature", "°C"), ("leakage-current", "mA"),
                                        ("fault-flags", ""), ("relay-failure", ""), ("driver-failure", "")]
        for (name, unit) in read { p[name] = AppPointInfo(unit: unit) }
        return p
    }()
}

@Suite struct LampHeadTests {
    /// Xuchang, 2026-11-21 (UTC+8): sunset and sunrise from the astronomical clock itself, which
    /// AstronomicalClockTests checks against published tables.
    let xuchang = GeoLocation(latitude: 34.0357, longitude: 113.8523, utcOffsetMinutes: 480)
    let noon = beijingTime("2026-11-21T12:00")

    func lamp(_ settings: JSONValue? = nil, latitude: Double? = 34.0357, longitude: Double? = 113.8523) throws -> LampHeadApp {
        let context = appContext("lamp-1a", profile: "fg-slc", points: FakeLampController.points, latitude: latitude, longitude: longitude)
        let made = makeApp(LampHeadAppFactory(), context, settings: settings)
        #expect(made.issues.isEmpty, "\(made.issues)")
        return try #require(made.app as? LampHeadApp)
    }

    func sun(_ y: Int, _ m: Int, _ d: Int) throws -> (rise: Timestamp, set: Timestamp) {
        guard case .risesAndSets(let r, let s) = AstronomicalClock.solarDay(year: y, month: m, day: d, at: xuchang) else {
            throw LampTestError.noSun
        }
        return (r, s)
    }

    enum LampTestError: Error { case noSun }

    /// A whole healthy night, noon to noon at a 5 s poll: on at sunset, 50 % from midnight, off at
    /// sunrise, no alarm, and the day's burning hours and energy add up.
    @Test func aHealthyNight() throws {
        var rig = LampFireRig(try lamp(["rated-power": 120]), at: noon)
        var controller = FakeLampController(device: "lamp-1a")
        let evening = try sun(2026, 11, 21), morning = try sun(2026, 11, 22)
        rig.run(for: .hours(24), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }

        #expect(rig.alarms.all.isEmpty, "\(rig.alarms.all.map(\.message))")
        // Writes at start: the controller's own fallback, then off (it is day).
        #expect(controller.defaultDim == 100 && controller.fallbackTimeout == 300)
        // Keep-alive refreshes repeat the same value: what counts is when the value changes.
        let switches = changes(rig.writes, "switch")
        #expect(switches.map(\.value) == [.bool(false), .bool(true), .bool(false)])
        #expect(abs((switches[1].time - evening.set).inSeconds) <= 5)
        #expect(abs((switches[2].time - morning.rise).inSeconds) <= 5)
        let dims = changes(rig.writes, "dim")
        #expect(dims.map(\.value) == [.number(100), .number(50)])
        let midnightDim = try #require(dims.last)
        #expect(midnightDim.time - beijingTime("2026-11-22T00:00") <= .seconds(5))
        // Yesterday's totals were published at midnight: the evening's burning time.
        let yesterday = try #require(rig.derivedHistory.first { $0.name == "burning-hours-yesterday" }?.reading.goodNumber)
        let eveningHours = (beijingTime("2026-11-22T00:00") - evening.set).inSeconds / 3600
        #expect(abs(yesterday - eveningHours) < 0.01)
        // Today so far (the morning): burning hours match, energy is 60 W for those hours.
        let morningHours = (morning.rise - beijingTime("2026-11-22T00:00")).inSeconds / 3600
        #expect(abs(try #require(rig.derived["burning-hours-today"]?.goodNumber) - morningHours) < 0.02)
        #expect(abs(try #require(rig.derived["energy-today"]?.goodNumber) - 0.060 * morningHours) < 0.005)
        #expect(rig.derived["control-mode"]?.value == .text("schedule"))
        let sunset = rig.derivedHistory.first { $0.name == "sunset" }?.reading.value
        #expect(sunset == .text(String(evening.set.iso8601(offsetMinutes: 480).dropFirst(11).prefix(8))))
    }

    @Test func aLampFailsAtTwoInTheMorning() throws {
        var rig = LampFireRig(try lamp(), at: beijingTime("2026-11-22T01:30"))
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .minutes(30), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        controller.lampFailed = true
        rig.run(for: .seconds(55), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(!rig.isActive("lamp-failure"), "raised before the settle time")
        rig.run(for: .seconds(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.isActive("lamp-failure"))
        #expect(rig.severity("lamp-failure") == .major)
        #expect(rig.raises("lamp-failure").first?.message == "lamp commanded on at 50 % but its current 0.004 A is below 0.05 A")
        // Switched off at dawn, the lamp is still broken: the alarm stays until it is seen burning.
        rig.run(for: .hours(6), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(controller.on == false)
        #expect(rig.isActive("lamp-failure"))
        #expect(!rig.isActive("day-burner") && !rig.isActive("power-low"))
        #expect(rig.raises("lamp-failure").count == 1)
    }

    @Test func leakageCurrentIsCritical() throws {
        var rig = LampFireRig(try lamp(), at: beijingTime("2026-11-21T22:00"))
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .minutes(5), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        controller.leakage = 29
        rig.run(for: .minutes(5), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(!rig.isActive("leakage-current"))
        controller.leakage = 42
        rig.run(for: .seconds(5), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.isActive("leakage-current"))
        #expect(rig.severity("leakage-current") == .critical)
        #expect(rig.raises("leakage-current").first?.message == "leakage current 42 mA above 30 mA")
        // Back to 27 mA: inside the 5 mA hysteresis, still active.
        controller.leakage = 27
        rig.run(for: .minutes(5), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.isActive("leakage-current"))
        controller.leakage = 3
        rig.run(for: .seconds(55), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.isActive("leakage-current"))
        rig.run(for: .seconds(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(!rig.isActive("leakage-current"))
    }

    @Test func dayBurnerWhenTheRelayIsStuck() throws {
        var rig = LampFireRig(try lamp(), at: beijingTime("2026-11-21T09:00"))
        var controller = FakeLampController(device: "lamp-1a")
        controller.relayStuck = true
        rig.run(for: .seconds(55), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(!rig.isActive("day-burner"))
        rig.run(for: .seconds(15), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.isActive("day-burner") && rig.severity("day-burner") == .minor)
        #expect(!rig.isActive("lamp-failure"))
    }

    @Test func supplyVoltageNeedsToStayOutOfBand() throws {
        var rig = LampFireRig(try lamp(["fault-delay": "2m"]), at: beijingTime("2026-11-21T22:00"))
        var controller = FakeLampController(device: "lamp-1a")
        // A one-minute sag is not an under-voltage.
        controller.voltage = 190
        rig.run(for: .minutes(1), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        controller.voltage = 226
        rig.run(for: .minutes(3), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.events.isEmpty)
        controller.voltage = 241
        rig.run(for: .minutes(3), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.isActive("over-voltage"))
        #expect(rig.raises("over-voltage").first?.message == "supply voltage 241 V above 235.4 V")
    }

    @Test func powerAndPowerFactorAgainstRatedPower() throws {
        var rig = LampFireRig(try lamp(["rated-power": 120, "fault-delay": "5m"]), at: beijingTime("2026-11-21T20:00"))
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .minutes(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.events.isEmpty)
        controller.powerScale = 1.4
        controller.powerFactor = 0.7
        rig.run(for: .minutes(6), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.isActive("power-high") && rig.isActive("low-power-factor"))
        #expect(rig.severity("low-power-factor") == .warning)
        controller.powerScale = 0.5
        controller.powerFactor = 0.95
        rig.run(for: .minutes(7), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(!rig.isActive("power-high") && !rig.isActive("low-power-factor") && rig.isActive("power-low"))
    }

    @Test func aSilentControllerIsNotJudgedOnItsLastValues() throws {
        var rig = LampFireRig(try lamp(["fault-delay": "5m", "stale-after": "2m"]), at: beijingTime("2026-11-21T22:00"))
        var controller = FakeLampController(device: "lamp-1a")
        controller.voltage = 241
        rig.run(for: .minutes(1), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        // The controller falls silent with an over-voltage pending: after two minutes its last
        // reading is stale, and five minutes pass without an alarm raised on old data.
        controller.silent = true
        rig.run(for: .minutes(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.events.isEmpty)
        // It answers again, still at 241 V: now the over-voltage counts, after its own delay.
        controller.silent = false
        rig.run(for: .minutes(6), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(rig.isActive("over-voltage"))
    }

    @Test func controllerFallbackIsWrittenAndKept() throws {
        var rig = LampFireRig(try lamp(["default-dim": 80, "fallback-timeout": "10m"]), at: noon)
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .seconds(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(controller.defaultDim == 80 && controller.fallbackTimeout == 600)
        // A controller swapped for a new one comes with its factory defaults: they are put back.
        controller.defaultDim = 0
        controller.fallbackTimeout = 0
        rig.run(for: .minutes(1), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(controller.defaultDim == 80 && controller.fallbackTimeout == 600)
        #expect(rig.writes.filter { $0.ref.point == "default-dim" }.count == 2)
    }

    @Test func theCommandedLevelIsRefreshedBeforeTheControllerFallsBack() throws {
        // At 22:00 the lamp burns at 100 %; a 2-minute fallback timeout means the gateway must
        // command the controller at least every minute, or it drops to its default level.
        var rig = LampFireRig(try lamp(["fallback-timeout": "2m"]), at: beijingTime("2026-11-21T22:00"))
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .seconds(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        let first = rig.writes.filter { $0.ref.point == "switch" }.count
        rig.run(for: .minutes(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        let refreshes = rig.writes.filter { $0.ref.point == "switch" }.count - first
        #expect((9...11).contains(refreshes), "one refresh a minute over ten minutes, got \(refreshes)")
        #expect(controller.on && controller.dim == 100)
    }

    @Test func aSwitchReadBackThatDisagreesIsRewritten() throws {
        var rig = LampFireRig(try lamp(), at: beijingTime("2026-11-21T22:00"))
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .minutes(1), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(controller.on)
        controller.on = false  // the controller rebooted and lost its state
        rig.run(for: .seconds(40), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(controller.on)
        #expect(rig.writes.filter { $0.ref.point == "switch" }.count == 2)
    }

    @Test func manualOverrideExpiresBackToTheSchedule() throws {
        var rig = LampFireRig(try lamp(), at: noon)
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .seconds(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        let reply = rig.command("lamp", ["action": "dim", "level": 30, "for": "30m"], by: "wang")
        guard case .success(let answer)? = reply else {
            Issue.record("expected success, got \(reply)")
            return
        }
        #expect(answer["mode"] == "manual" && answer["level"] == 30 && answer["by"] == "wang")
        #expect(answer["until"] == .string("2026-11-21T12:30:10.000+08:00"))
        rig.run(for: .seconds(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(controller.on && controller.dim == 30)
        #expect(rig.derived["control-mode"]?.value == .text("manual"))
        // Lamp checks apply to a manual "on" as well: a healthy lamp raises nothing.
        rig.run(for: .minutes(31), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(!controller.on)
        #expect(rig.derived["control-mode"]?.value == .text("schedule"))
        #expect(rig.alarms.all.isEmpty)

        _ = rig.command("lamp", ["action": "on"])
        rig.run(for: .seconds(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(controller.on && controller.dim == 100)
        let auto = rig.command("lamp", ["action": "auto"])
        #expect((try? auto?.get())?["mode"] == "schedule")
        rig.run(for: .seconds(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(!controller.on)
    }

    @Test func badLampCommandsAreRefusedWithTheReason() throws {
        var rig = LampFireRig(try lamp(), at: noon)
        func error(_ r: Result<JSONValue, AppError>?) -> String? {
            if case .failure(let e) = r { return e.message }
            return nil
        }
        #expect(error(rig.command("lamp", ["action": "dim"])) == "lamp: level: required with action \"dim\"")
        #expect(error(rig.command("lamp", ["action": "dim", "level": 150])) == "lamp: level: 150 is out of range (expected 0…100)")
        #expect(error(rig.command("lamp", ["action": "blink"])) == "lamp: action: \"blink\" is not allowed (expected one of: on, off, dim, auto)")
        #expect(error(rig.command("lamp", ["action": "on", "for": "3d"])) == "lamp: for: 3d is out of range (expected 1m…1d)")
        #expect(error(rig.command("lamp", ["action": "on", "colour": "red"]))?.hasPrefix("lamp: colour: unknown key") == true)
        #expect(error(rig.command("lamp", "on")) == "lamp: arguments must be an object, got a string")
        #expect(error(rig.command("reboot")) == "lamp head lamp-1a does not know the command \"reboot\" (it takes: lamp)")
        #expect(rig.derived["control-mode"]?.value == .text("schedule"))
    }

    @Test func failSafeWithoutAClock() throws {
        // An RTC without battery: the board woke up in 1970.
        var rig = LampFireRig(try lamp(), at: Timestamp(seconds: 3600))
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .minutes(1), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(controller.on && controller.dim == 100)
        #expect(rig.isActive("schedule-unavailable"))
        #expect(rig.raises("schedule-unavailable").first?.message.hasPrefix("schedule cannot be evaluated: clock not set") == true)
        #expect(rig.derived["control-mode"]?.value == .text("fail-safe"))
        // The technician sets the date: back to the schedule (noon: off), alarm cleared.
        rig.now = noon
        rig.run(for: .seconds(10), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(!controller.on && !rig.isActive("schedule-unavailable"))
    }

    @Test func failSafeWithoutALocationUsesTheLightSensor() throws {
        let sensor = PointRef(device: "env-1", point: "illuminance")
        var rig = LampFireRig(try lamp(["light-sensor": "env-1.illuminance", "light-sensor-delay": "1m"], latitude: nil, longitude: nil), at: noon)
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .minutes(3), step: .seconds(5)) {
            controller.poll(&$0, interval: .seconds(5))
            $0.reading(sensor, .number(8000))
        }
        #expect(!controller.on && rig.isActive("schedule-unavailable"))
        rig.run(for: .minutes(3), step: .seconds(5)) {
            controller.poll(&$0, interval: .seconds(5))
            $0.reading(sensor, .number(3))
        }
        #expect(controller.on && rig.derived["control-mode"]?.value == .text("fail-safe"))
        // The sensor fails too: lamps on, whatever its last value said.
        rig.run(for: .minutes(3), step: .seconds(5)) {
            controller.poll(&$0, interval: .seconds(5))
            $0.reading(sensor, .number(8000), quality: .commError)
        }
        #expect(controller.on)
    }

    @Test func aStormLightsTheLampsAndChatterDoesNot() throws {
        let sensor = PointRef(device: "env-1", point: "illuminance")
        var rig = LampFireRig(try lamp(["light-sensor": "env-1.illuminance"]), at: beijingTime("2026-11-21T14:00"))
        var controller = FakeLampController(device: "lamp-1a")
        var lux = 20_000.0
        func poll(_ r: inout LampFireRig<LampHeadApp>) {
            controller.poll(&r, interval: .seconds(5))
            r.reading(sensor, .number(lux))
        }
        rig.run(for: .minutes(5), step: .seconds(5), each: poll)
        // Around the switching level for 20 minutes: 12 and 20 lx alternating every 10 s.
        var flip = false
        rig.run(for: .minutes(20), step: .seconds(5)) { r in
            flip.toggle()
            lux = flip ? 12 : 20
            poll(&r)
        }
        #expect(changes(rig.writes, "switch").count == 1)
        // A storm: dark for good.
        lux = 6
        rig.run(for: .minutes(1), step: .seconds(5), each: poll)
        #expect(!controller.on)
        rig.run(for: .minutes(2), step: .seconds(5), each: poll)
        #expect(controller.on && controller.dim == 100)
        #expect(rig.derived["control-mode"]?.value == .text("light-sensor"))
        // 25 lx is inside the hysteresis band: stays on; 40 lx for the delay: off.
        lux = 25
        rig.run(for: .minutes(5), step: .seconds(5), each: poll)
        #expect(controller.on)
        lux = 40
        rig.run(for: .minutes(3), step: .seconds(5), each: poll)
        #expect(!controller.on)
    }

    @Test func polarNightKeepsTheLampsOnAllDay() throws {
        var rig = LampFireRig(try lamp(latitude: 69.6492, longitude: 18.9553), at: beijingTime("2026-12-15T12:00"))
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .hours(3), step: .seconds(5)) { controller.poll(&$0, interval: .seconds(5)) }
        #expect(controller.on)
        #expect(rig.derived["sunrise"]?.value == .text("polar night"))
        #expect(rig.derived["control-mode"]?.value == .text("schedule"))
    }

}

/// Issue 15, lamps: the morning light-sensor level, civil twilight, and the CJJ 45 switching.
@Suite struct LampTwilightTests {
    let tests = LampHeadTests()

    /// An overcast morning after sunrise at Xuchang (22 Nov: sunrise about 06:57): 8 lx, darker than
    /// CJJ 45's 15 lx; returns the control mode, the dim level and whether the lamp burns at 08:00.
    func overcastMorning(_ settings: JSONValue) throws -> (mode: PointValue?, dim: Double, on: Bool) {
        let sensor = PointRef(device: "env-1", point: "illuminance")
        var rig = LampFireRig(try tests.lamp(settings), at: beijingTime("2026-11-22T05:00"))
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .hours(3), step: .seconds(5)) { r in
            controller.poll(&r, interval: .seconds(5))
            r.reading(sensor, .number(8))
        }
        return (rig.derived["control-mode"]?.value, controller.dim, controller.on)
    }

    @Test func anOvercastMorningKeepsTheNightsLevelNotTheDusksLevel() throws {
        // The default profile burns 50 % from midnight: the dark morning goes on at 50 %, as the
        // night ended, not at the 100 % of dusk.
        let morning = try overcastMorning(["light-sensor": "env-1.illuminance"])
        #expect(morning.mode == .text("light-sensor") && morning.on)
        #expect(morning.dim == 50)
        // Its own level when the site gives one.
        let own = try overcastMorning(["light-sensor": "env-1.illuminance", "light-sensor-dawn-level": 80])
        #expect(own.dim == 80)
        // A part-night profile that ends dark falls back to the dusk level: a dark road needs light.
        let partNight = try overcastMorning(["light-sensor": "env-1.illuminance",
                                             "dimming": [["at": "dusk", "level": 90], ["at": "01:00", "level": 0]]])
        #expect(partNight.dim == 90 && partNight.on)
    }

    @Test func civilTwilightSwitchesAtTheSunSixDegreesDown() throws {
        let xuchang = GeoLocation(latitude: 34.0357, longitude: 113.8523, utcOffsetMinutes: 480)
        guard case .risesAndSets(let rise, let set) = AstronomicalClock.solarDay(year: 2026, month: 3, day: 20, at: xuchang),
              case .risesAndSets(let dawn, let dusk) = AstronomicalClock.solarDay(
                localDate: CivilTime.days(year: 2026, month: 3, day: 20), at: xuchang, zenith: AstronomicalClock.civilTwilightZenith) else {
            Issue.record("no sunrise at Xuchang")
            return
        }
        // At 34° N near the equinox civil twilight lasts about 25 minutes (5.17° at 15°/h ÷ cos 34°).
        let evening = (dusk - set).inSeconds / 60, morning = (rise - dawn).inSeconds / 60
        #expect(evening > 23 && evening < 27, "\(evening) min")
        #expect(morning > 23 && morning < 27, "\(morning) min")
        // A lamp on civil twilight is still off 10 minutes after sunset and on after civil dusk.
        var rig = LampFireRig(try tests.lamp(["twilight": "civil"]), at: set - .minutes(30))
        var controller = FakeLampController(device: "lamp-1a")
        rig.run(for: .minutes(40), step: .seconds(5)) { r in controller.poll(&r, interval: .seconds(5)) }
        #expect(!controller.on)
        rig.run(for: .minutes(20), step: .seconds(5)) { r in controller.poll(&r, interval: .seconds(5)) }
        #expect(controller.on)
        let published = rig.derivedHistory.first { $0.name == "sunset" }?.reading.value
        // Sunset itself is published, to the second, whatever the lamps switch at.
        #expect(published == .text(String(set.iso8601(offsetMinutes: 480).dropFirst(11).prefix(8))))
    }
}
