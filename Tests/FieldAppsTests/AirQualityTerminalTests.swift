import Testing
import FieldCore
@testable import FieldApps

@Suite struct AirQualityTerminalTests {
    let t0 = airDayStart

    /// Feeds `value` every 10 s for `duration`, collecting the effects.
    func hold(_ app: inout AirTerminalApp, _ point: String, _ value: Double, for duration: Duration, from t: inout Timestamp,
              device: String = "air-1") -> [AppEffect] {
        var effects: [AppEffect] = []
        let end = t + duration
        while t < end {
            effects += feed(&app, point, value, device: device, at: t)
            t += .seconds(10)
        }
        return effects
    }

    @Test func formaldehydeExceedanceOnTheHourlyAverage() throws {
        var (app, _) = try makeAirTerminal()
        var t = t0
        // 0.10 mg/m³ from the start: no alarm while less than 45 of 60 minutes are covered.
        let early = hold(&app, "hcho", 0.10, for: .minutes(47), from: &t)
        #expect(early.raisedAlarmTypes.isEmpty)
        let raised = hold(&app, "hcho", 0.10, for: .minutes(2), from: &t)
        #expect(raised.alarms.map(\.type) == ["hcho-high"])
        #expect(raised.alarms.first?.severity == .major)
        guard case .alarm(let id, _, .raise(_, let message))? = raised.first(where: { if case .alarm = $0 { true } else { false } }) else {
            Issue.record("no raise")
            return
        }
        #expect(id == AlarmID(device: "air-1", type: "hcho-high"))
        #expect(message == "HCHO 1h average 0.1 mg/m³ above 0.08 mg/m³")
        // Clean air: the hourly average falls below 0.08 − 5 % before the alarm clears.
        var cleared: [AppEffect] = []
        for _ in 0..<90 {
            cleared += hold(&app, "hcho", 0.02, for: .minutes(1), from: &t)
            if !cleared.alarms.isEmpty { break }
        }
        #expect(cleared.alarms.map(\.raised) == [false])
        #expect(app.monitors.first { $0.pollutant == .hcho }!.averageReading(at: t).reading.goodNumber! < 0.076)
    }

    @Test func formaldehydeInPPBBothWays() throws {
        // A ZE08-CH2O module reports ppb: the terminal works in mg/m³ and shows both.
        var (app, issues) = try makeAirTerminal(#"{"hcho": {"source": "ze08.hcho", "unit": "ppb"}}"#)
        #expect(issues.isEmpty)
        let effects = feed(&app, "hcho", 65, device: "ze08", at: t0 + .minutes(5))
        let mg = try #require(effects.derived("hcho-mgm3")?.value?.number)
        #expect(abs(mg - 0.065 * 30.03 / 24.45) < 1e-12)
        #expect(abs(effects.derived("hcho-ppb")!.value!.number! - 65) < 1e-9)
        #expect(effects.derivedUnit("hcho-mgm3") == "mg/m³")
        // The first reading starts the warm-up: shown, with its quality.
        let first = try makeAirTerminal().app
        var a = first
        let warm = feed(&a, "hcho", 0.08, at: t0)
        #expect(warm.derived("hcho-ppb")?.quality == .warmingUp)
        #expect(abs(warm.derived("hcho-ppb")!.value!.number! - 0.08 / (30.03 / 24.45) * 1000) < 1e-9)
    }

    @Test func ledBandsFollowTheWorstShortAverageWithHysteresis() throws {
        var (app, _) = try makeAirTerminal(#"{"co2": {"warm-up": "0s"}}"#)
        var t = t0
        let start = hold(&app, "co2", 600, for: .minutes(5), from: &t)
        #expect(start.writes("led-green").last == true)
        #expect(start.derived("air-quality")?.value == .text("good"))
        #expect(start.derived("air-quality-worst")?.value == .text("co2"))
        let moderate = hold(&app, "co2", 900, for: .minutes(10), from: &t)
        #expect(moderate.writes("led-yellow") == [true] && moderate.writes("led-green") == [false])
        let poor = hold(&app, "co2", 1300, for: .minutes(10), from: &t)
        #expect(poor.writes("led-red") == [true])
        #expect(poor.derived("air-quality")?.value == .text("poor"))
        // Just under the poor threshold, inside the 5 % band: stays red.
        let hovering = hold(&app, "co2", 980, for: .minutes(10), from: &t)
        #expect(hovering.writes("led-red").isEmpty)
        let better = hold(&app, "co2", 900, for: .minutes(10), from: &t)
        #expect(better.writes("led-red") == [false] && better.writes("led-yellow") == [true])
        // A pollutant with a worse band wins: PM2.5 poor while CO2 is moderate.
        let pm = hold(&app, "pm25", 80, for: .minutes(10), from: &t)
        #expect(pm.writes("led-red") == [true])
        #expect(pm.derived("air-quality-worst")?.value == .text("pm25"))
    }

    @Test func buzzerSoundsOnASustainedPoorSpellAndCanBeSilenced() throws {
        var (app, _) = try makeAirTerminal(#"{"co2": {"warm-up": "0s"}, "fan": {"mode": "off"}}"#)
        var t = t0
        _ = hold(&app, "co2", 600, for: .minutes(5), from: &t)
        // Poor from here: the short average crosses 1000 ppm within the 5-minute window, the
        // buzzer waits 10 minutes more.
        let firstMinutes = hold(&app, "co2", 1500, for: .minutes(12), from: &t)
        #expect(firstMinutes.writes("led-red") == [true])
        #expect(firstMinutes.writes("buzzer").isEmpty)
        let sounding = hold(&app, "co2", 1500, for: .minutes(2), from: &t)
        #expect(sounding.writes("buzzer") == [true])
        // Silenced until the spell ends: quiet now, and still quiet while it lasts.
        let silence = app.handle(.command(AppCommand(name: "silence", by: "teacher")), now: t)
        #expect(silence.writes("buzzer") == [false])
        #expect(silence.derived("buzzer-silenced")?.value == .bool(true))
        if case .success(let reply)? = silence.reply {
            #expect(reply["silenced"] == true)
        } else {
            Issue.record("silence refused")
        }
        #expect(hold(&app, "co2", 1500, for: .minutes(30), from: &t).writes("buzzer").isEmpty)
        // The spell ends, then a new one: the buzzer sounds again.
        _ = hold(&app, "co2", 600, for: .minutes(10), from: &t)
        let again = hold(&app, "co2", 1500, for: .minutes(20), from: &t)
        #expect(again.writes("buzzer") == [true])
        // Silenced for 15 minutes: it comes back after them.
        _ = app.handle(.command(AppCommand(name: "silence", arguments: ["for": "15m"], by: "teacher")), now: t)
        let later = hold(&app, "co2", 1500, for: .minutes(16), from: &t)
        #expect(later.writes("buzzer") == [true])
        // Nothing to silence until it sounds.
        var quiet = try makeAirTerminal().app
        let refused = quiet.handle(.command(AppCommand(name: "silence", by: "teacher")), now: t0)
        guard case .failure(let error)? = refused.reply else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.message.contains("not sounding"))
    }

    @Test func manualFanCommands() throws {
        var (app, _) = try makeAirTerminal(#"{"co2": {"warm-up": "0s"}}"#)
        var t = t0
        _ = hold(&app, "co2", 500, for: .minutes(6), from: &t)
        let on = app.handle(.command(AppCommand(name: "fan", arguments: ["mode": "on", "for": "1h"], by: "janitor")), now: t)
        #expect(on.writes("fan") == [true])
        #expect(on.derived("fan-mode")?.value == .text("on"))
        // The hour passes; clean air: back to auto, and the fan stops (it has run its 10 minutes).
        let back = hold(&app, "co2", 500, for: .minutes(61), from: &t)
        #expect(back.writes("fan") == [false])
        #expect(back.derived("fan-mode")?.value == .text("auto"))
        // The console's short form: a bare argument.
        let off = app.handle(.command(AppCommand(name: "fan", arguments: "off", by: "janitor")), now: t)
        #expect(off.derived("fan-mode")?.value == .text("off"))
        let bad = app.handle(.command(AppCommand(name: "fan", arguments: "sideways", by: "janitor")), now: t)
        guard case .failure(let error)? = bad.reply else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.message == "fan: mode must be one of: auto, on, off")
        let unknown = app.handle(.command(AppCommand(name: "reboot", by: "janitor")), now: t)
        guard case .failure? = unknown.reply else {
            Issue.record("expected a refusal")
            return
        }
    }

    @Test func sensorFaultAlarm() throws {
        var (app, _) = try makeAirTerminal()
        var t = t0
        _ = hold(&app, "pm25", 20, for: .minutes(2), from: &t)
        var effects: [AppEffect] = []
        for _ in 0..<7 { effects += feed(&app, "pm25", 0, quality: .sensorFault, at: t); t += .seconds(10) }
        #expect(effects.alarms.map(\.type) == ["pm25-sensor-fault"])
        #expect(effects.alarms.first?.severity == .minor)
        let back = feed(&app, "pm25", 20, at: t)
        #expect(back.alarms.map(\.raised) == [false])
    }

    @Test func statusCommand() throws {
        var (app, _) = try makeAirTerminal(#"{"tvoc": "none"}"#)
        var t = t0
        _ = hold(&app, "co2", 700, for: .minutes(10), from: &t)
        let effects = app.handle(.command(AppCommand(name: "status", by: "tech")), now: t)
        guard case .success(let status)? = effects.reply else {
            Issue.record("status refused")
            return
        }
        #expect(status["air-quality"] == "good")
        #expect(status["pollutants"]?["co2"]?["window"] == "1h")
        #expect(status["pollutants"]?["co2"]?["limit-source"] == "default, not confirmed from GB/T 18883-2022")
        #expect(status["pollutants"]?["hcho"]?["limit-source"] == "GB/T 18883-2022")
        #expect(status["pollutants"]?["co2"]?["average-quality"] == "insufficient-data")
        #expect(status["pollutants"]?["tvoc"] == nil)
        #expect(status["fan"]?["mode"] == "auto")
    }

    @Test func settingsErrorsNameTheirPath() throws {
        let (app, issues) = try airTerminalFactoryResult("""
            {"hcho": {"unit": "ppq", "fan-on": 0.03, "fan-off": 0.05}, "co2": "s8 1.co2", "pm25": 3,
             "fan": {"driven-by": ["co2", "radon"], "min-onn": "5m"}, "colour": "blue"}
            """)
        let text = issues.map(\.description)
        #expect(text.contains("hcho.unit: \"ppq\" is not a unit for HCHO (expected one of: mg/m³, µg/m³, ppb, ppm)"))
        #expect(text.contains("hcho.fan-off: 0.05 must be below fan-on 0.03 (hysteresis)"))
        #expect(text.contains("co2: expected a point as \"device.point\", got \"s8 1.co2\""))
        #expect(text.contains("pm25: expected a point (\"device.point\"), \"none\" or an object, got a number"))
        #expect(text.contains("fan.driven-by[1]: expected a pollutant (one of: hcho, co2, tvoc, pm25, pm10)"))
        #expect(text.contains("fan.min-onn: unknown key (did you mean \"min-on\"?)"))
        #expect(text.contains { $0.hasPrefix("colour: unknown key") })
        #expect(issues.count == 7)
        #expect(app == nil)
    }

    @Test func aProfileWithoutAPointHasNoSuchPollutantOrOutput() throws {
        var points = airTerminalPoints
        points["tvoc"] = nil
        points["fan"] = nil
        var (app, issues) = try makeAirTerminal(points: points)
        #expect(issues.isEmpty)
        #expect(app.monitors.map(\.pollutant) == [.hcho, .co2, .pm25, .pm10])
        let effects = app.handle(.command(AppCommand(name: "fan", arguments: "on", by: "tech")), now: t0)
        #expect(effects.writes("fan").isEmpty)
        let (_, missing) = try airTerminalFactoryResult(#"{"tvoc": {"limit": 0.5}}"#, points: points)
        #expect(missing.map(\.description) == ["tvoc: no source: the device's profile has no \"tvoc\" point; name one with \"source\": \"device.point\""])
    }
}
