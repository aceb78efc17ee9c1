import Testing
import FieldCore
@testable import FieldApps

/// Each fault: detected at its threshold, not before, and not in the normal operation next to it.
@Suite struct ElevatorFaultTests {
    func severity(_ rig: LiftRig, _ type: String) -> Severity? {
        rig.effects.alarms.first { $0.type == type }?.severity
    }

    @Test func trappedInTheDoorZoneAfter90Seconds() throws {
        var rig = try LiftRig()
        rig.board()
        rig.wait(.seconds(2))
        rig.fidget()
        // Seen again 12 s after the first motion with the doors shut: a person, not a blip.
        rig.wait(.seconds(11))
        rig.fidget()
        rig.wait(.seconds(85))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(6))
        #expect(rig.raised == ["trapped-passenger"])
        #expect(severity(rig, "trapped-passenger") == .critical)
        // The passenger stands still: still trapped. The doors open in the zone: cleared.
        rig.wait(.minutes(5))
        #expect(rig.cleared.isEmpty)
        rig.set(.doorsClosed, false)
        rig.wait(.seconds(1))
        #expect(rig.cleared == ["trapped-passenger"])
    }

    @Test func anEmptyParkedCarIsNotTrapped() throws {
        var rig = try LiftRig()
        // Someone walks out just before the doors close: the PIR is still held, but no motion
        // starts after the doors closed, so the car is empty once the hold runs out.
        rig.board()
        rig.wait(.hours(2))
        #expect(rig.raised.isEmpty)
        #expect(rig.app.isOccupied == false)
    }

    @Test func aPIRBlipInAParkedCarIsNoTrap() throws {
        // Issue 15: one 1 s blip in an idle car with its doors closed made a critical rescue call.
        var rig = try LiftRig()
        rig.wait(.minutes(10))
        rig.fidget()
        rig.wait(.seconds(1))
        #expect(rig.app.isOccupied)
        rig.wait(.minutes(30))
        #expect(rig.raised.isEmpty)
        #expect(rig.app.isOccupied == false)
        // Another blip half an hour later is one blip again, not "repeated presence".
        rig.fidget()
        rig.wait(.minutes(10))
        #expect(rig.raised.isEmpty)
        // Motion again within the minute, 10 s or more after the first: a person moving in a shut car.
        rig.fidget()
        rig.wait(.seconds(11))
        rig.fidget()
        rig.wait(.seconds(88))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(2))
        #expect(rig.raised == ["trapped-passenger"])
    }

    @Test func aChatteringPIRWithinTheConfirmationIsStillOneBlip() throws {
        var rig = try LiftRig()
        for _ in 0..<4 {
            rig.set(.occupancy, true)
            rig.wait(.milliseconds(300))
            rig.set(.occupancy, false)
            rig.wait(.milliseconds(700))
        }
        rig.wait(.minutes(10))
        #expect(rig.raised.isEmpty)
    }

    @Test func aPersonMovingInAShutCarIsTrappedWithoutARun() throws {
        // Someone walked into the parked car, the doors closed and the car never left: the PIR sees
        // them all along (a sustained signal, no new edge).
        var rig = try LiftRig()
        rig.set(.doorsClosed, false)
        rig.wait(.seconds(2))
        rig.set(.occupancy, true)
        rig.wait(.seconds(2))
        rig.set(.doorsClosed, true)
        rig.wait(.seconds(99))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(3))
        #expect(rig.raised == ["trapped-passenger"])
    }

    @Test func theAlarmButtonInAStoppedShutCarIsATrap() throws {
        var rig = try LiftRig()
        rig.set(.alarmButton, true)
        rig.wait(.seconds(1))
        rig.set(.alarmButton, false)
        #expect(rig.raised == ["alarm-button"])
        rig.wait(.seconds(89))
        #expect(rig.raised == ["alarm-button"])
        rig.wait(.seconds(2))
        #expect(rig.raised == ["alarm-button", "trapped-passenger"])
    }

    @Test func aPassengerCarriedToAFloorWhoseDoorsStayShutIsTrapped() throws {
        // The classic in-zone trap: a run with someone aboard ends and the doors never open. The
        // passenger stands still after arriving: the PIR seen with the doors shut before the run
        // ended is the evidence.
        var rig = try LiftRig()
        _ = rig.command("set-floor", ["floor": 1])
        rig.board()
        rig.fidget()
        rig.run(.up, floors: 3)
        rig.wait(.seconds(89))
        #expect(!rig.raised.contains("trapped-passenger"))
        rig.wait(.seconds(2))
        #expect(rig.raised.contains("trapped-passenger"))
        // An empty car that parks after a run without opening (homing) is not.
        var empty = try LiftRig()
        _ = empty.command("set-floor", ["floor": 1])
        empty.run(.up, floors: 3)
        empty.wait(.minutes(5))
        empty.fidget()
        empty.wait(.minutes(5))
        #expect(empty.raised.isEmpty)
    }

    @Test func firefighterModeSuppressesTheInZoneTrapButNotTheOutOfZoneOne() throws {
        var rig = try LiftRig(#"{"floors": 10}"#, points: liftControllerPoints)
        rig.setNumber("status", Double(3 << 8))
        rig.set(.alarmButton, true)
        rig.wait(.seconds(1))
        rig.set(.alarmButton, false)
        rig.wait(.minutes(5))
        #expect(!rig.raised.contains("trapped-passenger"))
        // Back to normal service with the firefighter still shut in: now it is a trap.
        rig.setNumber("status", 0)
        rig.wait(.seconds(91))
        #expect(rig.raised.contains("trapped-passenger"))

        var stuck = try LiftRig(#"{"floors": 10}"#, points: liftControllerPoints)
        _ = stuck.command("set-floor", ["floor": 1])
        stuck.setNumber("status", Double(3 << 8))
        stuck.board()
        stuck.fidget()
        stuck.run(.up, floors: 2, stopShort: true)
        stuck.wait(.seconds(16))
        #expect(stuck.raised.contains("trapped-passenger-out-of-zone"))
    }

    @Test func trappedOutOfZoneAndStoppedOutsideAfter15Seconds() throws {
        var rig = try LiftRig()
        _ = rig.command("set-floor", ["floor": 1])
        rig.board()
        rig.wait(.seconds(1))
        rig.fidget()
        rig.run(.up, floors: 2, stopShort: true)
        rig.wait(.seconds(13))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(3))
        #expect(Set(rig.raised) == ["trapped-passenger-out-of-zone", "stopped-outside-door-zone"])
        #expect(severity(rig, "trapped-passenger-out-of-zone") == .critical)
        #expect(severity(rig, "stopped-outside-door-zone") == .major)
        guard case .alarm(_, _, .raise(_, let message))? = rig.effects.first(where: {
            if case .alarm(let id, _, _) = $0 { id.type == "stopped-outside-door-zone" } else { false }
        }) else {
            Issue.record("no message")
            return
        }
        #expect(message == "car stopped outside a door zone between floors 2 and 3 for 15s")
        // Rescue: the car is brought to the next landing; the passenger is free when the doors open.
        rig.forget()
        rig.wait(.minutes(3))
        rig.run(.up, floors: 1)
        #expect(rig.cleared == ["stopped-outside-door-zone"])
        rig.wait(.seconds(5))
        rig.set(.doorsClosed, false)
        rig.wait(.seconds(1))
        #expect(rig.cleared == ["stopped-outside-door-zone", "trapped-passenger-out-of-zone"])
    }

    @Test func alarmButtonIsCriticalAndIgnoresATouch() throws {
        var rig = try LiftRig()
        rig.set(.alarmButton, true)
        rig.wait(.milliseconds(200))
        rig.set(.alarmButton, false)
        rig.wait(.seconds(5))
        #expect(rig.raised.isEmpty)
        rig.set(.alarmButton, true)
        rig.wait(.seconds(1))
        #expect(rig.raised == ["alarm-button"])
        #expect(severity(rig, "alarm-button") == .critical)
        rig.set(.alarmButton, false)
        rig.wait(.seconds(29))
        #expect(rig.cleared.isEmpty)
        rig.wait(.seconds(3))
        #expect(rig.cleared == ["alarm-button"])
    }

    @Test func theAlarmButtonAsksToBeWokenWhenItsDebounceEnds() throws {
        var rig = try LiftRig()
        #expect(rig.app.wakeUp == nil, "nothing pending at rest")
        let pressed = rig.t
        rig.set(.alarmButton, true)
        let debounce = rig.app.settings.debounce[.alarmButton] ?? .zero
        #expect(rig.app.wakeUp == pressed + debounce)
        // Ticked at that moment (the engine's wake-up), it raises then, not at the next second.
        let effects = rig.app.handle(.tick, now: pressed + debounce)
        #expect(effects.raisedAlarmTypes == ["alarm-button"])
    }

    @Test func movingWithDoorsOpenButNotReLevelling() throws {
        var rig = try LiftRig()
        rig.set(.doorsClosed, false)
        rig.wait(.seconds(2))
        // Re-levelling with the doors open, inside the zone: normal.
        rig.set(.up, true)
        rig.wait(.milliseconds(1500))
        rig.set(.up, false)
        rig.wait(.seconds(5))
        #expect(rig.raised.isEmpty)
        // The car leaves the zone with the doors open.
        rig.set(.up, true)
        rig.wait(.seconds(1))
        rig.set(.doorZone, false)
        rig.wait(.milliseconds(500))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(2))
        #expect(rig.raised == ["moving-with-doors-open"])
        // Passing the next floor's door zone does not clear it (no chatter floor by floor)…
        rig.set(.doorZone, true)
        rig.wait(.milliseconds(400))
        rig.set(.doorZone, false)
        rig.wait(.seconds(2))
        #expect(rig.cleared.isEmpty)
        #expect(rig.raised == ["moving-with-doors-open"])
        // …the car stopping does.
        rig.set(.up, false)
        rig.wait(.seconds(1))
        #expect(rig.cleared == ["moving-with-doors-open"])
    }

    @Test func doorsOpenedWhileRunningButNotForAChatteringLock() throws {
        var rig = try LiftRig()
        rig.set(.up, true)
        rig.wait(.seconds(1))
        rig.set(.doorZone, false)
        rig.wait(.seconds(1))
        // A poorly fitted lock contact chatters for 100 ms: the contact's debounce absorbs it.
        rig.set(.doorsClosed, false)
        rig.wait(.milliseconds(100))
        rig.set(.doorsClosed, true)
        rig.wait(.seconds(3))
        #expect(rig.raised.isEmpty)
        rig.set(.doorsClosed, false)
        rig.wait(.seconds(1))
        #expect(rig.raised == ["doors-opened-while-running"])
    }

    @Test func overrunAtTheTopAndTheBottom() throws {
        var rig = try LiftRig()
        _ = rig.command("set-floor", ["floor": 10])
        rig.run(.up, floors: 1, stopShort: true)
        rig.wait(.seconds(1))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(2))
        #expect(rig.raised == ["overrun-top"])
        #expect(rig.app.statusReport(now: rig.t)["position"] == "above the top landing")

        var bottom = try LiftRig()
        _ = bottom.command("set-floor", ["floor": 1])
        bottom.run(.down, floors: 1, stopShort: true)
        bottom.wait(.seconds(3))
        #expect(bottom.raised == ["overrun-bottom"])
    }

    @Test func overspeedFromFloorTiming() throws {
        var rig = try LiftRig()
        _ = rig.command("set-floor", ["floor": 1])
        // Rated 1 m/s (3 m in 3 s): a floor every 2.4 s is 1.25 m/s, above 115 %.
        rig.run(.up, floors: 6, secondsPerFloor: 2.4)
        rig.wait(.seconds(1))
        #expect(rig.raised == ["overspeed"])
        #expect(rig.effects.derived("car-speed")?.value == .number(0))
        // At the rated speed: nothing.
        var normal = try LiftRig()
        _ = normal.command("set-floor", ["floor": 1])
        normal.run(.up, floors: 9)
        normal.wait(.seconds(5))
        #expect(normal.raised.isEmpty)
    }

    @Test func overspeedUsesEachFloorsOwnHeight() throws {
        // Issue 15: with one floor-height for every floor, a building whose upper floors are
        // lower than its typical one reads fast there. Here the
        // rated speed is 1 m/s (3 m in 3 s) and the upper floors are 2.5 m: passing them every
        // 2.6 s is 0.96 m/s, not the 1.15 m/s a single 3 m floor height computes.
        let settings = #"{"floors": 8, "floor-heights": [3, 3, 2.5, 2.5, 2.5, 2.5, 2.5]}"#
        var rig = try LiftRig(settings)
        _ = rig.command("set-floor", ["floor": 3])
        rig.run(.up, floors: 5, secondsPerFloor: 2.6)
        rig.wait(.seconds(5))
        #expect(rig.raised.isEmpty)
        var single = try LiftRig(#"{"floors": 8}"#)
        _ = single.command("set-floor", ["floor": 3])
        single.run(.up, floors: 5, secondsPerFloor: 2.6)
        single.wait(.seconds(5))
        #expect(single.raised == ["overspeed"])
        // And a true overspeed on the short floors is still seen: 2.5 m every 1.9 s is 1.32 m/s.
        var fast = try LiftRig(settings)
        _ = fast.command("set-floor", ["floor": 3])
        fast.run(.up, floors: 5, secondsPerFloor: 1.9)
        fast.wait(.seconds(1))
        #expect(fast.raised.contains("overspeed"))
        // A height list that does not fit the floors is refused with its path.
        let wrong = try liftFactoryResult(#"{"floors": 8, "floor-heights": [3, 3]}"#)
        #expect(wrong.issues.map(\.description) == ["floor-heights: has 2 heights; expected 7 (one per floor from each landing to the next, for 8 floors)"])
    }

    @Test func runTimeLimitFromTheTravel() throws {
        // 10 floors at 3 s: the full travel takes 27 s, so the limit is 37 s.
        var rig = try LiftRig()
        rig.set(.up, true)
        rig.wait(.seconds(36))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(2))
        #expect(rig.raised == ["run-time-limit"])
        rig.set(.up, false)
        rig.wait(.seconds(1))
        #expect(rig.cleared == ["run-time-limit"])
        #expect(try LiftRig(#"{"floors": 30, "travel-time-per-floor": "2s"}"#).app.settings.delays[.runTimeLimit] == .seconds(45))
        #expect(try LiftRig(#"{"floors": 2}"#).app.settings.delays[.runTimeLimit] == .seconds(20))
    }

    @Test func powerLossAndNotTheSafetyCircuitWithIt() throws {
        var rig = try LiftRig()
        rig.set(.mains, false)
        rig.set(.safetyCircuit, false)
        rig.wait(.seconds(5))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(2))
        #expect(rig.raised == ["power-loss"])
        #expect(rig.effects.derived("mode")?.value == .text("out-of-service"))
        rig.set(.mains, true)
        rig.set(.safetyCircuit, true)
        rig.wait(.seconds(2))
        #expect(rig.cleared == ["power-loss"])
        #expect(rig.effects.derived("mode")?.value == .text("normal"))
    }

    @Test func powerLossOnInspectionIsATechnicianAtWorkUnlessTheSiteSaysOtherwise() throws {
        var rig = try LiftRig()
        rig.set(.inspection, true)
        rig.wait(.seconds(2))
        rig.set(.mains, false)
        rig.wait(.minutes(2))
        #expect(rig.raised.isEmpty)
        // Inspection off with the mains still gone: a power loss after all.
        rig.set(.inspection, false)
        rig.wait(.seconds(7))
        #expect(rig.raised == ["power-loss"])

        var strict = try LiftRig(#"{"floors": 10, "inspection-suppresses-power-loss": false}"#)
        strict.set(.inspection, true)
        strict.wait(.seconds(2))
        strict.set(.mains, false)
        strict.wait(.seconds(7))
        #expect(strict.raised == ["power-loss"])
    }

    @Test func safetyCircuitOpenExceptOnInspection() throws {
        var rig = try LiftRig()
        rig.set(.safetyCircuit, false)
        rig.wait(.seconds(2))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(2))
        #expect(rig.raised == ["safety-circuit-open"])
        rig.set(.safetyCircuit, true)
        rig.wait(.seconds(1))
        rig.forget()
        rig.set(.inspection, true)
        rig.wait(.seconds(2))
        #expect(rig.effects.derived("mode")?.value == .text("inspection"))
        rig.set(.safetyCircuit, false)
        rig.wait(.minutes(1))
        #expect(rig.raised.isEmpty)
    }

    @Test func doorsFailToOpenWithAPassengerButAnEmptyCarMayPark() throws {
        var rig = try LiftRig()
        _ = rig.command("set-floor", ["floor": 1])
        rig.board()
        rig.wait(.seconds(1))
        rig.fidget()
        rig.run(.up, floors: 2)
        rig.wait(.seconds(9))
        #expect(rig.raised.isEmpty)
        rig.wait(.seconds(2))
        #expect(rig.raised == ["door-fails-to-open"])

        var empty = try LiftRig()
        empty.run(.up, floors: 2)
        empty.wait(.minutes(10))
        #expect(empty.raised.isEmpty)
    }

    @Test func doorsFailToCloseAndLongDoorOpen() throws {
        var rig = try LiftRig()
        rig.set(.doorsClosed, false)
        for _ in 0..<14 {
            rig.fidget()
            rig.wait(.seconds(4))
        }
        #expect(rig.raised == ["door-fails-to-close"])
        // Nobody moves any more; the doors stay open.
        rig.wait(.minutes(2))
        #expect(rig.raised == ["door-fails-to-close", "long-door-open"])
        #expect(severity(rig, "long-door-open") == .minor)

        var parking = try LiftRig(#"{"floors": 10, "disabled": ["long-door-open"]}"#)
        parking.set(.doorsClosed, false)
        parking.wait(.hours(1))
        #expect(parking.raised.isEmpty)
    }

    @Test func repeatedReopeningAtOneStop() throws {
        var rig = try LiftRig()
        rig.set(.doorsClosed, false)
        rig.wait(.seconds(5))
        for _ in 0..<4 {
            rig.set(.doorsClosed, true)
            rig.wait(.seconds(2))
            rig.set(.doorsClosed, false)
            rig.wait(.seconds(6))
        }
        #expect(rig.raised.isEmpty)
        rig.set(.doorsClosed, true)
        rig.wait(.seconds(2))
        rig.set(.doorsClosed, false)
        rig.wait(.seconds(1))
        #expect(rig.raised == ["repeated-door-reopening"])
        #expect(severity(rig, "repeated-door-reopening") == .minor)
        // The doors finally close and the car leaves: cleared.
        rig.set(.doorsClosed, true)
        rig.wait(.seconds(2))
        rig.run(.up, floors: 1)
        #expect(rig.cleared == ["repeated-door-reopening"])
    }

    @Test func floorPositionLostWhenTheCountContradictsItself() throws {
        var rig = try LiftRig()
        // The technician says floor 9, but the car is at 8: going up two floors it enters a zone
        // above the top landing, which cannot be.
        _ = rig.command("set-floor", ["floor": 9])
        rig.run(.up, floors: 2)
        #expect(rig.raised == ["floor-position-lost"])
        #expect(severity(rig, "floor-position-lost") == .minor)
        #expect(rig.app.carFloor == 10)
        // Five runs that end in a zone with a consistent count clear it.
        for i in 0..<5 {
            #expect(rig.cleared.isEmpty)
            rig.wait(.seconds(10))
            rig.run(i % 2 == 0 ? .down : .up, floors: 1)
        }
        rig.wait(.seconds(1))
        #expect(rig.cleared == ["floor-position-lost"])
    }

    @Test func maintenanceWindowSuppressesDoorFaults() throws {
        var rig = try LiftRig()
        guard case .success(let reply)? = rig.command("maintenance", ["action": "start", "for": "1h"]) else {
            Issue.record("maintenance refused")
            return
        }
        #expect(reply["maintenance"] == true)
        rig.wait(.seconds(1))
        #expect(rig.effects.derived("mode")?.value == .text("out-of-service"))
        rig.set(.doorsClosed, false)
        rig.set(.mains, false)
        rig.wait(.minutes(10))
        #expect(rig.raised.isEmpty)
        _ = rig.command("maintenance", "end")
        rig.wait(.seconds(6))
        #expect(rig.raised == ["power-loss"])
        rig.wait(.minutes(3))
        #expect(rig.raised == ["power-loss", "long-door-open"])
    }
}
