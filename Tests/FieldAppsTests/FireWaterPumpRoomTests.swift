import Testing
import FieldCore
@testable import FieldApps

/// A hydrant main held up by a jockey pump: the pressure falls with the leak while the pump
/// rests, and rises while it runs (start at 0.30 MPa, stop at 0.35 MPa, like a pressure switch).
/// The fire pump, when running, holds the main near its 0.60 MPa shut-off head.
struct JockeyMain {
    var pressure = 0.34
    /// Leak, MPa per minute.
    var leak = 0.004
    /// What the running jockey pump adds, MPa per minute.
    var pumping = 0.2
    var jockeyRunning = false
    var valveOpen = true
    var firePumpRunning = false

    mutating func step(seconds: Double) {
        let gain = (jockeyRunning ? pumping : 0) + (firePumpRunning ? 2.0 : 0)
        pressure = min(max(pressure + (gain - leak) * seconds / 60, 0), 0.60)
        if pressure <= 0.30 { jockeyRunning = true }
        if pressure >= 0.35 { jockeyRunning = false }
    }

    /// Reports the pump room's contacts and the main's pressure to the app.
    func report(_ rig: inout LampFireRig<PumpRoomApp>) {
        rig.reading(PointRef(device: "pump-room", point: "jockey-run"), .bool(jockeyRunning))
        rig.reading(PointRef(device: "pump-room", point: "valve-open"), .bool(valveOpen))
        rig.reading(PointRef(device: "pump-room", point: "fire-pump-run"), .bool(firePumpRunning))
        rig.reading(PointRef(device: "pump-room", point: "fire-pump-fault"), .bool(false))
        rig.reading(PointRef(device: "hydrant-main", point: "pressure"), .number(pressure))
    }
}

@Suite struct FireWaterPumpRoomTests {
    let t0 = beijingTime("2026-11-21T08:00")

    static let contacts: [String: AppPointInfo] = [
        "valve-open": AppPointInfo(isSignal: true), "jockey-run": AppPointInfo(isSignal: true),
        "fire-pump-run": AppPointInfo(isSignal: true), "fire-pump-fault": AppPointInfo(isSignal: true),
    ]

    func pumpRoom(_ settings: JSONValue? = ["pressure-point": "hydrant-main.pressure", "start-pressure": 0.25]) throws -> LampFireRig<PumpRoomApp> {
        let made = makeApp(PumpRoomAppFactory(), appContext("pump-room", profile: "fg-pump-room", points: Self.contacts), settings: settings)
        #expect(made.issues.isEmpty, "\(made.issues)")
        return LampFireRig(try #require(made.app as? PumpRoomApp), at: t0)
    }

    func run(_ rig: inout LampFireRig<PumpRoomApp>, _ main: inout JockeyMain, for duration: Duration) {
        rig.run(for: duration, step: .seconds(2)) { r in
            main.step(seconds: 2)
            main.report(&r)
        }
    }

    @Test func normalJockeyCyclesRaiseNothing() throws {
        var rig = try pumpRoom()
        var main = JockeyMain()
        run(&rig, &main, for: .hours(6))
        #expect(rig.events.isEmpty, "\(rig.events.map(\.message))")
        let perHour = try #require(rig.derived["jockey-starts-per-hour"]?.goodNumber)
        #expect(perHour >= 3 && perHour <= 6)
    }

    @Test func aGrowingLeakMakesTheJockeyShortCycle() throws {
        var rig = try pumpRoom()
        var main = JockeyMain()
        run(&rig, &main, for: .hours(2))
        // The main starts to leak five times faster: the jockey pump now starts ~20 times an hour.
        main.leak = 0.02
        run(&rig, &main, for: .minutes(40))
        #expect(!rig.isActive("jockey-short-cycling"))
        run(&rig, &main, for: .minutes(40))
        #expect(rig.isActive("jockey-short-cycling") && rig.severity("jockey-short-cycling") == .minor)
        let message = try #require(rig.raises("jockey-short-cycling").first?.message)
        #expect(message.hasPrefix("jockey pump started 16 times in 60 min (limit 15)"))
        #expect(!rig.isActive("pump-failed-to-start"))
        // Repaired: an hour later the count is back under the limit, and ten quiet minutes clear it.
        main.leak = 0.004
        run(&rig, &main, for: .minutes(80))
        #expect(!rig.isActive("jockey-short-cycling"))
        #expect(rig.raises("jockey-short-cycling").count == 1)
    }

    @Test func theFirePumpFailsToStart() throws {
        var rig = try pumpRoom()
        var main = JockeyMain()
        run(&rig, &main, for: .minutes(10))
        // A hydrant is opened: far more water than the jockey pump can give.
        main.leak = 0.6
        while main.pressure >= 0.25 { run(&rig, &main, for: .seconds(2)) }
        run(&rig, &main, for: .seconds(116))
        #expect(!rig.isActive("pump-failed-to-start"))
        run(&rig, &main, for: .seconds(6))
        #expect(rig.isActive("pump-failed-to-start") && rig.severity("pump-failed-to-start") == .critical)
        let message = try #require(rig.raises("pump-failed-to-start").first?.message)
        #expect(message.contains("below the start set-point 0.25 MPa for 2m and the fire pump is not running"))
        // The pump is started by hand: the alarm clears once its run contact is steady.
        main.firePumpRunning = true
        run(&rig, &main, for: .seconds(4))
        #expect(!rig.isActive("pump-failed-to-start"))
    }

    @Test func aFirePumpThatStartsInTimeRaisesNothing() throws {
        var rig = try pumpRoom()
        var main = JockeyMain()
        run(&rig, &main, for: .minutes(10))
        main.leak = 0.6
        run(&rig, &main, for: .seconds(70))
        main.firePumpRunning = true
        run(&rig, &main, for: .minutes(10))
        #expect(rig.events.isEmpty, "\(rig.events.map(\.message))")
        // A pressure wave below the set-point for a few seconds is no demand either.
        var waves = try pumpRoom()
        let steady = JockeyMain()
        waves.run(for: .minutes(30), step: .seconds(1)) { r in
            steady.report(&r)
            if Int(r.now.seconds) % 60 < 3 {
                r.reading(PointRef(device: "hydrant-main", point: "pressure"), .number(0.12))
            }
        }
        #expect(waves.events.isEmpty)
    }

    @Test func signalValveClosedAndPumpFault() throws {
        var rig = try pumpRoom(nil)
        var main = JockeyMain()
        run(&rig, &main, for: .minutes(1))
        // Someone turns the valve and back within 4 s: debounced.
        main.valveOpen = false
        run(&rig, &main, for: .seconds(4))
        main.valveOpen = true
        run(&rig, &main, for: .minutes(1))
        #expect(rig.events.isEmpty)
        main.valveOpen = false
        run(&rig, &main, for: .seconds(8))
        #expect(rig.isActive("signal-valve-closed") && rig.severity("signal-valve-closed") == .major)
        #expect(rig.raises("signal-valve-closed").first?.id.rawValue == "pump-room/signal-valve-closed")
        rig.reading(PointRef(device: "pump-room", point: "fire-pump-fault"), .bool(true))
        rig.run(for: .seconds(3))
        #expect(rig.isActive("pump-fault"))
        #expect(rig.raises("pump-fault").first?.message == "fire pump fault signalled")
    }

    @Test func pumpRoomSettings() {
        let context = appContext("pump-room", profile: "fg-pump-room", points: Self.contacts)
        let made = makeApp(PumpRoomAppFactory(), context, settings: ["start-pressure": 0.25, "jockey-starts-limit": 0])
        #expect(made.app == nil)
        #expect(made.issues == [
            "devices[0].settings.pressure-point: missing (required with start-pressure): the main's pressure as \"device.point\"",
            "devices[0].settings.jockey-starts-limit: 0 is out of range (expected 1…1000)",
        ])
        let missing = makeApp(PumpRoomAppFactory(), context, settings: ["pressure-point": "hydrant-main"])
        #expect(missing.issues == [
            "devices[0].settings.pressure-point: expected a point as \"device.point\", got \"hydrant-main\"",
        ])
        #expect(makeApp(PumpRoomAppFactory(), context, settings: ["pressure-point": "hydrant-main.pressure"]).issues
                == ["devices[0].settings.start-pressure: missing (required)"])
    }
}

@Suite struct FireWaterTankLevelTests {
    let t0 = beijingTime("2026-11-21T08:00")
    static let points: [String: AppPointInfo] = ["level": AppPointInfo(unit: "m"), "sensor-fault": AppPointInfo()]

    func tank(_ settings: JSONValue?) -> (app: TankLevelApp?, issues: [String]) {
        let made = makeApp(TankLevelAppFactory(), appContext("roof-tank", profile: "fg-level", points: Self.points), settings: settings)
        return (made.app as? TankLevelApp, made.issues)
    }

    @Test func lowLevelAfterSloshingSettles() throws {
        var rig = LampFireRig(try #require(tank(["low": 2.0, "high": 4.5]).app), at: t0)
        var level = 3.0
        func poll(_ r: inout LampFireRig<TankLevelApp>) {
            r.reading(PointRef(device: "roof-tank", point: "level"), .number(level))
            r.reading(PointRef(device: "roof-tank", point: "sensor-fault"), .bool(false))
        }
        rig.run(for: .minutes(5), step: .seconds(5), each: poll)
        // A pump start makes the surface slosh around the limit for 20 s.
        var i = 0
        rig.run(for: .seconds(20), step: .seconds(5)) { r in
            i += 1
            level = i % 2 == 0 ? 1.9 : 2.2
            poll(&r)
        }
        level = 3.0
        rig.run(for: .minutes(1), step: .seconds(5), each: poll)
        #expect(rig.events.isEmpty)
        level = 1.6
        rig.run(for: .seconds(35), step: .seconds(5), each: poll)
        #expect(rig.isActive("low-level") && rig.severity("low-level") == .major)
        #expect(rig.raises("low-level").first?.message == "level 1.6 m below 2 m")
        #expect(rig.raises("low-level").first?.id.rawValue == "roof-tank.level/low-level")
        level = 4.8
        rig.run(for: .seconds(35), step: .seconds(5), each: poll)
        #expect(!rig.isActive("low-level") && rig.isActive("high-level"))
        // A lower limit for a tank under repair, until the gateway restarts.
        #expect((try? rig.command("set-threshold", ["high": 5.0])?.get()) == ["low": 2, "high": 5, "persistent": false])
        rig.run(for: .seconds(35), step: .seconds(5), each: poll)
        #expect(!rig.isActive("high-level"))
        guard case .failure(let e)? = rig.command("set-threshold", ["low": 6]) else {
            Issue.record("a low limit above high was accepted")
            return
        }
        #expect(e.message == "set-threshold: low: low 6 m must be below high 5 m")
    }

    @Test func sensorFaultSurvivesSilence() throws {
        var rig = LampFireRig(try #require(tank(["low": 2.0]).app), at: t0)
        rig.run(for: .seconds(10), step: .seconds(5)) { r in
            r.reading(PointRef(device: "roof-tank", point: "level"), .number(0))
            r.reading(PointRef(device: "roof-tank", point: "sensor-fault"), .bool(true))
        }
        #expect(rig.isActive("sensor-fault") && !rig.isActive("low-level"))
        // The transmitter falls silent: its last reading grows stale, which says nothing about
        // the sensor, so the fault stays reported.
        rig.run(for: .minutes(5), step: .seconds(5))
        #expect(rig.isActive("sensor-fault") && !rig.isActive("low-level"))
        #expect(rig.alarms.active.count == 1)
    }

    @Test func lowIsRequired() {
        #expect(tank([:]).issues == ["devices[0].settings.low: missing (required)"])
        #expect(tank(nil).app == nil)
        #expect(tank(["low": 3, "high": 2]).issues == ["devices[0].settings.low: 3 m must be below high (2 m)"])
    }
}
