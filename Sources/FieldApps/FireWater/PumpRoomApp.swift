import FieldCore

/// The pump room's contacts (app `pump-room`, profile `fg-pump-room`): the signal valve, the
/// jockey pump, the fire pump's run and fault contacts, and the main's pressure from another
/// device, for "pump failed to start" and jockey short-cycling.
package struct PumpRoomApp: DeviceApp {
    package let deviceID: String
    package let settings: PumpRoomSettings
    package let subscriptions: Set<PointRef>
    private var inputs: [String: Reading] = [:]
    private var pressure: Reading?
    private var valveClosed: DigitalRule
    private var pumpFault: DigitalRule
    private var jockeyRunning: DelayedCondition
    private var fireRunning: DelayedCondition
    private var demand: ThresholdRule?
    private var failedToStart: DelayedCondition
    private var cycles: JockeyCycles
    private var shortCycling: DelayedCondition
    private var publishedStarts: Int?
    private var testWindow: TestWindow

    package init(context: AppContext, settings: PumpRoomSettings) {
        deviceID = context.deviceID
        self.settings = settings
        testWindow = TestWindow(context: context)
        var subs = Set(["valve-open", "jockey-run", "fire-pump-run", "fire-pump-fault"].filter { context.points[$0] != nil }.map(context.ref))
        if let p = settings.pressurePoint { subs.insert(p) }
        subscriptions = subs
        valveClosed = DigitalRule(alarmWhen: false, debounce: settings.valveDebounce, offDelay: settings.valveDebounce, message: "signal valve closed")
        pumpFault = DigitalRule(alarmWhen: true, debounce: settings.contactDebounce, offDelay: settings.contactDebounce, message: "fire pump fault signalled")
        jockeyRunning = DelayedCondition(onDelay: settings.contactDebounce, offDelay: settings.contactDebounce)
        fireRunning = DelayedCondition(onDelay: settings.contactDebounce, offDelay: settings.contactDebounce)
        demand = settings.startPressure.map {
            ThresholdRule(.low, limit: $0, hysteresis: settings.startHysteresis, name: "pressure", unit: "MPa")
        }
        failedToStart = DelayedCondition(onDelay: settings.startDelay)
        cycles = JockeyCycles(window: settings.jockeyWindow)
        shortCycling = DelayedCondition(offDelay: .minutes(10))
    }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        switch input {
        case .reading(let ref, let reading):
            // Readings update the picture; ticks (at least every 5 s) and commands judge it.
            if ref == settings.pressurePoint { pressure = reading }
            if ref.device == deviceID { inputs[ref.point] = reading }
            return []
        case .command(let c) where c.name == "maintenance":
            effects.append(.reply(testWindow.command(c, now: now)))
        case .command(let c):
            effects.append(.reply(.failure(AppError("pump room \(deviceID) does not know the command \"\(c.name)\" (it takes: maintenance)"))))
        case .tick:
            break
        }
        evaluate(now: now, into: &effects)
        return testWindow.filter(effects, now: now)
    }

    private func id(_ type: String) -> AlarmID { AlarmID(device: deviceID, type: type) }

    private mutating func evaluate(now: Timestamp, into effects: inout [AppEffect]) {
        if let r = inputs["valve-open"] {
            appendAlarm(&effects, id("signal-valve-closed"), .major, valveClosed.evaluate(r, now: now))
        }
        if let r = inputs["fire-pump-fault"] {
            appendAlarm(&effects, id("pump-fault"), .major, pumpFault.evaluate(r, now: now))
        }
        if let running = inputs["fire-pump-run"]?.goodBool { _ = fireRunning.update(running, now: now) }
        if let running = inputs["jockey-run"]?.goodBool, jockeyRunning.update(running, now: now), jockeyRunning.isActive {
            cycles.recordStart(at: now)
        }
        judgeJockey(now: now, into: &effects)
        judgePumpStart(now: now, into: &effects)
    }

    private mutating func judgeJockey(now: Timestamp, into effects: inout [AppEffect]) {
        let starts = cycles.count(at: now)
        if starts != publishedStarts {
            publishedStarts = starts
            effects.append(.derived(name: "jockey-starts-per-hour", .number(Double(starts) * 3600 / settings.jockeyWindow.inSeconds, at: now), unit: "1/h"))
        }
        guard shortCycling.update(starts > settings.jockeyStartsLimit, now: now) else { return }
        let minutes = formatNumber(settings.jockeyWindow.inSeconds / 60)
        effects.append(.alarm(id("jockey-short-cycling"), .minor, shortCycling.isActive
            ? .raise(value: .number(Double(starts)), message: "jockey pump started \(starts) times in \(minutes) min (limit \(settings.jockeyStartsLimit)): a leak in the mains or a waterlogged pressure tank")
            : .clear(value: .number(Double(starts)))))
    }

    /// The main's pressure is below the fire pump's start set-point and the pump has not run
    /// for the start delay.
    private mutating func judgePumpStart(now: Timestamp, into effects: inout [AppEffect]) {
        guard var rule = demand, let p = pressure?.aged(settings.staleAfter, now: now) else { return }
        _ = rule.evaluate(p, now: now)
        demand = rule
        guard failedToStart.update(rule.isActive && !fireRunning.isActive, now: now) else { return }
        let value = p.value
        if failedToStart.isActive {
            let start = formatNumber(settings.startPressure ?? 0, decimals: 3)
            let reading = p.goodNumber.map { formatNumber($0, decimals: 3) } ?? "?"
            effects.append(.alarm(id("pump-failed-to-start"), .critical, .raise(value: value,
                message: "pressure \(reading) MPa below the start set-point \(start) MPa for \(formatDuration(settings.startDelay)) and the fire pump is not running")))
        } else {
            effects.append(.alarm(id("pump-failed-to-start"), .critical, .clear(value: value)))
        }
    }
}

/// A pump room's `settings`.
package struct PumpRoomSettings: Hashable, Sendable {
    /// The signal valve must read closed this long (valves take seconds to travel).
    package var valveDebounce: Duration = .seconds(5)
    /// Pump run and fault contacts must agree this long.
    package var contactDebounce: Duration = .seconds(2)
    /// The main's pressure point on another device (`device.point`), for "failed to start".
    package var pressurePoint: PointRef?
    /// The fire pump's start set-point (MPa): pressure below it is a demand the pump must answer.
    package var startPressure: Double?
    package var startHysteresis = 0.02
    /// A pressure reading older than this is not judged (its transmitter stopped answering).
    package var staleAfter: Duration = .seconds(60)
    /// The pump must be running this long after the demand began. GB 50974 gives 2 min from
    /// the start signal to normal running.
    package var startDelay: Duration = .minutes(2)
    /// More jockey starts than this within `jockeyWindow` is short-cycling (GB 50974: the
    /// pressure tank is sized for ≤ 15 starts per hour).
    package var jockeyStartsLimit = 15
    package var jockeyWindow: Duration = .hours(1)

    package init() {}

    package static func read(_ s: JSONObjectReader) -> PumpRoomSettings {
        var x = PumpRoomSettings()
        if let v = s.duration("valve-debounce", range: .zero ... .minutes(10)) { x.valveDebounce = v }
        if let v = s.duration("contact-debounce", range: .zero ... .minutes(10)) { x.contactDebounce = v }
        x.pressurePoint = s.pointReference("pressure-point")
        x.startPressure = s.double("start-pressure", required: x.pressurePoint != nil, range: 0...100)
        if x.pressurePoint == nil, x.startPressure != nil {
            s.reader.report(s.path.key("pressure-point"), "missing (required with start-pressure): the main's pressure as \"device.point\"")
        }
        if let v = s.double("start-hysteresis", range: 0...10) { x.startHysteresis = v }
        if let v = s.duration("start-delay", range: .seconds(1) ... .minutes(30)) { x.startDelay = v }
        if let v = s.duration("stale-after", range: .seconds(1) ... .hours(1)) { x.staleAfter = v }
        if let v = s.int("jockey-starts-limit", range: 1...1000) { x.jockeyStartsLimit = v }
        if let v = s.duration("jockey-window", range: .minutes(5) ... .hours(24)) { x.jockeyWindow = v }
        return x
    }
}
