import FieldCore

/// One lamp head (app `lamp-head`): on a single-lamp controller (`fg-slc`, Modbus: switch, dim,
/// measurements) or on a relay (`fg-lamp-relay`, GPIO: on/off only).
///
/// A reading only updates the app's picture; ticks and commands run the evaluation: the light
/// sensor, the manual override or the schedule decide a level; the outputs follow it (re-written
/// when the read-back disagrees); the controller's measurements are judged against what was
/// commanded; the day's energy and burning time accumulate.
package struct LampHeadApp: DeviceApp {
    /// How the lamp is switched.
    package enum Output: String, Hashable, Sendable {
        /// A single-lamp controller with switch, dim level and measurements.
        case controller
        /// A relay output: on or off, no measurements.
        case relay
    }

    /// A `lamp` command in force.
    struct Override: Hashable, Sendable {
        var level: Int
        var until: Timestamp
    }

    package let deviceID: String
    package let output: Output
    package let settings: LampHeadSettings
    package let subscriptions: Set<PointRef>
    private let points: [String: AppPointInfo]
    private let utcOffsetMinutes: Int
    private var schedule: LightingSchedule
    private var lightSensor: ThresholdRule
    private var lightReading: Reading?
    private var override: Override?
    private var readings: [String: Reading] = [:]

    private var decision = LightingDecision(level: 0, mode: .schedule)
    private var commandedLevel: Int?
    private var commandedAt = Timestamp.epoch
    private var lastWrite: [String: Timestamp] = [:]
    private var publishedMode: LightingDecision.Mode?
    private var publishedLevel: Int?
    private var scheduleUnavailable = false

    private var lampFailure: DelayedCondition
    private var dayBurner: DelayedCondition
    private var powerHigh: ThresholdRule
    private var powerLow: ThresholdRule
    private var powerFactor: ThresholdRule
    private var overVoltage: ThresholdRule
    private var underVoltage: ThresholdRule
    private var leakage: ThresholdRule
    private var relayFailure = DigitalRule(message: "the controller reports a relay failure")
    private var driverFailure = DigitalRule(message: "the controller reports a driver failure")

    private var energy = DailyEnergy()
    private var lastBurnCheck: Timestamp?
    private var wasBurning = false
    private var lastEnergyPublish: Timestamp?
    private var publishedSolarDay: Int?

    /// A read-back that disagrees with the command is re-written after this long.
    static let rewriteAfter = Duration.seconds(30)
    /// Energy and burning time are published this often.
    static let energyInterval = Duration.seconds(60)

    /// The own points the app reads or writes, when the profile has them.
    static let pointNames = ["switch", "dim", "default-dim", "fallback-timeout", "voltage", "current", "power",
                             "power-factor", "energy", "leakage-current", "relay-failure", "driver-failure", "relay"]

    /// - Returns: nil when the device has neither a writable `switch` nor a writable `relay`.
    package init?(context: AppContext, settings: LampHeadSettings) {
        if context.points["switch"]?.writable == true {
            output = .controller
        } else if context.points["relay"]?.writable == true {
            output = .relay
        } else {
            return nil
        }
        deviceID = context.deviceID
        self.settings = settings
        points = context.points
        utcOffsetMinutes = context.site.utcOffsetMinutes
        var subs = Set(Self.pointNames.filter { context.points[$0] != nil }.map(context.ref))
        if let sensor = settings.lightSensor { subs.insert(sensor) }
        subscriptions = subs
        let location = context.site.latitude.flatMap { lat in
            context.site.longitude.map { GeoLocation(latitude: lat, longitude: $0, utcOffsetMinutes: context.site.utcOffsetMinutes) }
        }
        schedule = LightingSchedule(location: location, utcOffsetMinutes: context.site.utcOffsetMinutes,
                                    duskOffset: settings.duskOffset, dawnOffset: settings.dawnOffset, profile: settings.dimming,
                                    specialDays: settings.specialDays, failSafeLevel: settings.failSafeLevel,
                                    twilight: settings.twilight, sensorDawnLevel: settings.lightSensorDawnLevel)
        lightSensor = ThresholdRule(.low, limit: settings.lightOnLux, hysteresis: settings.lightOffLux - settings.lightOnLux,
                                    onDelay: settings.lightSensorDelay, offDelay: settings.lightSensorDelay, name: "illuminance", unit: "lx")
        lampFailure = DelayedCondition(onDelay: settings.settleTime, offDelay: .seconds(30))
        dayBurner = DelayedCondition(onDelay: settings.settleTime, offDelay: .seconds(30))
        let delay = settings.faultDelay
        powerHigh = ThresholdRule(.high, limit: 0, onDelay: delay, offDelay: .seconds(60), name: "active power", unit: "W")
        powerLow = ThresholdRule(.low, limit: 0, onDelay: delay, offDelay: .seconds(60), name: "active power", unit: "W")
        powerFactor = ThresholdRule(.low, limit: settings.powerFactorMin, hysteresis: 0.02, onDelay: delay, offDelay: .seconds(60), name: "power factor")
        overVoltage = ThresholdRule(.high, limit: settings.voltageHigh, hysteresis: 2, onDelay: delay, offDelay: .seconds(60), name: "supply voltage", unit: "V")
        underVoltage = ThresholdRule(.low, limit: settings.voltageLow, hysteresis: 2, onDelay: delay, offDelay: .seconds(60), name: "supply voltage", unit: "V")
        leakage = ThresholdRule(.high, limit: settings.leakageLimit, hysteresis: 5, offDelay: .seconds(60), name: "leakage current", unit: "mA")
    }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var reply: Result<JSONValue, AppError>?
        switch input {
        case .reading(let ref, let reading):
            if ref == settings.lightSensor { lightReading = reading }
            if ref.device == deviceID { record(ref.point, reading) }
            return []
        case .command(let command):
            reply = apply(command, now: now)
        case .tick:
            break
        }
        var effects = evaluate(now: now)
        if var answer = reply {
            if case .success(.object(var fields)) = answer {
                fields["mode"] = .string(decision.mode.rawValue)
                fields["level"] = .number(Double(decision.level))
                answer = .success(.object(fields))
            }
            effects.append(.reply(answer))
        }
        return effects
    }

    private mutating func record(_ point: String, _ reading: Reading) {
        readings[point] = reading
        if point == "energy", let wh = reading.goodNumber { energy.counter(wh) }
    }

    /// The latest reading of an own point, marked stale when it is too old to judge.
    private func reading(_ point: String, now: Timestamp) -> Reading? {
        readings[point]?.aged(settings.staleAfter, now: now)
    }

    private func alarmID(_ type: String) -> AlarmID { AlarmID(device: deviceID, type: type) }
    private func ref(_ point: String) -> PointRef { PointRef(device: deviceID, point: point) }

    // MARK: - Evaluation

    private mutating func evaluate(now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        var sensorDark: Bool?
        if let r = lightReading?.aged(settings.staleAfter, now: now), r.quality.isGood {
            _ = lightSensor.evaluate(r, now: now)
            sensorDark = lightSensor.isActive
        }
        if let o = override, now >= o.until { override = nil }
        decision = override.map { LightingDecision(level: $0.level, mode: .manual) } ?? schedule.decide(at: now, sensorDark: sensorDark)
        publishState(now: now, into: &effects)
        drive(now: now, into: &effects)
        if output == .controller { judgeController(now: now, into: &effects) }
        account(now: now, into: &effects)
        return effects
    }

    /// The schedule-unavailable alarm, the control mode and level, and today's sunrise and sunset.
    private mutating func publishState(now: Timestamp, into effects: inout [AppEffect]) {
        let problem = schedule.problem(at: now)
        if (problem != nil) != scheduleUnavailable {
            scheduleUnavailable = problem != nil
            let signal: AlarmSignal = problem.map {
                .raise(value: nil, message: "schedule cannot be evaluated: \($0); lamps follow the fail-safe (\(settings.failSafeLevel) %\(settings.lightSensor == nil ? "" : " when the light sensor says dark"))")
            } ?? .clear(value: nil)
            effects.append(.alarm(alarmID("schedule-unavailable"), .minor, signal))
        }
        if decision.mode != publishedMode {
            publishedMode = decision.mode
            effects.append(.derived(name: "control-mode", Reading(.text(decision.mode.rawValue), at: now), unit: ""))
        }
        if decision.level != publishedLevel {
            publishedLevel = decision.level
            effects.append(.derived(name: "commanded-level", .number(Double(decision.level), at: now), unit: "%"))
        }
        let today = CivilTime(now, offsetMinutes: utcOffsetMinutes).daysSinceEpoch
        if problem == nil, publishedSolarDay != today, let day = schedule.sunriseAndSunset(localDate: today) {
            publishedSolarDay = today
            let (rise, set): (String, String)
            switch day {
            case .risesAndSets(let r, let s): (rise, set) = (clockTime(r), clockTime(s))
            case .polarNight: (rise, set) = ("polar night", "polar night")
            case .polarDay: (rise, set) = ("midnight sun", "midnight sun")
            }
            effects.append(.derived(name: "sunrise", Reading(.text(rise), at: now), unit: ""))
            effects.append(.derived(name: "sunset", Reading(.text(set), at: now), unit: ""))
        }
    }

    /// Local `HH:MM:SS`: a minute's truncation is up to a minute's error on the platform's side.
    private func clockTime(_ t: Timestamp) -> String {
        String(t.iso8601(offsetMinutes: utcOffsetMinutes).dropFirst(11).prefix(8))
    }

    /// Sends the decided level to the outputs, and re-sends what the read-back contradicts.
    private mutating func drive(now: Timestamp, into effects: inout [AppEffect]) {
        let level = decision.level
        let firstRun = commandedLevel == nil
        if firstRun, output == .controller {
            write("default-dim", .number(Double(settings.defaultDim)), now: now, into: &effects)
            write("fallback-timeout", .number(settings.fallbackTimeout.inSeconds), now: now, into: &effects)
        }
        if level != commandedLevel {
            let previous = commandedLevel
            commandedLevel = level
            commandedAt = now
            lampFailure.hold()
            dayBurner.hold()
            writeLevel(level, switching: previous.map { ($0 > 0) != (level > 0) } ?? true, now: now, into: &effects)
            return
        }
        switch output {
        case .controller:
            // The controller falls back to its default level after `fallback-timeout` without a
            // command: re-sending the level every half timeout keeps it on the schedule while the
            // gateway is alive, and lets it fall back only when the gateway is gone.
            let lastCommand = [lastWrite["switch"], lastWrite["dim"]].compactMap { $0 }.max()
            let keepAliveDue = lastCommand.map { now - $0 >= settings.fallbackTimeout / 2 } ?? false
            if keepAliveDue || contradicts("switch", .bool(level > 0), now: now)
                || (level > 0 && contradicts("dim", .number(Double(level)), now: now)) {
                writeLevel(level, switching: true, now: now, into: &effects)
            }
            if contradicts("default-dim", .number(Double(settings.defaultDim)), now: now) {
                write("default-dim", .number(Double(settings.defaultDim)), now: now, into: &effects)
            }
            if contradicts("fallback-timeout", .number(settings.fallbackTimeout.inSeconds), now: now) {
                write("fallback-timeout", .number(settings.fallbackTimeout.inSeconds), now: now, into: &effects)
            }
        case .relay:
            if contradicts("relay", .bool(level > 0), now: now) { writeLevel(level, switching: true, now: now, into: &effects) }
        }
    }

    /// - Parameter switching: the on/off state changes (or must be re-sent), not only the level.
    private mutating func writeLevel(_ level: Int, switching: Bool, now: Timestamp, into effects: inout [AppEffect]) {
        switch output {
        case .controller:
            // Dim first, so the lamp does not flash at its old level when it switches on.
            if level > 0 { write("dim", .number(Double(level)), now: now, into: &effects) }
            if switching { write("switch", .bool(level > 0), now: now, into: &effects) }
        case .relay:
            write("relay", .bool(level > 0), now: now, into: &effects)
        }
    }

    private mutating func write(_ point: String, _ value: PointValue, now: Timestamp, into effects: inout [AppEffect]) {
        guard points[point]?.writable == true else { return }
        lastWrite[point] = now
        effects.append(.write(ref(point), value))
    }

    /// True when a good read-back taken after our last write disagrees, and that write is old
    /// enough that a re-write is not a retry storm.
    private func contradicts(_ point: String, _ expected: PointValue, now: Timestamp) -> Bool {
        guard let r = readings[point], r.quality.isGood, let value = r.value, let written = lastWrite[point],
              r.time > written, now - written >= Self.rewriteAfter else { return false }
        switch (value, expected) {
        case (_, .bool(let b)): return value.bool != b
        case (_, .number(let n)): return (value.number ?? .nan).rounded() != n.rounded()
        default: return false
        }
    }

    // MARK: - Faults

    private mutating func judgeController(now: Timestamp, into effects: inout [AppEffect]) {
        let level = decision.level
        let on = level > 0
        let settled = now - commandedAt >= settings.settleTime
        let current = reading("current", now: now)?.goodNumber

        if let current, on {
            if lampFailure.update(current < settings.lampFailureCurrent, now: now) {
                effects.append(.alarm(alarmID("lamp-failure"), .major, lampFailure.isActive
                    ? .raise(value: .number(current), message: "lamp commanded on at \(level) % but its current \(formatNumber(current, decimals: 3)) A is below \(formatNumber(settings.lampFailureCurrent, decimals: 3)) A")
                    : .clear(value: .number(current))))
            }
        } else {
            lampFailure.hold()
        }
        if let current, !on {
            if dayBurner.update(current > settings.dayBurnerCurrent, now: now) {
                effects.append(.alarm(alarmID("day-burner"), .minor, dayBurner.isActive
                    ? .raise(value: .number(current), message: "lamp commanded off but \(formatNumber(current, decimals: 3)) A is flowing (relay stuck or wiring bypass)")
                    : .clear(value: .number(current))))
            }
        } else {
            dayBurner.hold()
        }

        let burning = (current ?? 0) >= settings.lampFailureCurrent && !lampFailure.isActive
        if let rated = settings.ratedPower, let power = reading("power", now: now), on, settled {
            let expected = rated * Double(level) / 100
            let tolerance = settings.powerTolerance / 100
            powerHigh.limit = expected * (1 + tolerance)
            powerHigh.hysteresis = expected * 0.05
            powerLow.limit = expected * (1 - tolerance)
            powerLow.hysteresis = expected * 0.05
            appendAlarm(&effects, alarmID("power-high"), .minor, powerHigh.evaluate(power, now: now))
            if burning {
                appendAlarm(&effects, alarmID("power-low"), .minor, powerLow.evaluate(power, now: now))
            } else {
                powerLow.hold()
            }
        } else {
            powerHigh.hold()
            powerLow.hold()
        }
        // Drivers' power factor falls when dimmed deep: judge it near full output only.
        if let pf = reading("power-factor", now: now), on, level >= 50, settled, burning {
            appendAlarm(&effects, alarmID("low-power-factor"), .warning, powerFactor.evaluate(pf, now: now))
        } else {
            powerFactor.hold()
        }
        if let v = reading("voltage", now: now) {
            appendAlarm(&effects, alarmID("over-voltage"), .minor, overVoltage.evaluate(v, now: now))
            appendAlarm(&effects, alarmID("under-voltage"), .minor, underVoltage.evaluate(v, now: now))
        }
        if let r = reading("leakage-current", now: now) {
            appendAlarm(&effects, alarmID("leakage-current"), .critical, leakage.evaluate(r, now: now))
        }
        if let r = reading("relay-failure", now: now) {
            appendAlarm(&effects, alarmID("relay-failure"), .major, relayFailure.evaluate(r, now: now))
        }
        if let r = reading("driver-failure", now: now) {
            appendAlarm(&effects, alarmID("driver-failure"), .major, driverFailure.evaluate(r, now: now))
        }
    }

    // MARK: - Energy

    private mutating func account(now: Timestamp, into effects: inout [AppEffect]) {
        let today = CivilTime(now, offsetMinutes: utcOffsetMinutes).daysSinceEpoch
        if let done = energy.roll(to: today) {
            publishTotals(done, suffix: "yesterday", now: now, into: &effects)
            lastEnergyPublish = nil
        }
        if let last = lastBurnCheck, wasBurning, now > last {
            // Ticks come at least every 5 s; a longer gap is a stall whose lamp state is unknown.
            let dt = min(now - last, Self.energyInterval)
            energy.add(burning: dt)
            if output == .relay, let rated = settings.ratedPower { energy.add(energyWh: rated * dt.inSeconds / 3600) }
        }
        lastBurnCheck = now
        switch output {
        case .controller: wasBurning = (reading("current", now: now)?.goodNumber ?? 0) >= settings.lampFailureCurrent
        case .relay: wasBurning = decision.level > 0
        }
        if lastEnergyPublish.map({ now - $0 >= Self.energyInterval }) ?? true {
            lastEnergyPublish = now
            publishTotals(energy.today, suffix: "today", now: now, into: &effects)
        }
    }

    private func publishTotals(_ totals: DailyEnergy.Totals, suffix: String, now: Timestamp, into effects: inout [AppEffect]) {
        if output == .controller || settings.ratedPower != nil {
            effects.append(.derived(name: "energy-\(suffix)", .number(rounded(totals.energyKWh), at: now), unit: "kWh"))
        }
        effects.append(.derived(name: "burning-hours-\(suffix)", .number(rounded(totals.burningHours), at: now), unit: "h"))
    }

    private func rounded(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

    // MARK: - Commands

    /// `lamp {"action": "on"|"off"|"dim"|"auto", "level": 0…100, "for": "2h"}`.
    private mutating func apply(_ command: AppCommand, now: Timestamp) -> Result<JSONValue, AppError> {
        guard command.name == "lamp" else {
            return .failure(AppError("lamp head \(deviceID) does not know the command \"\(command.name)\" (it takes: lamp)"))
        }
        let parsed = command.readArguments { o in LampCommand.read(o) }
        switch parsed {
        case .failure(let e):
            return .failure(e)
        case .success(let a):
            if a.action == "auto" {
                override = nil
                return .success(["by": .string(command.by)])
            }
            let level = a.action == "off" ? 0 : (a.level ?? 100)
            if output == .relay, level != 0, level != 100 {
                return .failure(AppError("lamp: lamp head \(deviceID) is switched by a relay and cannot dim; use on or off"))
            }
            let until = now + (a.duration ?? settings.overrideDuration)
            override = Override(level: level, until: until)
            return .success(["until": .string(until.iso8601(offsetMinutes: utcOffsetMinutes)), "by": .string(command.by)])
        }
    }
}
