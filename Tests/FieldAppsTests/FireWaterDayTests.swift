import Testing
import FieldCore
@testable import FieldApps

/// Issue 15: a full simulated day of an ordinary pump room raises no alarm at all — jockey cycles
/// with the check valve slamming (a surge) at every stop and water hammer at every start, and the
/// weekly fire-pump test inside a test window — and next to it the true cases the window must not
/// swallow. The gateway runs in real time, so a real-gateway scenario cannot cover a day: this runs
/// the pressure and pump-room apps in simulated time, a reading a second (scenario
/// `pressure-surge` covers the surge against the real gateway).
@Suite struct FireWaterDayTests {
    let t0 = beijingTime("2026-11-23T00:00")

    /// The hydrant main's transmitter and the pump room, run in lockstep on one simulated main.
    struct PumpRoomDay {
        var main = JockeyMain()
        var pressure: LampFireRig<PressureApp>
        var room: LampFireRig<PumpRoomApp>
        /// Seconds left of a transient on the transmitter: (offset MPa, seconds).
        var transient: (Double, Int)?
        var jockeyWas = false

        init(at start: Timestamp) throws {
            let pt = makeApp(PressureAppFactory(), appContext("hydrant-main", profile: "fg-pressure-tx", points: FireWaterPressureTests.transmitter),
                             settings: ["category": "municipal-hydrant"])
            #expect(pt.issues.isEmpty, "\(pt.issues)")
            pressure = LampFireRig(try #require(pt.app as? PressureApp), at: start)
            let pr = makeApp(PumpRoomAppFactory(), appContext("pump-room", profile: "fg-pump-room", points: FireWaterPumpRoomTests.contacts),
                             settings: ["pressure-point": "hydrant-main.pressure", "start-pressure": 0.25])
            #expect(pr.issues.isEmpty, "\(pr.issues)")
            room = LampFireRig(try #require(pr.app as? PumpRoomApp), at: start)
        }

        var events: [AlarmEvent] { pressure.events + room.events }

        /// Lets `duration` pass a second at a time: the main moves, the jockey's check valve slams
        /// (+0.06 MPa for a second) when it stops and water hammer dips the main (−0.05 MPa for a
        /// second) when it starts.
        mutating func run(for duration: Duration) {
            let seconds = Int(duration.inSeconds)
            for _ in 0..<seconds {
                main.step(seconds: 1)
                if main.jockeyRunning != jockeyWas { transient = main.jockeyRunning ? (-0.05, 1) : (0.06, 1) }
                jockeyWas = main.jockeyRunning
                var reported = main.pressure
                if let (offset, left) = transient {
                    reported += offset
                    transient = left > 1 ? (offset, left - 1) : nil
                }
                let value = reported
                let m = main
                pressure.run(for: .seconds(1)) { r in r.reading(PointRef(device: "hydrant-main", point: "pressure"), .number(value)) }
                room.run(for: .seconds(1)) { r in
                    m.report(&r)
                    r.reading(PointRef(device: "hydrant-main", point: "pressure"), .number(value))
                }
            }
        }

        mutating func window(_ action: String, for duration: String? = nil) {
            var arguments: [String: JSONValue] = ["action": .string(action)]
            if let duration { arguments["for"] = .string(duration) }
            #expect((try? pressure.command("maintenance", .object(arguments))?.get()) != nil)
            #expect((try? room.command("maintenance", .object(arguments))?.get()) != nil)
        }

        /// The weekly fire-pump test: the pump runs for `minutes` (the main goes to its 0.60 MPa
        /// head), is stopped, and the main falls back to the jockey's band within a few seconds.
        mutating func pumpTest(minutes: Int) {
            main.firePumpRunning = true
            run(for: .minutes(minutes))
            main.firePumpRunning = false
            for p in [0.50, 0.40, 0.34] {
                main.pressure = p
                run(for: .seconds(1))
            }
        }
    }

    @Test func anOrdinaryDayRaisesNothing() throws {
        var day = try PumpRoomDay(at: t0)
        day.run(for: .hours(10))
        // 10:00: the technician opens a test window on both devices and runs the fire pump.
        day.window("start", for: "30m")
        day.pumpTest(minutes: 10)
        // Back in standby for a couple of minutes (the rapid drop of the stop has cleared): close it.
        day.run(for: .minutes(2))
        day.window("end")
        day.run(for: .hours(14) - .minutes(12) - .seconds(3))
        #expect(day.events.isEmpty, "\(day.events)")
        #expect(day.room.derived["jockey-starts-per-hour"].flatMap { $0.value?.number } ?? 0 > 2)
        // The window was published both ways.
        #expect(day.pressure.derivedHistory.filter { $0.name == "maintenance" }.map { $0.reading.value } == [.bool(false), .bool(true), .bool(false)])
    }

    @Test func anUnannouncedPumpRunAndStopIsNoRapidDrop() throws {
        // A normal start and stop of the fire pump without a window: the main falls from the
        // pump's head back to the jockey's band when it stops — back to standby, not below it.
        var day = try PumpRoomDay(at: t0)
        day.run(for: .hours(1))
        day.pumpTest(minutes: 10)
        day.run(for: .minutes(5))
        #expect(day.events.isEmpty, "\(day.events)")
        // The main bursting below its standby level after that still raises.
        day.main.leak = 30
        day.run(for: .seconds(20))
        #expect(day.pressure.raises("rapid-drop").count == 1)
    }

    @Test func aConditionLeftAtTheEndOfTheWindowIsRaisedThen() throws {
        var day = try PumpRoomDay(at: t0)
        day.run(for: .minutes(20))
        day.window("start", for: "15m")
        // The valve is exercised and left shut; the window runs out.
        day.main.valveOpen = false
        day.run(for: .minutes(10))
        #expect(day.room.events.isEmpty)
        day.run(for: .minutes(6))
        let raised = day.room.raises("signal-valve-closed")
        #expect(raised.count == 1)
        #expect(raised.first?.message == "signal valve closed (still so when the test window ended)")
        // A condition that came and went inside the window is not raised afterwards.
        var brief = try PumpRoomDay(at: t0)
        brief.run(for: .minutes(20))
        brief.window("start", for: "15m")
        brief.main.valveOpen = false
        brief.run(for: .minutes(2))
        brief.main.valveOpen = true
        brief.run(for: .minutes(20))
        #expect(brief.events.isEmpty)
    }
}
