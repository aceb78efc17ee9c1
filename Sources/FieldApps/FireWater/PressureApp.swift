import FieldCore

/// Fire-water pressure (app `pressure`): a pressure transmitter (`fg-pressure-tx`) or the
/// 4–20 mA channels of an analog-input module (`fg-ai4`), each point with low and high limits
/// from its GB 50974 category, rapid drop, and sensor fault. A device that stops answering is the
/// runtime's `comm-lost` alarm; its last values are not judged.
///
/// Readings feed the rapid-drop rule (it needs every sample); ticks and commands judge the
/// limits and the faults on the latest reading, so a delay runs out even between polls.
package struct PressureApp: DeviceApp {
    /// One monitored point and its rules.
    struct Watch: Sendable {
        var settings: PressurePointSettings
        var low: ThresholdRule?
        var high: ThresholdRule?
        /// §7.4.12's dynamic outlet limits: judged only while water flows.
        var flowingLow: ThresholdRule?
        var flowingHigh: ThresholdRule?
        var rapidDrop: RateOfChangeRule?
        var sensorFault: QualityRule
        var reading: Reading?

        init(_ s: PressurePointSettings, sensorFaultDelay: Duration) {
            settings = s
            // Out of range counts too: a loop left in NE43's ambiguous band, or a value beyond the
            // transmitter's range, is as useless for judging pressure as a failure signal.
            sensorFault = QualityRule([.sensorFault, .outOfRange], onDelay: sensorFaultDelay, message: "pressure sensor fault")
            configure()
        }

        /// (Re)builds the rules from the settings, keeping the state of the ones that stay.
        mutating func configure() {
            let s = settings
            // Delays are fixed when a rule is made; a new limit keeps the rule and its state.
            low = s.low.map { limit in
                var r = low ?? ThresholdRule(.low, limit: limit, hysteresis: s.hysteresis, onDelay: s.delay,
                                             offDelay: s.clearDelay, name: "pressure", unit: "MPa")
                r.limit = limit
                return r
            }
            high = s.high.map { limit in
                var r = high ?? ThresholdRule(.high, limit: limit, hysteresis: s.hysteresis, onDelay: s.delay,
                                              offDelay: s.clearDelay, name: "pressure", unit: "MPa")
                r.limit = limit
                return r
            }
            flowingLow = s.flowingLow.map { limit in
                var r = flowingLow ?? ThresholdRule(.low, limit: limit, hysteresis: s.hysteresis, onDelay: s.delay,
                                                    offDelay: s.clearDelay, name: "flowing pressure", unit: "MPa")
                r.limit = limit
                return r
            }
            flowingHigh = s.flowingHigh.map { limit in
                var r = flowingHigh ?? ThresholdRule(.high, limit: limit, hysteresis: s.hysteresis, onDelay: s.delay,
                                                     offDelay: s.clearDelay, name: "flowing pressure", unit: "MPa")
                r.limit = limit
                return r
            }
            if s.rapidDrop > 0 {
                if rapidDrop == nil || rapidDrop!.change != s.rapidDrop || rapidDrop!.window != s.rapidDropWindow {
                    rapidDrop = RateOfChangeRule(.low, change: s.rapidDrop, window: s.rapidDropWindow, reference: s.rapidDropReference,
                                                 standby: s.rapidDropStandby > .zero ? s.rapidDropStandby : nil,
                                                 onDelay: s.rapidDropConfirm, offDelay: .seconds(60), name: "pressure", unit: "MPa")
                }
            } else {
                rapidDrop = nil
            }
        }

    }

    package let deviceID: String
    package private(set) var settings: PressureSettings
    package let subscriptions: Set<PointRef>
    private var watches: [String: Watch]
    /// The transmitter's own fault bit (`fg-pressure-tx`'s `sensor-fault`), when it has one.
    private var faultBit: Reading?
    private let hasFaultBit: Bool
    /// The points that say water flows (`flowing`), and their latest readings.
    private let flowRefs: Set<PointRef>
    private var flowSignals: [PointRef: Reading] = [:]
    private var testWindow: TestWindow

    package init(context: AppContext, settings: PressureSettings) {
        deviceID = context.deviceID
        self.settings = settings
        hasFaultBit = context.points["sensor-fault"] != nil && settings.points["sensor-fault"] == nil
        watches = settings.points.mapValues { Watch($0, sensorFaultDelay: settings.sensorFaultDelay) }
        testWindow = TestWindow(context: context)
        var subs = Set(settings.points.keys.map(context.ref))
        if hasFaultBit { subs.insert(context.ref("sensor-fault")) }
        flowRefs = Set(settings.points.values.compactMap(\.flowing))
        subs.formUnion(flowRefs)
        subscriptions = subs
    }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        testWindow.filter(judge(input, now: now), now: now)
    }

    private mutating func judge(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        switch input {
        case .reading(let ref, let reading):
            if flowRefs.contains(ref) { flowSignals[ref] = reading }
            guard ref.device == deviceID else { return effects }
            if ref.point == "sensor-fault", hasFaultBit {
                faultBit = reading
            } else if var w = watches[ref.point] {
                w.reading = reading
                appendAlarm(&effects, id(ref.point, "rapid-drop"), .major, w.rapidDrop?.evaluate(trusted(reading), now: now))
                watches[ref.point] = w
            }
            return effects
        case .command(let command):
            let reply = command.name == "maintenance" ? testWindow.command(command, now: now) : apply(command)
            effects = evaluate(now: now)
            effects.append(.reply(reply))
            return effects
        case .tick:
            return evaluate(now: now)
        }
    }

    private func id(_ point: String, _ type: String) -> AlarmID {
        AlarmID(point: PointRef(device: deviceID, point: point), type: type)
    }

    /// The reading with the transmitter's fault bit applied: a value the transmitter itself
    /// disowns is a sensor fault, not a pressure.
    private func trusted(_ reading: Reading) -> Reading {
        guard hasFaultBit, faultBit?.goodBool == true, reading.quality == .good else { return reading }
        var r = reading
        r.quality = .sensorFault
        return r
    }

    /// A flowing-pressure limit: judged while water flows; when the flow stops it does not apply,
    /// so a raised alarm clears and a pending one is forgotten.
    static func whileFlowing(_ rule: inout ThresholdRule, _ flowing: Bool, _ reading: Reading, now: Timestamp) -> AlarmSignal? {
        if flowing { return rule.evaluate(reading, now: now) }
        guard rule.isActive else {
            rule.hold()
            return nil
        }
        rule.reset()
        return .clear(value: reading.value)
    }

    /// What the technician is told about a point that has been unusable for the fault delay.
    static func faultMessage(_ quality: Quality) -> String {
        quality == .outOfRange
            ? "pressure sensor fault: the reading stays out of range (a 4–20 mA loop in a NAMUR NE43 ambiguous band, or beyond the transmitter's range)"
            : "pressure sensor fault: transmitter fault, or the 4–20 mA loop open, shorted or at NAMUR NE43's failure signal"
    }

    private mutating func evaluate(now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        for name in watches.keys.sorted() {
            guard var w = watches[name], let raw = w.reading else { continue }
            let reading = trusted(raw.aged(settings.staleAfter, now: now))
            // A stale reading says nothing about the sensor: the fault alarm keeps its state.
            if reading.quality != .stale {
                var signal = w.sensorFault.evaluate(reading, now: now)
                if case .raise(let value, _)? = signal { signal = .raise(value: value, message: Self.faultMessage(reading.quality)) }
                appendAlarm(&effects, id(name, "sensor-fault"), .major, signal)
            }
            if var rule = w.low {
                appendAlarm(&effects, id(name, "low-pressure"), .major, rule.evaluate(reading, now: now))
                w.low = rule
            }
            if var rule = w.high {
                appendAlarm(&effects, id(name, "high-pressure"), .minor, rule.evaluate(reading, now: now))
                w.high = rule
            }
            let flowing = w.settings.flowing.flatMap { flowSignals[$0]?.aged(settings.staleAfter, now: now).goodBool } == true
            if var rule = w.flowingLow {
                appendAlarm(&effects, id(name, "low-flowing-pressure"), .major, Self.whileFlowing(&rule, flowing, reading, now: now))
                w.flowingLow = rule
            }
            if var rule = w.flowingHigh {
                appendAlarm(&effects, id(name, "high-flowing-pressure"), .minor, Self.whileFlowing(&rule, flowing, reading, now: now))
                w.flowingHigh = rule
            }
            watches[name] = w
        }
        return effects
    }

    /// `set-threshold {"point": "ch1", "low": 0.12, "high": 0.6, "rapid-drop": 0.05}`, or the
    /// platform's uniform form `{"alarm": "low-pressure", "value": 0.12 [, "point": "ch1"]}`:
    /// changes limits until the gateway restarts (the site file keeps the lasting ones).
    private mutating func apply(_ command: AppCommand) -> Result<JSONValue, AppError> {
        guard command.name == "set-threshold" else {
            return .failure(AppError("pressure device \(deviceID) does not know the command \"\(command.name)\" (it takes: set-threshold, maintenance)"))
        }
        let names = watches.keys.sorted()
        let parsed = command.readArguments { o -> (String, Double?, Double?, Double?)? in
            let point = o.string("point", oneOf: names) ?? (names.count == 1 && !o.has("point") ? names[0] : nil)
            var low = o.double("low", range: AppCommands.pressureLimits)
            var high = o.double("high", range: AppCommands.pressureLimits)
            var drop = o.double("rapid-drop", range: AppCommands.pressureLimits)
            if let alarm = o.string("alarm", oneOf: ["low-pressure", "high-pressure", "rapid-drop"]),
               let value = o.double("value", required: true, range: AppCommands.pressureLimits) {
                switch alarm {
                case "low-pressure": low = value
                case "high-pressure": high = value
                default: drop = value
                }
            }
            if point == nil, !o.has("point") {
                o.reader.report(o.path.key("point"), "required: this device watches \(names.joined(separator: ", "))")
            }
            if low == nil, high == nil, drop == nil, !["low", "high", "rapid-drop", "alarm"].contains(where: o.has) {
                o.reader.report(o.path, "give at least one of low, high, rapid-drop (or alarm and value)")
            }
            guard let point else { return nil }
            let s = watches[point]!.settings
            if let l = low ?? s.low, let h = high ?? s.high, l >= h {
                o.reader.report(o.path.key(low != nil ? "low" : "high"), "low \(formatNumber(l)) MPa must be below high \(formatNumber(h)) MPa")
            }
            return (point, low, high, drop)
        }
        switch parsed {
        case .failure(let e):
            return .failure(e)
        case .success(let (point, low, high, drop)):
            var w = watches[point]!
            if let low { w.settings.low = low }
            if let high { w.settings.high = high }
            if let drop { w.settings.rapidDrop = drop }
            w.configure()
            watches[point] = w
            settings.points[point] = w.settings
            var answer: [String: JSONValue] = ["point": .string(point), "persistent": false,
                                               "rapid-drop": .number(w.settings.rapidDrop)]
            answer["low"] = w.settings.low.map(JSONValue.number) ?? .null
            answer["high"] = w.settings.high.map(JSONValue.number) ?? .null
            return .success(.object(answer))
        }
    }
}
