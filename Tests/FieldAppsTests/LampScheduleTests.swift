import Testing
import FieldCore
@testable import FieldApps

/// The lighting schedule on its own: offsets, dimming steps, special days, the light sensor and
/// the fail-safe, at chosen instants.
@Suite struct LampScheduleTests {
    let xuchang = GeoLocation(latitude: 34.0357, longitude: 113.8523, utcOffsetMinutes: 480)

    func settings(_ json: JSONValue) throws -> LampHeadSettings {
        let reader = JSONReader()
        let object = try #require(reader.object(json))
        let s = LampHeadSettings.read(object)
        object.finish()
        #expect(reader.issues.isEmpty, "\(reader.issues)")
        return s
    }

    func schedule(_ s: LampHeadSettings, location: GeoLocation? = nil) -> LightingSchedule {
        LightingSchedule(location: location ?? xuchang, utcOffsetMinutes: 480, duskOffset: s.duskOffset, dawnOffset: s.dawnOffset,
                         profile: s.dimming, specialDays: s.specialDays, failSafeLevel: s.failSafeLevel)
    }

    @Test func partNightProfileAndSpecialDays() throws {
        var sched = schedule(try settings([
            "dimming": [["at": "dusk", "level": 100], ["at": "23:00", "level": 60], ["at": "01:00", "level": 0], ["at": "05:00", "level": 80]],
            "special-days": [
                ["date": "10-01", "name": "National Day", "dimming": [["at": "dusk", "level": 100]]],
                ["date": "2026-12-31", "dimming": [["at": "dusk", "level": 100], ["at": "02:00", "level": 50]]],
            ],
        ]))
        func level(_ text: String) -> Int { sched.decide(at: beijingTime(text), sensorDark: nil).level }
        #expect(level("2026-11-21T15:00") == 0)
        #expect(level("2026-11-21T22:00") == 100)
        #expect(level("2026-11-21T23:30") == 60)
        #expect(level("2026-11-22T02:00") == 0)
        #expect(level("2026-11-22T05:30") == 80)
        // The night of 1 October, evening and morning, follows the National Day profile.
        #expect(level("2026-10-01T23:30") == 100)
        #expect(level("2026-10-02T02:00") == 100)
        #expect(level("2026-10-02T23:30") == 60)
        #expect(level("2027-01-01T01:30") == 100)
        #expect(level("2027-01-01T02:30") == 50)
    }

    @Test func duskAndDawnOffsets() throws {
        var sched = schedule(try settings(["dusk-offset": "15m", "dawn-offset": "-10m"]))
        guard case .risesAndSets(_, let set) = AstronomicalClock.solarDay(year: 2026, month: 11, day: 21, at: xuchang),
              case .risesAndSets(let rise, _) = AstronomicalClock.solarDay(year: 2026, month: 11, day: 22, at: xuchang) else {
            Issue.record("no sun in Xuchang")
            return
        }
        #expect(sched.decide(at: set + .minutes(14), sensorDark: nil).level == 0)
        #expect(sched.decide(at: set + .minutes(15), sensorDark: nil).level == 100)
        #expect(sched.decide(at: rise - .minutes(11), sensorDark: nil).level == 50)
        #expect(sched.decide(at: rise - .minutes(10), sensorDark: nil).level == 0)
    }

    @Test func lightSensorOnlyAddsDarkness() throws {
        var sched = schedule(try settings([:]))
        let afternoon = beijingTime("2026-11-21T15:00"), night = beijingTime("2026-11-21T23:00")
        #expect(sched.decide(at: afternoon, sensorDark: true) == LightingDecision(level: 100, mode: .lightSensor))
        #expect(sched.decide(at: afternoon, sensorDark: false) == LightingDecision(level: 0, mode: .schedule))
        // Headlights on the sensor at night do not switch the street off.
        #expect(sched.decide(at: night, sensorDark: false) == LightingDecision(level: 100, mode: .schedule))
    }

    @Test func failSafeLevelsAndReasons() throws {
        var sched = schedule(try settings(["fail-safe-level": 80]))
        let unset = Timestamp(seconds: 946_684_800)  // 2000-01-01, an RTC's reset value
        let d = sched.decide(at: unset, sensorDark: nil)
        #expect(d.level == 80 && d.mode == .failSafe)
        #expect(d.problem == "clock not set (reads 2000-01-01T08:00:00.000+08:00)")
        #expect(sched.decide(at: unset, sensorDark: false).level == 0)
        var nowhere = LightingSchedule(location: nil, utcOffsetMinutes: 480)
        #expect(nowhere.decide(at: beijingTime("2026-11-21T15:00"), sensorDark: nil).problem == "site has no latitude/longitude")
    }

    @Test func settingsErrorsNameTheirPath() {
        let context = appContext("lamp-1a", profile: "fg-slc", points: FakeLampController.points)
        let made = makeApp(LampHeadAppFactory(), context, settings: [
            "dimming": [["at": "25:00", "level": 50], ["at": "dusk"]],
            "light-on-lux": 40,
            "dusk-ofset": "10m",
            "special-days": [["date": "2026-13-01", "dimming": [["at": "dusk", "level": 100]]]],
            "rated-power": "120W",
        ])
        #expect(made.app == nil)
        #expect(made.issues == [
            "devices[0].settings.dimming[0].at: expected \"dusk\" or a local time \"HH:MM\", got \"25:00\"",
            "devices[0].settings.dimming[1].level: missing (required)",
            "devices[0].settings.special-days[0].date: expected a date \"YYYY-MM-DD\" or a yearly \"MM-DD\", got \"2026-13-01\"",
            "devices[0].settings.light-off-lux: must be above light-on-lux (40 lx) to give the switching hysteresis",
            "devices[0].settings.rated-power: expected a number, got a string",
            "devices[0].settings.dusk-ofset: unknown key (did you mean \"dusk-offset\"?)",
        ])
    }

    @Test func aDeviceWithNothingToSwitchIsRefused() {
        let context = appContext("env-9", profile: "fg-pole-env", points: ["illuminance": AppPointInfo(unit: "lx")])
        let made = makeApp(LampHeadAppFactory(), context, settings: [:])
        #expect(made.app == nil)
        #expect(made.issues == ["devices[0].settings: device env-9 has neither a writable \"switch\" nor a writable \"relay\" point: the lamp-head app cannot drive it"])
    }

    @Test func relayHeadsSwitchAndCountBurningHours() throws {
        let context = appContext("lamp-2", profile: "fg-lamp-relay", points: ["relay": AppPointInfo(writable: true, isSignal: true)])
        let app = try #require(makeApp(LampHeadAppFactory(), context, settings: ["rated-power": 100]).app as? LampHeadApp)
        #expect(app.output == .relay)
        var rig = LampFireRig(app, at: beijingTime("2026-11-21T16:00"))
        rig.run(for: .hours(4), step: .seconds(5))
        #expect(rig.lastWrite("relay") == .bool(true))
        let hours = try #require(rig.derived["burning-hours-today"]?.goodNumber)
        #expect(hours > 2 && hours < 3.5)
        #expect(abs(try #require(rig.derived["energy-today"]?.goodNumber) - hours * 0.1) < 0.01)
        guard case .failure(let e)? = rig.command("lamp", ["action": "dim", "level": 40]) else {
            Issue.record("a relay head accepted a dim level")
            return
        }
        #expect(e.message == "lamp: lamp head lamp-2 is switched by a relay and cannot dim; use on or off")
        #expect(rig.alarms.all.isEmpty)
    }

    @Test func dailyEnergyFromACounterThatGetsReplaced() {
        var day = DailyEnergy()
        #expect(day.roll(to: 100) == nil)
        day.counter(15_000)
        day.counter(15_500)
        // The controller was replaced: its counter starts near zero. No negative energy.
        day.counter(20)
        day.counter(120)
        day.add(burning: .hours(2))
        #expect(day.today == DailyEnergy.Totals(energyKWh: 0.6, burningHours: 2))
        #expect(day.roll(to: 100) == nil)
        #expect(day.roll(to: 101) == DailyEnergy.Totals(energyKWh: 0.6, burningHours: 2))
        #expect(day.today == DailyEnergy.Totals(energyKWh: 0, burningHours: 0))
        day.counter(220)
        #expect(day.today.energyKWh == 0.1)
    }
}
