import Testing
import FieldCore
@testable import FieldApps

@Suite struct ElevatorTrafficDayTests {
    static let settings = #"{"floors": 10, "bottom-floor": -1}"#

    /// Feeds a day's contact events to a lift app with a tick every second, as the runtime does.
    func replay(_ day: ElevatorTrafficDay, into app: inout LiftApp) -> [AppEffect] {
        var effects: [AppEffect] = []
        var tick = liftDayStart
        for e in day.events {
            while tick < e.at {
                effects += app.handle(.tick, now: tick).filter(\.isAlarm)
                tick += .seconds(1)
            }
            effects += app.handle(.reading(PointRef(device: "lift-1", point: e.signal.rawValue), .bool(e.value, at: e.at)), now: e.at).filter(\.isAlarm)
        }
        let end = liftDayStart + .hours(24)
        while tick <= end {
            effects += app.handle(.tick, now: tick).filter(\.isAlarm)
            tick += .seconds(1)
        }
        return effects
    }

    @Test(arguments: [1, 2] as [UInt64])
    func aBusyDayRaisesNoAlarm(seed: UInt64) throws {
        let day = ElevatorTrafficDay.generate(seed: seed, day: liftDayStart)
        #expect(day.trips > 400, "a busy office day: \(day.trips) trips")
        #expect(day.inspectionVisits == 1)
        var (app, issues) = try makeLift(Self.settings)
        #expect(issues.isEmpty)
        let alarms = replay(day, into: &app)
        #expect(alarms.isEmpty, "\(alarms.alarms.map(\.type))")
        // The statistics match what happened.
        #expect(app.stats.trips == day.trips)
        #expect(app.stats.doorCycles == day.doorOpenings)
        #expect(app.stats.totalFaults == 0)
        #expect(app.stats.runningHours > 1 && app.stats.runningHours < 6)
        // The count synchronised at a terminal floor and followed the car all day.
        #expect(app.counter?.isKnown == true)
        #expect(app.carFloor == app.settings.label(ofIndex: day.landing))
        #expect(app.floorLost == false)
    }
}

extension AppEffect {
    var isAlarm: Bool {
        if case .alarm = self { return true }
        return false
    }
}
