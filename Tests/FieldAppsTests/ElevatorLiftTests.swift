import Testing
import FieldCore
@testable import FieldApps

/// Floor counting, status, statistics, commands, the controller variant and settings.
@Suite struct ElevatorLiftTests {
    @Test func theCountSynchronisesAtATerminalFloorWithoutAnInput() throws {
        // Floors −1, 1, 2, 3, 4 (no floor 0); the car starts somewhere unknown.
        var rig = try LiftRig(#"{"floors": 5, "bottom-floor": -1}"#)
        rig.wait(.seconds(1))
        #expect(rig.effects.derived("car-floor")?.quality == .insufficientData)
        rig.run(.up, floors: 2)
        rig.wait(.seconds(1))
        #expect(rig.app.carFloor == nil)
        // Two more floors up: the only way to have gone four floors up is from the bottom to the top.
        rig.run(.up, floors: 2)
        rig.wait(.seconds(1))
        #expect(rig.app.carFloor == 4)
        #expect(rig.effects.derived("car-floor")?.value == .number(4))
        rig.run(.down, floors: 3)
        rig.wait(.seconds(1))
        #expect(rig.effects.derived("car-floor")?.value == .number(1))
        rig.run(.down, floors: 1)
        rig.wait(.seconds(1))
        #expect(rig.effects.derived("car-floor")?.value == .number(-1))
        #expect(rig.raised.isEmpty)
    }

    @Test func aFastVaneIsCountedAndAGlitchIsNot() throws {
        var rig = try LiftRig()
        _ = rig.command("set-floor", ["floor": 1])
        rig.set(.up, true)
        rig.wait(.seconds(1))
        rig.set(.doorZone, false)
        // Landing 2's vane passed at 2.5 m/s: a 60 ms pulse, seen only by its two edges.
        rig.wait(.milliseconds(1140))
        rig.set(.doorZone, true)
        rig.wait(.milliseconds(60))
        rig.set(.doorZone, false)
        // A 10 ms glitch between landings.
        rig.wait(.milliseconds(500))
        rig.set(.doorZone, true)
        rig.wait(.milliseconds(10))
        rig.set(.doorZone, false)
        rig.wait(.milliseconds(700))
        rig.set(.doorZone, true)
        rig.wait(.milliseconds(800))
        rig.set(.up, false)
        rig.wait(.seconds(1))
        #expect(rig.app.carFloor == 3)
        #expect(rig.effects.derived("trips")?.value == .number(1))
    }

    @Test func statusAsDerivedValues() throws {
        var rig = try LiftRig()
        rig.wait(.seconds(1))
        #expect(rig.effects.derived("direction")?.value == .text("stopped"))
        #expect(rig.effects.derived("door-state")?.value == .text("closed"))
        #expect(rig.effects.derived("occupied")?.value == .bool(false))
        #expect(rig.effects.derived("mode")?.value == .text("normal"))
        rig.forget()
        rig.set(.doorsClosed, false)
        rig.set(.occupancy, true)
        rig.wait(.seconds(1))
        #expect(rig.effects.derived("door-state")?.value == .text("open"))
        #expect(rig.effects.derived("occupied")?.value == .bool(true))
        #expect(rig.effects.derived("door-cycles")?.value == .number(1))
        rig.set(.occupancy, false)
        rig.set(.doorsClosed, true)
        rig.wait(.seconds(2))
        rig.forget()
        rig.set(.down, true)
        rig.wait(.seconds(1))
        #expect(rig.effects.derived("direction")?.value == .text("down"))
        rig.set(.down, false)
        // The PIR is held 10 s after the last motion.
        rig.wait(.seconds(6))
        #expect(rig.effects.derived("occupied")?.value == nil)
        rig.wait(.seconds(3))
        #expect(rig.effects.derived("occupied")?.value == .bool(false))
    }

    @Test func statisticsOnDemandAndRestored() throws {
        var rig = try LiftRig()
        _ = rig.command("set-floor", ["floor": 1])
        for _ in 0..<3 {
            rig.board()
            rig.run(.up, floors: 1)
            rig.board()
            rig.run(.down, floors: 1)
        }
        rig.set(.alarmButton, true)
        rig.wait(.seconds(1))
        guard case .success(let stats)? = rig.command("stats") else {
            Issue.record("stats refused")
            return
        }
        #expect(stats["trips"] == 6)
        #expect(stats["door-cycles"] == 6)
        #expect(stats["faults"] == ["alarm-button": 1])
        #expect((stats["running-hours"]?.numberValue ?? 0) > 0)
        #expect(rig.effects.derived("faults-alarm-button")?.value == .number(1))
        #expect(rig.effects.derived("faults")?.value == .number(1))
        #expect(rig.effects.derivedUnit("running-hours") == "h")

        // After a restart the runtime gives back what it kept.
        var fresh = try LiftRig()
        guard case .success = fresh.command("restore-stats", stats) else {
            Issue.record("restore refused")
            return
        }
        fresh.wait(.seconds(1))
        #expect(fresh.effects.derived("trips")?.value == .number(6))
        #expect(fresh.app.stats.json == stats)
        guard case .failure(let error)? = fresh.command("restore-stats", ["trips": -1]) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.message == "restore-stats: trips must be a whole number ≥ 0")
    }

    @Test func statusCommandAndRefusals() throws {
        var rig = try LiftRig(#"{"floors": 10, "bottom-floor": -2}"#)
        _ = rig.command("set-floor", 3)
        guard case .success(let status)? = rig.command("status") else {
            Issue.record("status refused")
            return
        }
        #expect(status["floor"] == 3)
        #expect(status["position"] == "at floor 3")
        #expect(status["door"] == "closed")
        #expect(status["floor-count"] == "synchronised")
        #expect(status["active-alarms"] == [])
        func refusal(_ name: String, _ args: JSONValue) -> String? {
            if case .failure(let e)? = rig.command(name, args) { return e.message }
            return nil
        }
        #expect(refusal("set-floor", ["floor": 0]) == "set-floor: the lift does not serve floor 0")
        #expect(refusal("set-floor", ["floor": 9]) == "set-floor: the lift does not serve floor 9")
        #expect(refusal("maintenance", ["action": "pause"]) == "maintenance: action must be one of: start, end")
        #expect(refusal("open-doors", [:]) == "unknown command \"open-doors\" (the lift takes: status, stats, restore-stats, maintenance, set-floor)")
        rig.set(.up, true)
        rig.wait(.seconds(1))
        #expect(refusal("set-floor", ["floor": 3]) == "set-floor: the car must be stopped in a door zone")
        var uncounted = try LiftRig("{}")
        #expect(uncounted.app.counter == nil)
        if case .failure(let e)? = uncounted.command("set-floor", 2) {
            #expect(e.message.hasPrefix("set-floor: floors are not counted"))
        } else {
            Issue.record("expected a refusal")
        }
    }

    /// Issue 17: a controller register read as a float can hold 3.4e38; `Int(_:)` of it trapped.
    @Test func controllerValuesPastIntAreNoFloorNotATrap() throws {
        var rig = try LiftRig(#"{"floors": 10}"#, points: liftControllerPoints)
        for v in [3.4e38, -3.4e38, 1e300] {
            rig.setNumber("floor", v)
            rig.setNumber("status", v)
            rig.setNumber("fault-code", v)
            rig.wait(.seconds(1))
        }
        #expect(rig.effects.derived("car-floor")?.value != .number(3.4e38))
    }

    @Test func controllerRegistersWhenTheProfileHasThem() throws {
        var rig = try LiftRig(#"{"floors": 10}"#, points: liftControllerPoints)
        #expect(rig.app.subscriptions.contains(PointRef(device: "lift-1", point: "fault-code")))
        rig.setNumber("floor", 7)
        rig.setNumber("status", 0)
        rig.setNumber("fault-code", 0)
        rig.wait(.seconds(1))
        #expect(rig.effects.derived("car-floor")?.value == .number(7))
        // The controller's speed: above 1.15 m/s for 3 s while running.
        rig.set(.up, true)
        rig.setNumber("speed", 1.3)
        rig.wait(.seconds(2))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(3))
        #expect(rig.raised == ["overspeed"])
        #expect(rig.effects.derived("car-speed") == nil)
        rig.set(.up, false)
        rig.setNumber("speed", 0)
        rig.setNumber("fault-code", 17)
        rig.wait(.seconds(1))
        guard case .alarm(_, .major, .raise(.number(17), let message))? = rig.effects.last(where: {
            if case .alarm(let id, _, _) = $0 { id.type == "controller-fault" } else { false }
        }) else {
            Issue.record("no controller fault")
            return
        }
        #expect(message == "controller fault code 17")
        // The service mode is bits 8–11 of the status word: 2 = fire return (the low bits are the
        // controller's own direction, zone, door and occupancy flags).
        rig.setNumber("status", Double(2 << 8 | 0b1100))
        rig.wait(.seconds(1))
        #expect(rig.effects.derived("mode")?.value == .text("fire-return"))
        // The controller says which floor the stopped car is at: the counter follows it.
        #expect(rig.app.counter?.landing == 6)
    }

    @Test func settingsErrorsNameTheirPath() throws {
        let (app, issues) = try liftFactoryResult("""
            {"floors": 1, "debounce": {"door-zone": "fast"}, "delays": {"trapped": "90s", "overspeed": "5s"},
             "disabled": ["smoke"], "status-codes": {"x": "normal", "5": "parked"}, "bottom": 1}
            """)
        let text = issues.map(\.description)
        #expect(text.contains("floors: 1 is out of range (expected 2…250)"))
        #expect(text.contains("debounce.door-zone: expected a duration such as \"500ms\", \"30s\", \"10m\" or \"2h\", got \"fast\""))
        #expect(text.contains { $0.hasPrefix("delays.trapped: unknown key") })
        #expect(text.contains { $0.hasPrefix("disabled[0]: expected an alarm type") })
        #expect(text.contains("status-codes.x: expected a service-mode code (0–15) as the key"))
        #expect(text.contains { $0.hasPrefix("status-codes.5: unknown value \"parked\"") })
        #expect(text.contains { $0.hasPrefix("bottom: unknown key") })
        #expect(issues.count == 7)
        #expect(app == nil)
        let (ok, none) = try makeLift(#"{"floors": 12, "delays": {"stopped-outside-door-zone": "45s"}, "status-codes": {"0": "normal", "9": "out-of-service"}}"#)
        #expect(none.isEmpty)
        #expect(ok.settings.delays[.stoppedOutsideDoorZone] == .seconds(45))
        #expect(ok.settings.statusCodes == [0: .normal, 9: .outOfService])
    }
}
