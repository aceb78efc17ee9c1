import FieldCore

/// A fire-water tank or reservoir level (app `tank-level`, profile `fg-level`): low level (the
/// fire reserve is no longer whole), high level (overflow), sensor fault. A transmitter that stops
/// answering is the runtime's `comm-lost` alarm; its last value is not judged.
package struct TankLevelApp: DeviceApp {
    package let deviceID: String
    package private(set) var settings: TankLevelSettings
    package let subscriptions: Set<PointRef>
    private var low: ThresholdRule
    private var high: ThresholdRule?
    private var sensorFault: QualityRule
    private var level: Reading?
    private var faultBit: Reading?
    private let hasFaultBit: Bool
    private var testWindow: TestWindow

    package init(context: AppContext, settings: TankLevelSettings) {
        deviceID = context.deviceID
        self.settings = settings
        testWindow = TestWindow(context: context)
        hasFaultBit = context.points["sensor-fault"] != nil
        subscriptions = Set((hasFaultBit ? ["level", "sensor-fault"] : ["level"]).map(context.ref))
        low = ThresholdRule(.low, limit: settings.low, hysteresis: settings.hysteresis, onDelay: settings.delay,
                            offDelay: settings.delay, name: "level", unit: "m")
        high = settings.high.map {
            ThresholdRule(.high, limit: $0, hysteresis: settings.hysteresis, onDelay: settings.delay, offDelay: settings.delay, name: "level", unit: "m")
        }
        // Out of range too: a level stuck beyond the transmitter's range is no level.
        sensorFault = QualityRule([.sensorFault, .outOfRange], onDelay: settings.sensorFaultDelay,
                                  message: "level sensor fault: transmitter fault, loop failure, or the reading stays out of range")
    }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var reply: Result<JSONValue, AppError>?
        switch input {
        case .reading(let ref, let reading):
            guard ref.device == deviceID else { return [] }
            if ref.point == "level" { level = reading } else if ref.point == "sensor-fault" { faultBit = reading }
            return []
        case .command(let command):
            reply = command.name == "maintenance" ? testWindow.command(command, now: now) : apply(command)
        case .tick:
            break
        }
        var effects: [AppEffect] = []
        if var r = level?.aged(settings.staleAfter, now: now) {
            if hasFaultBit, faultBit?.goodBool == true, r.quality == .good { r.quality = .sensorFault }
            // A stale reading says nothing about the sensor: the fault alarm keeps its state.
            if r.quality != .stale { appendAlarm(&effects, id("sensor-fault"), .major, sensorFault.evaluate(r, now: now)) }
            appendAlarm(&effects, id("low-level"), .major, low.evaluate(r, now: now))
            if var h = high {
                appendAlarm(&effects, id("high-level"), .minor, h.evaluate(r, now: now))
                high = h
            }
        }
        if let reply { effects.append(.reply(reply)) }
        return testWindow.filter(effects, now: now)
    }

    private func id(_ type: String) -> AlarmID {
        AlarmID(point: PointRef(device: deviceID, point: "level"), type: type)
    }

    /// `set-threshold {"low": 2.5, "high": 4.8}` (m), or `{"alarm": "low-level", "value": 2.5}`,
    /// until the gateway restarts.
    private mutating func apply(_ command: AppCommand) -> Result<JSONValue, AppError> {
        guard command.name == "set-threshold" else {
            return .failure(AppError("tank level \(deviceID) does not know the command \"\(command.name)\" (it takes: set-threshold, maintenance)"))
        }
        let current = settings
        let parsed = command.readArguments { o -> (Double?, Double?)? in
            var low = o.double("low", range: AppCommands.levelLimits)
            var high = o.double("high", range: AppCommands.levelLimits)
            if let alarm = o.string("alarm", oneOf: ["low-level", "high-level"]),
               let value = o.double("value", required: true, range: AppCommands.levelLimits) {
                if alarm == "low-level" { low = value } else { high = value }
            }
            if !["low", "high", "alarm"].contains(where: o.has) { o.reader.report(o.path, "give low and/or high (m), or alarm and value") }
            if let h = high ?? current.high, (low ?? current.low) >= h {
                o.reader.report(o.path.key(low != nil ? "low" : "high"), "low \(formatNumber(low ?? current.low)) m must be below high \(formatNumber(h)) m")
            }
            return (low, high)
        }
        switch parsed {
        case .failure(let e):
            return .failure(e)
        case .success(let (newLow, newHigh)):
            if let newLow {
                settings.low = newLow
                low.limit = newLow
            }
            if let newHigh {
                settings.high = newHigh
                if high == nil {
                    high = ThresholdRule(.high, limit: newHigh, hysteresis: settings.hysteresis, onDelay: settings.delay,
                                         offDelay: settings.delay, name: "level", unit: "m")
                }
                high?.limit = newHigh
            }
            return .success(["low": .number(settings.low), "high": settings.high.map(JSONValue.number) ?? .null, "persistent": false])
        }
    }
}

/// A tank level's `settings`: `low` is required (the level that holds the fire reserve depends
/// on the tank; GB 50974 sets the volume, not a level).
package struct TankLevelSettings: Hashable, Sendable {
    /// Low-level alarm below this (m).
    package var low: Double
    /// High-level (overflow) alarm above this (m); nil: not checked.
    package var high: Double?
    package var hysteresis = 0.05
    /// Sloshing and pump starts move the surface for tens of seconds.
    package var delay: Duration = .seconds(30)
    package var sensorFaultDelay: Duration = .seconds(5)
    /// A reading older than this is not judged (the runtime reports the silence as `comm-lost`).
    package var staleAfter: Duration = .seconds(60)

    package init(low: Double, high: Double? = nil) {
        self.low = low
        self.high = high
    }

    package static func read(_ s: JSONObjectReader) -> TankLevelSettings? {
        let low = s.double("low", required: true, range: AppCommands.levelLimits)
        var x = TankLevelSettings(low: low ?? 0, high: s.double("high", range: AppCommands.levelLimits))
        if let v = s.double("hysteresis", range: 0...100) { x.hysteresis = v }
        if let v = s.duration("delay", range: .zero ... .hours(1)) { x.delay = v }
        if let v = s.duration("sensor-fault-delay", range: .zero ... .hours(1)) { x.sensorFaultDelay = v }
        if let v = s.duration("stale-after", range: .seconds(1) ... .hours(1)) { x.staleAfter = v }
        if let h = x.high, let low, low >= h {
            s.reader.report(s.path.key("low"), "\(formatNumber(low)) m must be below high (\(formatNumber(h)) m)")
        }
        return low == nil ? nil : x
    }
}
