import Testing
import FieldCore
@testable import FieldApps

/// The pole cabinet, the tilt sensor and the environment station.
@Suite struct LampPoleDeviceTests {
    let t0 = beijingTime("2026-11-21T10:00")

    static let cabinetPoints: [String: AppPointInfo] = [
        "door": AppPointInfo(isSignal: true), "water": AppPointInfo(isSignal: true),
        "cable-loop": AppPointInfo(isSignal: true), "manhole": AppPointInfo(isSignal: true),
    ]

    func cabinet(_ settings: JSONValue? = nil) throws -> LampFireRig<PoleCabinetApp> {
        let made = makeApp(PoleCabinetAppFactory(), appContext("pole-7", profile: "fg-pole-cabinet", points: Self.cabinetPoints), settings: settings)
        #expect(made.issues.isEmpty, "\(made.issues)")
        var rig = LampFireRig(try #require(made.app as? PoleCabinetApp), at: t0)
        // GPIO signals report their state at start and then on every edge.
        for (signal, value) in [("door", false), ("water", false), ("cable-loop", true), ("manhole", false)] {
            rig.reading(PointRef(device: "pole-7", point: signal), .bool(value))
        }
        return rig
    }

    func edge(_ rig: inout LampFireRig<PoleCabinetApp>, _ signal: String, _ value: Bool) {
        rig.reading(PointRef(device: "pole-7", point: signal), .bool(value))
    }

    @Test func doorOpenedWithoutAWindowIsDebounced() throws {
        var rig = try cabinet()
        rig.run(for: .minutes(1))
        // A bounce of one second (a lorry shaking the pole) raises nothing.
        edge(&rig, "door", true)
        rig.run(for: .seconds(1))
        edge(&rig, "door", false)
        rig.run(for: .minutes(1))
        #expect(rig.events.isEmpty)
        edge(&rig, "door", true)
        rig.run(for: .seconds(1))
        #expect(!rig.isActive("door-open"))
        rig.run(for: .seconds(2))
        #expect(rig.isActive("door-open") && rig.severity("door-open") == .major)
        #expect(rig.raises("door-open").first?.message == "cabinet door open")
        edge(&rig, "door", false)
        rig.run(for: .seconds(3))
        #expect(!rig.isActive("door-open"))
    }

    @Test func aMaintenanceWindowSuppressesTheDoorAndTellsThePlatform() throws {
        var rig = try cabinet()
        rig.tick()
        #expect(rig.derived["maintenance"]?.value == .bool(false))
        let reply = rig.command("maintenance", ["action": "start", "for": "30m"], by: "li")
        #expect((try? reply?.get()) == ["maintenance": true, "until": "2026-11-21T10:30:00.000+08:00", "by": "li"])
        #expect(rig.derived["maintenance"]?.value == .bool(true))
        #expect(rig.derived["maintenance-until"]?.value == .text("2026-11-21T10:30:00.000+08:00"))
        #expect(rig.derived["maintenance-by"]?.value == .text("li"))
        edge(&rig, "door", true)
        rig.run(for: .minutes(20))
        #expect(rig.events.isEmpty)
        // The window runs out with the door still open: now it is an alarm, and says why.
        rig.run(for: .minutes(11))
        #expect(rig.isActive("door-open"))
        #expect(rig.raises("door-open").first?.message == "cabinet door still open after the maintenance window ended")
        #expect(rig.derived["maintenance"]?.value == .bool(false))
        // A window started while the door alarm is up clears it.
        _ = rig.command("maintenance", ["action": "start"])
        #expect(!rig.isActive("door-open"))
        #expect(rig.derived["maintenance-until"]?.value == .text("2026-11-21T11:31:00.000+08:00"))
        edge(&rig, "door", false)
        rig.run(for: .seconds(5))
        let end = rig.command("maintenance", ["action": "end"])
        #expect((try? end?.get())?["was-active"] == true)
        rig.run(for: .minutes(5))
        #expect(rig.alarms.active.isEmpty)
    }

    @Test func badMaintenanceCommands() throws {
        var rig = try cabinet()
        func message(_ r: Result<JSONValue, AppError>?) -> String? {
            if case .failure(let e) = r { return e.message }
            return nil
        }
        #expect(message(rig.command("maintenance", [:])) == "maintenance: action: missing (required)")
        #expect(message(rig.command("maintenance", ["action": "start", "for": "2d"])) == "maintenance: for: 2d is out of range (expected 1m…1d)")
        #expect(message(rig.command("maintenance", ["action": "end", "for": "1h"])) == "maintenance: for: not allowed with action \"end\"")
        #expect(message(rig.command("lamp", ["action": "on"])) == "pole cabinet pole-7 does not know the command \"lamp\" (it takes: maintenance)")
    }

    @Test func waterCableAndManhole() throws {
        var rig = try cabinet()
        rig.run(for: .seconds(5))
        // A splash: 3 s of water is not immersion.
        edge(&rig, "water", true)
        rig.run(for: .seconds(3))
        edge(&rig, "water", false)
        rig.run(for: .seconds(30))
        #expect(rig.events.isEmpty)
        edge(&rig, "water", true)
        rig.run(for: .seconds(11))
        edge(&rig, "cable-loop", false)
        edge(&rig, "manhole", true)
        rig.run(for: .seconds(3))
        #expect(rig.isActive("water-immersion") && rig.isActive("cable-cut") && rig.isActive("manhole-open"))
        #expect(rig.severity("manhole-open") == .critical && rig.severity("cable-cut") == .major)
        #expect(rig.raises("cable-cut").first?.message == "anti-theft cable loop broken (cable cut or pulled)")
        // Maintenance does not hide a cut cable.
        _ = rig.command("maintenance", ["action": "start"])
        #expect(rig.isActive("cable-cut"))
    }

    @Test func poleTotalsFromItsLampHeads() throws {
        var rig = try cabinet(["lamps": ["lamp-7a", "lamp-7b"]])
        #expect(rig.app.subscriptions.contains(PointRef(device: "lamp-7a", point: "energy-today")))
        func lamp(_ id: String, _ name: String, _ v: Double) {
            rig.reading(PointRef(device: id, point: name), .number(v))
        }
        lamp("lamp-7a", "energy-today", 0.5)
        lamp("lamp-7a", "burning-hours-today", 5)
        lamp("lamp-7b", "energy-today", 0.25)
        lamp("lamp-7b", "burning-hours-today", 4.5)
        rig.tick()
        #expect(rig.derived["pole-energy-today"]?.value == .number(0.75))
        #expect(rig.derived["pole-burning-hours-today"]?.value == .number(5))
        // Yesterday's totals are summed once every lamp has rolled over.
        rig.now = beijingTime("2026-11-22T00:00:01")
        lamp("lamp-7a", "energy-yesterday", 1.2)
        rig.run(for: .seconds(2))
        lamp("lamp-7b", "energy-yesterday", 0.6)
        rig.run(for: .seconds(29))
        #expect(rig.derived["pole-energy-yesterday"] == nil)
        rig.run(for: .seconds(2))
        #expect(rig.derived["pole-energy-yesterday"]?.value == .number(1.8))
        // Values from before midnight no longer count for today.
        lamp("lamp-7a", "energy-today", 0.01)
        rig.run(for: .seconds(61))
        #expect(rig.derived["pole-energy-today"]?.value == .number(0.01))
    }

    @Test func tiltBeyondTheLimitAfterTheDelay() throws {
        let points = ["tilt-x": AppPointInfo(unit: "°"), "tilt-y": AppPointInfo(unit: "°"), "tilt": AppPointInfo(unit: "°")]
        let made = makeApp(TiltAppFactory(), appContext("tilt-7", profile: "fg-tilt", points: points),
                           settings: ["baseline-x": 0.3, "baseline-y": -0.2, "limit": 2])
        var rig = LampFireRig(try #require(made.app as? TiltApp), at: t0)
        var x = 0.3, y = -0.2
        func poll(_ r: inout LampFireRig<TiltApp>) {
            r.reading(PointRef(device: "tilt-7", point: "tilt-x"), .number(x))
            r.reading(PointRef(device: "tilt-7", point: "tilt-y"), .number(y))
        }
        rig.run(for: .minutes(5), step: .seconds(5), each: poll)
        // A gust sways the pole 3° for 20 s: no alarm.
        x = 3.3
        rig.run(for: .seconds(20), step: .seconds(5), each: poll)
        x = 0.4
        rig.run(for: .minutes(2), step: .seconds(5), each: poll)
        #expect(rig.events.isEmpty)
        // A car hit it: 2.5° for good.
        x = 1.8
        y = 1.8
        rig.run(for: .seconds(55), step: .seconds(5), each: poll)
        #expect(!rig.isActive("pole-tilt"))
        rig.run(for: .seconds(10), step: .seconds(5), each: poll)
        #expect(rig.isActive("pole-tilt"))
        #expect(rig.raises("pole-tilt").first?.message == "pole tilt from its baseline 2.5 ° above 2 °")
        #expect(rig.derived["tilt-deviation"]?.value == .number(2.5))
        // The sensor goes silent: its last angles grow stale and are no longer judged; the lean
        // stays reported (the runtime raises the device's comm-lost).
        rig.run(for: .minutes(10), step: .seconds(5))
        #expect(rig.isActive("pole-tilt"))
        #expect(rig.app.deviation(at: rig.now) == nil)
    }

    @Test func environmentStationReportsAFailedSensor() throws {
        let points = ["pm25": AppPointInfo(unit: "µg/m³"), "illuminance": AppPointInfo(unit: "lx")]
        let made = makeApp(EnvironmentAppFactory(), appContext("env-7", profile: "fg-pole-env", points: points), settings: ["sensor-fault-delay": "5m"])
        var rig = LampFireRig(try #require(made.app as? EnvironmentApp), at: t0)
        var pm25 = Reading.number(180, at: t0)
        func poll(_ r: inout LampFireRig<EnvironmentApp>) {
            pm25.time = r.now
            r.send(.reading(PointRef(device: "env-7", point: "pm25"), pm25))
            r.reading(PointRef(device: "env-7", point: "illuminance"), .number(12_000))
        }
        rig.run(for: .minutes(10), step: .seconds(10), each: poll)
        // Heavy smog is the environment's business, not a fault of the station; a minute of
        // nonsense (dust on the optics) is not a fault either.
        pm25.quality = .outOfRange
        rig.run(for: .minutes(1), step: .seconds(10), each: poll)
        pm25.quality = .good
        rig.run(for: .minutes(1), step: .seconds(10), each: poll)
        #expect(rig.events.isEmpty)
        pm25.quality = .outOfRange
        rig.run(for: .minutes(6), step: .seconds(10), each: poll)
        #expect(rig.alarms.active.map(\.id.rawValue) == ["env-7.pm25/sensor-fault"])
        #expect(rig.severity("sensor-fault") == .minor)
        #expect(rig.raises("sensor-fault").first?.message == "pm25 sensor faulty or reading outside its range")
        pm25.quality = .good
        rig.run(for: .seconds(10), step: .seconds(10), each: poll)
        #expect(rig.alarms.active.isEmpty)
        let bad = makeApp(EnvironmentAppFactory(), appContext("env-7", profile: "fg-pole-env", points: points), settings: ["sensor-fault-dealy": "2m"])
        #expect(bad.issues == ["devices[0].settings.sensor-fault-dealy: unknown key (did you mean \"sensor-fault-delay\"?)"])
    }
}
