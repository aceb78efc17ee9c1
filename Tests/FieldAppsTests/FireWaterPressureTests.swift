import Testing
import FieldCore
@testable import FieldApps

/// Pressure points: GB 50974 category limits, hysteresis and delays against pressure waves,
/// rapid drop, NE43 sensor faults, silent devices, and `set-threshold`.
@Suite struct FireWaterPressureTests {
    let t0 = beijingTime("2026-11-21T03:00")

    static let transmitter: [String: AppPointInfo] = [
        "pressure": AppPointInfo(unit: "MPa"), "sensor-fault": AppPointInfo(),
        "address": AppPointInfo(writable: true), "baud-code": AppPointInfo(writable: true), "zero": AppPointInfo(writable: true),
    ]

    func transmitter(_ settings: JSONValue?) throws -> LampFireRig<PressureApp> {
        let made = makeApp(PressureAppFactory(), appContext("hydrant-main", profile: "fg-pressure-tx", points: Self.transmitter), settings: settings)
        #expect(made.issues.isEmpty, "\(made.issues)")
        return LampFireRig(try #require(made.app as? PressureApp), at: t0)
    }

    /// Polls `pressure` once a second with `value(second)`.
    func run(_ rig: inout LampFireRig<PressureApp>, seconds: Int, point: String = "pressure", quality: Quality = .good, _ value: (Int) -> Double) {
        var i = 0
        rig.run(for: .seconds(seconds)) { r in
            r.reading(PointRef(device: r.app.deviceID, point: point), .number(value(i)), quality: quality)
            i += 1
        }
    }

    @Test func municipalHydrantLowPressureWithHysteresis() throws {
        var rig = try transmitter(["category": "municipal-hydrant"])
        run(&rig, seconds: 60) { _ in 0.25 }
        #expect(rig.events.isEmpty)
        run(&rig, seconds: 9) { _ in 0.12 }
        #expect(!rig.isActive("low-pressure"))
        run(&rig, seconds: 2) { _ in 0.12 }
        #expect(rig.isActive("low-pressure") && rig.severity("low-pressure") == .major)
        #expect(rig.raises("low-pressure").first?.message == "pressure 0.12 MPa below 0.14 MPa")
        #expect(rig.raises("low-pressure").first?.id.rawValue == "hydrant-main.pressure/low-pressure")
        // 0.145 is above the limit but inside the 0.01 MPa hysteresis: still low.
        run(&rig, seconds: 60) { _ in 0.145 }
        #expect(rig.isActive("low-pressure"))
        run(&rig, seconds: 12) { _ in 0.16 }
        #expect(!rig.isActive("low-pressure"))
    }

    @Test func pressureWavesDoNotChatter() throws {
        var rig = try transmitter(["category": "municipal-hydrant"])
        // An hour of water hammer: every 30 s the pressure dips to 0.08 MPa for two seconds and
        // rings back, as when a pump starts or a valve shuts quickly.
        run(&rig, seconds: 3600) { i in
            switch i % 30 {
            case 10: 0.08
            case 11: 0.11
            case 12: 0.31
            default: 0.26
            }
        }
        #expect(rig.events.isEmpty, "\(rig.events.map(\.message))")
        // A pressure hovering at the limit (0.135/0.145 alternating) raises nothing.
        var hovering = try transmitter(["category": "municipal-hydrant"])
        run(&hovering, seconds: 600) { i in i % 2 == 0 ? 0.135 : 0.145 }
        #expect(hovering.events.isEmpty)
    }

    @Test func aBurstRaisesRapidDropThenLowPressure() throws {
        var rig = try transmitter(["category": "municipal-hydrant"])
        run(&rig, seconds: 30) { _ in 0.40 }
        let burst = [0.40, 0.31, 0.22, 0.15, 0.10, 0.08]
        run(&rig, seconds: 60) { i in burst[min(i, burst.count - 1)] }
        #expect(rig.isActive("rapid-drop") && rig.isActive("low-pressure"))
        let rapid = try #require(rig.raises("rapid-drop").first)
        let low = try #require(rig.raises("low-pressure").first)
        #expect(rapid.time < low.time)
        #expect(rapid.message.hasPrefix("pressure fell"))
        // Repaired: the pressure comes back and stays; the rapid drop clears after a quiet minute.
        run(&rig, seconds: 90) { _ in 0.40 }
        #expect(!rig.isActive("rapid-drop") && !rig.isActive("low-pressure"))
    }

    @Test func aSlowLeakIsNotARapidDrop() throws {
        var rig = try transmitter(["category": "municipal-hydrant"])
        run(&rig, seconds: 3600) { i in 0.40 - Double(i) * 0.00002 }
        #expect(rig.raises("rapid-drop").isEmpty)
        #expect(rig.raises("low-pressure").isEmpty)
    }

    @Test func indoorHydrantStandbyIsJudgedAsStaticPressure() throws {
        // Issue 15, defect 4: §7.4.12's 0.50 MPa is a flowing limit. A lower-floor outlet standing
        // at 0.72 MPa static (its pressure-reducing hydrant acts only when water flows) is normal,
        // and so is a top-floor outlet at 0.12 MPa (the roof tank's static pressure, §5.2.2).
        var low = try transmitter(["category": "indoor-hydrant"])
        run(&low, seconds: 600) { _ in 0.72 }
        var top = try transmitter(["category": "indoor-hydrant-high"])
        run(&top, seconds: 600) { _ in 0.12 }
        #expect(low.events.isEmpty && top.events.isEmpty)
        // Above 1.0 MPa static the outlet's zone is not what it was designed as (§6.2.1).
        run(&low, seconds: 15) { _ in 1.08 }
        #expect(low.isActive("high-pressure") && low.severity("high-pressure") == .minor)
        #expect(low.raises("high-pressure").first?.message == "pressure 1.08 MPa above 1 MPa")
    }

    @Test func indoorHydrantFlowingLimitsApplyOnlyWhileWaterFlows() throws {
        let flow = PointRef(device: "pump-room", point: "fire-pump-run")
        let made = makeApp(PressureAppFactory(), appContext("hydrant-12f", profile: "fg-pressure-tx", points: Self.transmitter),
                           settings: ["category": "indoor-hydrant-high", "flowing": "pump-room.fire-pump-run"])
        #expect(made.issues.isEmpty, "\(made.issues)")
        let app = try #require(made.app as? PressureApp)
        #expect(app.subscriptions.contains(flow))
        var rig = LampFireRig(app, at: t0)
        var flowing = false
        var pressure = 0.30
        func poll(_ r: inout LampFireRig<PressureApp>) {
            r.reading(flow, .bool(flowing))
            r.reading(PointRef(device: "hydrant-12f", point: "pressure"), .number(pressure))
        }
        // Standby at 0.30 MPa static: below the flowing minimum of 0.35, but nothing flows.
        rig.run(for: .minutes(5), each: poll)
        #expect(rig.events.isEmpty)
        // The fire pump runs and the outlet delivers only 0.30 MPa: too little to fight a fire.
        flowing = true
        rig.run(for: .seconds(15), each: poll)
        #expect(rig.isActive("low-flowing-pressure") && rig.severity("low-flowing-pressure") == .major)
        #expect(rig.raises("low-flowing-pressure").first?.message == "flowing pressure 0.3 MPa below 0.35 MPa")
        // The water stops: the flowing limit no longer applies and its alarm clears.
        flowing = false
        rig.run(for: .seconds(2), each: poll)
        #expect(!rig.isActive("low-flowing-pressure"))
        // Flowing at 0.62 MPa: above 0.50, the reduction is missing or failed.
        flowing = true
        pressure = 0.62
        rig.run(for: .seconds(15), each: poll)
        #expect(rig.isActive("high-flowing-pressure") && rig.severity("high-flowing-pressure") == .minor)
        #expect(!rig.isActive("high-pressure"))
    }

    @Test func aPointStuckOutOfRangeBecomesASensorFault() throws {
        // Issue 15, defect 2: a loop left in NE43's ambiguous band keeps the last good value
        // (quality out-of-range); beyond the fault delay that is a sensor fault, not silence.
        var rig = try transmitter(["category": "municipal-hydrant"])
        run(&rig, seconds: 10) { _ in 0.3 }
        run(&rig, seconds: 4, quality: .outOfRange) { _ in 0.3 }
        #expect(rig.events.isEmpty)
        run(&rig, seconds: 2, quality: .outOfRange) { _ in 0.3 }
        #expect(rig.isActive("sensor-fault") && !rig.isActive("low-pressure"))
        #expect(rig.raises("sensor-fault").first?.message.hasPrefix("pressure sensor fault: the reading stays out of range") == true)
        // From the ambiguous band into the failure band and on: one fault, whatever the band.
        run(&rig, seconds: 10, quality: .sensorFault) { _ in 0 }
        #expect(rig.raises("sensor-fault").count == 1)
        run(&rig, seconds: 2) { _ in 0.3 }
        #expect(!rig.isActive("sensor-fault"))
        // A short excursion out of range that comes back within the delay raises nothing.
        var brief = try transmitter(["category": "municipal-hydrant"])
        run(&brief, seconds: 10) { _ in 0.3 }
        run(&brief, seconds: 3, quality: .outOfRange) { _ in 0.3 }
        run(&brief, seconds: 30) { _ in 0.3 }
        #expect(brief.events.isEmpty)
    }

    @Test func transmitterFaultBitAndSilence() throws {
        var rig = try transmitter(["category": "sprinkler"])
        run(&rig, seconds: 10) { _ in 0.3 }
        // The transmitter flags its own fault; its pressure value is not to be trusted.
        rig.run(for: .seconds(6)) { r in
            r.reading(PointRef(device: "hydrant-main", point: "sensor-fault"), .bool(true))
            r.reading(PointRef(device: "hydrant-main", point: "pressure"), .number(0.0))
        }
        #expect(rig.isActive("sensor-fault") && !rig.isActive("low-pressure"))
        #expect(rig.raises("sensor-fault").first?.id.rawValue == "hydrant-main.pressure/sensor-fault")
        rig.run(for: .seconds(2)) { r in
            r.reading(PointRef(device: "hydrant-main", point: "sensor-fault"), .bool(false))
            r.reading(PointRef(device: "hydrant-main", point: "pressure"), .number(0.3))
        }
        #expect(!rig.isActive("sensor-fault"))
        // Comm errors are not pressures (the runtime raises the device's comm-lost).
        run(&rig, seconds: 60, quality: .commError) { _ in 0 }
        #expect(rig.alarms.active.isEmpty)
    }

    @Test func aSilentTransmitterIsNotJudgedOnItsLastValue() throws {
        var rig = try transmitter(["category": "municipal-hydrant", "delay": "90s", "stale-after": "60s"])
        run(&rig, seconds: 30) { _ in 0.3 }
        // One low reading, then silence: the runtime feeds the app nothing more. The reading
        // goes stale after a minute, before the 90 s delay ends: no alarm on old data.
        run(&rig, seconds: 1) { _ in 0.12 }
        rig.run(for: .minutes(5))
        #expect(rig.events.isEmpty)
        // Answers again, still low: the delay starts afresh and the alarm follows.
        run(&rig, seconds: 91) { _ in 0.12 }
        #expect(rig.isActive("low-pressure"))
    }

    @Test func analogModuleChannelsWithACutLoop() throws {
        let points = ["ch1": AppPointInfo(unit: "MPa"), "ch2": AppPointInfo(unit: "MPa"), "ch3": AppPointInfo(unit: "mA"), "ch4": AppPointInfo(unit: "mA")]
        let made = makeApp(PressureAppFactory(), appContext("pump-room-ai", profile: "fg-ai4", points: points), settings: [
            "points": ["ch1": ["category": "sprinkler"], "ch2": ["category": "indoor-hydrant-high", "delay": "20s"]],
        ])
        #expect(made.issues.isEmpty, "\(made.issues)")
        let app = try #require(made.app as? PressureApp)
        #expect(app.subscriptions == [PointRef(device: "pump-room-ai", point: "ch1"), PointRef(device: "pump-room-ai", point: "ch2")])
        #expect(app.settings.points["ch2"]?.flowingLow == 0.35 && app.settings.points["ch2"]?.low == nil
                && app.settings.points["ch2"]?.delay == .seconds(20))
        var rig = LampFireRig(app, at: t0)
        var ch2Quality = Quality.good
        func poll(_ r: inout LampFireRig<PressureApp>) {
            r.reading(PointRef(device: "pump-room-ai", point: "ch1"), .number(0.32))
            // NE43: below 3.6 mA the runtime marks the channel sensor-fault and keeps the last value.
            r.reading(PointRef(device: "pump-room-ai", point: "ch2"), .number(0.45), quality: ch2Quality)
        }
        rig.run(for: .minutes(1), each: poll)
        ch2Quality = .sensorFault
        rig.run(for: .seconds(6), each: poll)
        #expect(rig.alarms.active.map(\.id.rawValue) == ["pump-room-ai.ch2/sensor-fault"])
        #expect(rig.alarms.active.first?.message == "pressure sensor fault: transmitter fault, or the 4–20 mA loop open, shorted or at NAMUR NE43's failure signal")
        ch2Quality = .good
        rig.run(for: .seconds(2), each: poll)
        #expect(rig.alarms.active.isEmpty)
    }

    @Test func setThresholdChangesALimitUntilRestart() throws {
        var rig = try transmitter(["category": "municipal-hydrant"])
        run(&rig, seconds: 30) { _ in 0.18 }
        let reply = rig.command("set-threshold", ["low": 0.2])
        #expect((try? reply?.get()) == ["point": "pressure", "low": 0.2, "high": nil, "rapid-drop": 0.05, "persistent": false])
        run(&rig, seconds: 11) { _ in 0.18 }
        #expect(rig.isActive("low-pressure"))
        #expect(rig.raises("low-pressure").first?.message == "pressure 0.18 MPa below 0.2 MPa")
        func message(_ r: Result<JSONValue, AppError>?) -> String? {
            if case .failure(let e) = r { return e.message }
            return nil
        }
        #expect(message(rig.command("set-threshold", [:])) == "set-threshold: (top level): give at least one of low, high, rapid-drop (or alarm and value)")
        // The platform's uniform form: {"alarm": TYPE, "value": V}.
        let uniform = rig.command("set-threshold", ["alarm": "high-pressure", "value": 0.9])
        #expect(try uniform?.get()["high"] == .number(0.9))
        #expect(message(rig.command("set-threshold", ["alarm": "low-level", "value": 1]))?.contains("\"low-level\" is not allowed") == true)
        #expect(message(rig.command("set-threshold", ["point": "ch9", "low": 0.1]))
                == "set-threshold: point: \"ch9\" is not allowed (expected one of: pressure)")
        #expect(message(rig.command("set-threshold", ["low": 0.3, "high": 0.25])) == "set-threshold: low: low 0.3 MPa must be below high 0.25 MPa")
        #expect(message(rig.command("set-threshold", ["low": "high"])) == "set-threshold: low: expected a number, got a string")
        // Issue 17: the platform sent 1e308 and was told "inf is out of range".
        let huge = message(rig.command("set-threshold", ["alarm": "high-pressure", "value": 1e308]))
        #expect(huge?.contains("1e+308") == true && huge?.contains("inf") == false, "\(huge ?? "accepted")")
    }

    @Test func settingsNeedALimitAndNameRealPoints() {
        let context = appContext("hydrant-main", profile: "fg-pressure-tx", points: Self.transmitter)
        let none = makeApp(PressureAppFactory(), context, settings: [:])
        #expect(none.app == nil)
        #expect(none.issues == ["devices[0].settings: no low or high limit for pressure: give a \"category\" (municipal-hydrant, roof-tank-residential, roof-tank-public, roof-tank-over-100m, roof-tank-industrial, roof-tank-industrial-small, sprinkler, jockey-pump, indoor-hydrant, indoor-hydrant-high, custom) or \"low\"/\"high\""])
        #expect(makeApp(PressureAppFactory(), context, settings: nil).app == nil)
        let bad = makeApp(PressureAppFactory(), context, settings: [
            "category": "hydrant", "points": ["presure": ["low": 0.2]], "low": 0.6, "high": 0.5, "rapid-drop-confirm": "20s",
        ])
        #expect(bad.app == nil)
        #expect(bad.issues.contains("devices[0].settings.category: unknown value \"hydrant\" (expected one of: municipal-hydrant, roof-tank-residential, roof-tank-public, roof-tank-over-100m, roof-tank-industrial, roof-tank-industrial-small, sprinkler, jockey-pump, indoor-hydrant, indoor-hydrant-high, custom)"))
        #expect(bad.issues.contains("devices[0].settings.low: 0.6 MPa must be below high (0.5 MPa)"))
        #expect(bad.issues.contains("devices[0].settings.rapid-drop-confirm: must be shorter than rapid-drop-window (10s)"))
        #expect(bad.issues.contains { $0.hasPrefix("devices[0].settings.points.presure: device hydrant-main has no point \"presure\"") })
        let custom = makeApp(PressureAppFactory(), context, settings: ["category": "custom", "low": 0.3, "rapid-drop": 0])
        #expect(custom.issues.isEmpty)
        #expect((custom.app as? PressureApp)?.settings.points["pressure"]?.rapidDrop == 0)
    }
}
