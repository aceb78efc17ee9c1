import Testing
import FieldCore
@testable import FieldApps

/// A day of a classroom: 40 pupils breathe CO2 into 200 m³ during lessons; the fresh-air fan the
/// terminal switches changes the air 10 more times an hour. The room answers the terminal's own
/// fan writes, so the test closes the loop the way the simulator's room will.
@Suite struct AirQualityClassroomTests {
    struct Day {
        var fanSwitches: [(at: Timestamp, on: Bool)] = []
        var alarms: [(type: String, raised: Bool)] = []
        var buzzer: [Bool] = []
        /// The published CO2 hourly average by time.
        var hourly: [(at: Timestamp, reading: Reading)] = []
        var peak = 0.0
    }

    /// Lessons (local time, minutes after midnight): 45 minutes each, breaks between, lunch.
    static let lessons: [(Int, Int)] = [(480, 525), (535, 580), (600, 645), (655, 700), (840, 885), (895, 940), (950, 995)]

    static func pupils(at minute: Int) -> Int {
        lessons.contains { minute >= $0.0 && minute < $0.1 } ? 40 : 0
    }

    func simulate(settings: String) throws -> Day {
        var (app, issues) = try makeAirTerminal(settings)
        #expect(issues.isEmpty)
        var day = Day()
        var co2 = 430.0, fanOn = false
        let step = Duration.seconds(10)
        var t = airDayStart
        for i in 0..<(86_400 / 10) {
            let minute = i / 6
            // 1.04 ppm/s from 40 pupils (5.2 mL/s of CO2 each); 1 air change an hour, 11 with the fan.
            let exchange = (fanOn ? 11.0 : 1.0) / 3600
            co2 += (Double(Self.pupils(at: minute)) * 0.026 - exchange * (co2 - 420)) * 10
            day.peak = max(day.peak, co2)
            let quality: Quality
            switch i {
            case 0..<3: quality = .warmingUp  // the S8's first 30 s after power-on
            case (13 * 360)..<(13 * 360 + 120): quality = .commError  // 13:00–13:20: the bus is down
            default: quality = .good
            }
            let effects = feed(&app, "co2", quality == .warmingUp ? 2000 : co2, quality: quality, at: t)
                + app.handle(.tick, now: t + .seconds(5))
            for w in effects.writes("fan") where w != fanOn || day.fanSwitches.isEmpty {
                fanOn = w
                day.fanSwitches.append((t, w))
            }
            day.alarms += effects.alarms.map { ($0.type, $0.raised) }
            day.buzzer += effects.writes("buzzer")
            if let r = effects.derived("co2-1h") { day.hourly.append((t, r)) }
            t += step
        }
        return day
    }

    @Test func theFanKeepsTheClassroomBelowTheLimitWithItsMinimumTimes() throws {
        let day = try simulate(settings: "{}")
        let switches = day.fanSwitches.dropFirst()  // the first write only sets the relay's start state
        #expect(day.fanSwitches.first?.on == false)
        #expect(switches.filter(\.on).count >= 5)
        #expect(day.fanSwitches.last?.on == false)
        for (a, b) in zip(switches, switches.dropFirst()) {
            let lasted = b.at - a.at
            if a.on {
                #expect(lasted >= .minutes(10), "fan ran only \(lasted) from \(a.at)")
            } else {
                #expect(lasted >= .minutes(5), "fan rested only \(lasted) from \(a.at)")
            }
        }
        #expect(day.alarms.isEmpty)
        #expect(day.buzzer.allSatisfy { !$0 })
        #expect(day.peak < 1100)
        let valid = day.hourly.compactMap(\.reading.goodNumber)
        #expect(valid.max()! < 1000)
        // The morning's hourly averages: valid from 00:45 on.
        let first = day.hourly.first { $0.reading.quality == .good }!
        #expect(first.at - airDayStart >= .minutes(45) && first.at - airDayStart <= .minutes(46))
        // The bus outage leaves too little data in the hour after it: reported as such, then valid again.
        let during = day.hourly.first { $0.at >= airDayStart + .hours(13) + .minutes(30) }!
        #expect(during.reading.quality == .insufficientData && during.reading.value == nil)
        let after = day.hourly.first { $0.at >= airDayStart + .hours(14) + .minutes(30) }!
        #expect(after.reading.quality == .good)
    }

    @Test func withoutTheFanTheHourlyAverageExceedsTheLimit() throws {
        let day = try simulate(settings: #"{"fan": {"mode": "off"}}"#)
        #expect(day.fanSwitches.allSatisfy { !$0.on })
        #expect(day.alarms.filter(\.raised).map(\.type).first == "co2-high")
        #expect(day.alarms.filter { !$0.raised }.map(\.type).contains("co2-high"))
        #expect(day.buzzer.contains(true))
        #expect(day.peak > 2000)
    }
}
