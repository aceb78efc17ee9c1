import FieldCore
import FieldDevices

/// An electrical fire monitoring detector in a distribution box (app `electrical-fire`, profile
/// `fg-efd`): residual-current and temperature alarms (the detector's own bits and the gateway's
/// thresholds, either raising), over/under-voltage, phase loss, over-current, sensor faults, a
/// rising-leakage early warning and prohibited-appliance detection. A detector that stops
/// answering is the runtime's `comm-lost` alarm; its last values are not judged.
///
/// Readings update the picture (and feed the leakage trend); ticks and commands judge it, so a
/// delay runs out even between polls.
package struct ElectricalFireApp: DeviceApp {
    package let deviceID: String
    package let settings: ElectricalFireSettings
    package let subscriptions: Set<PointRef>
    private var latest: [String: Reading] = [:]
    private var leakage: DetectorOrGateway
    private var leakageFault: QualityRule
    private var temperatures: [Int: DetectorOrGateway] = [:]
    private var temperatureFaults: [Int: QualityRule] = [:]
    private var phases: [PhaseWatch]
    private var trend: LeakageTrend
    private var appliance: ApplianceDetector
    private var lastPowerTime: Timestamp?
    private var testWindow: TestWindow

    /// The points the app reads, when the device has them.
    static let watched = ["residual-current", "t1", "t2", "t3", "t4", "voltage-a", "voltage-b", "voltage-c",
                          "current-a", "current-b", "current-c", "power", "power-factor", "alarm-flags", "fault-flags"]

    package init(context: AppContext, settings: ElectricalFireSettings) {
        deviceID = context.deviceID
        self.settings = settings
        subscriptions = Set(Self.watched.filter { context.points[$0] != nil }.map(context.ref))
        testWindow = TestWindow(context: context)
        leakage = DetectorOrGateway(ThresholdRule(.high, limit: settings.leakageAlarm, hysteresis: settings.leakageHysteresis,
                                                  onDelay: settings.leakageDelay, offDelay: settings.clearDelay,
                                                  name: "residual current", unit: "mA"), what: "residual current")
        leakageFault = QualityRule([.sensorFault], onDelay: settings.sensorFaultDelay, message: "residual current unusable")
        for n in settings.temperatureChannels where context.points["t\(n)"] != nil {
            temperatures[n] = DetectorOrGateway(ThresholdRule(.high, limit: settings.temperatureAlarm, hysteresis: settings.temperatureHysteresis,
                                                              onDelay: settings.temperatureDelay, offDelay: settings.clearDelay,
                                                              name: "temperature", unit: "°C"), what: "temperature on channel \(n)")
            // Out of range too: a sensor reading −40 °C or 200 °C is no temperature.
            temperatureFaults[n] = QualityRule([.sensorFault, .outOfRange], onDelay: settings.sensorFaultDelay, message: "temperature sensor fault")
        }
        phases = ["a", "b", "c"].prefix(settings.phases).filter { context.points["voltage-" + $0] != nil }.map { PhaseWatch($0, settings) }
        trend = LeakageTrend(window: settings.trendWindow, rise: settings.trendRise)
        appliance = ApplianceDetector(settings: settings.appliance, utcOffsetMinutes: context.site.utcOffsetMinutes)
    }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        switch input {
        case .reading(let ref, let reading):
            guard ref.device == deviceID else { return [] }
            latest[ref.point] = reading
            if ref.point == "residual-current", reading.goodNumber != nil {
                appendAlarm(&effects, id("residual-current", "leakage-rising"), .minor,
                            trend.evaluate(reading, now: now, alarmAt: settings.leakageAlarm))
            }
            return testWindow.filter(effects, now: now)
        case .command(let c) where c.name == "maintenance":
            let reply = testWindow.command(c, now: now)
            evaluate(now: now, into: &effects)
            effects.append(.reply(reply))
        case .command(let c):
            evaluate(now: now, into: &effects)
            effects.append(.reply(.failure(AppError("electrical fire detector \(deviceID) does not know the command \"\(c.name)\" (it takes: maintenance; the detector's own self-test, silence, reset and alarm values are device commands)"))))
        case .tick:
            evaluate(now: now, into: &effects)
        }
        return testWindow.filter(effects, now: now)
    }

    private func id(_ point: String, _ type: String) -> AlarmID {
        AlarmID(point: PointRef(device: deviceID, point: point), type: type)
    }

    private func fresh(_ point: String, now: Timestamp) -> Reading? {
        latest[point]?.aged(settings.staleAfter, now: now)
    }

    /// A bit of a flags register, nil while the register has no fresh good reading.
    private func flag(_ point: String, bit: Int, now: Timestamp) -> Bool? {
        guard let n = fresh(point, now: now)?.goodNumber, n >= 0, n <= 65535 else { return nil }
        return (Int(n) >> bit) & 1 == 1
    }

    private mutating func evaluate(now: Timestamp, into effects: inout [AppEffect]) {
        let residual = fresh("residual-current", now: now)
        if let r = residual, r.quality != .stale {
            var signal = leakageFault.evaluate(r, now: now)
            if case .raise(let value, _)? = signal {
                let ct = flag("fault-flags", bit: 8, now: now) == true
                signal = .raise(value: value, message: ct ? "residual-current transformer disconnected" : "residual current reading unusable (detector fault)")
            }
            appendAlarm(&effects, id("residual-current", "sensor-fault"), .major, signal)
        }
        appendAlarm(&effects, id("residual-current", "leakage"), .critical,
                    leakage.evaluate(residual, detectorBit: flag("alarm-flags", bit: 0, now: now), now: now))
        for n in temperatures.keys.sorted() {
            let point = "t\(n)"
            let reading = fresh(point, now: now)
            if let r = reading, r.quality != .stale, var rule = temperatureFaults[n] {
                var signal = rule.evaluate(r, now: now)
                if case .raise(let value, _)? = signal { signal = .raise(value: value, message: temperatureFaultMessage(n, r.quality, now: now)) }
                appendAlarm(&effects, id(point, "sensor-fault"), .major, signal)
                temperatureFaults[n] = rule
            }
            appendAlarm(&effects, id(point, "over-temperature"), .critical,
                        temperatures[n]!.evaluate(reading, detectorBit: flag("alarm-flags", bit: n, now: now), now: now))
        }
        for i in phases.indices {
            let p = phases[i]
            for (type, signal) in phases[i].evaluate(voltage: fresh(p.voltagePoint, now: now), current: fresh(p.currentPoint, now: now), now: now) {
                appendAlarm(&effects, id(type == "over-current" ? p.currentPoint : p.voltagePoint, type), .major, signal)
            }
        }
        judgeAppliance(now: now, into: &effects)
    }

    /// Open or short, from the detector's fault bits (channel n: bit n−1 open, bit n+3 short).
    private func temperatureFaultMessage(_ n: Int, _ quality: Quality, now: Timestamp) -> String {
        if flag("fault-flags", bit: n - 1, now: now) == true { return "temperature sensor \(n) open circuit (wire broken or sensor unplugged)" }
        if flag("fault-flags", bit: n + 3, now: now) == true { return "temperature sensor \(n) short circuit" }
        return quality == .outOfRange ? "temperature sensor \(n) reads out of range" : "temperature sensor \(n) fault"
    }

    /// One sample per poll of the total power and power factor, both fresh and good.
    private mutating func judgeAppliance(now: Timestamp, into effects: inout [AppEffect]) {
        guard settings.appliance.step != nil, let p = fresh("power", now: now), p.time != lastPowerTime,
              let power = p.goodNumber, let pf = fresh("power-factor", now: now)?.goodNumber else { return }
        lastPowerTime = p.time
        appendAlarm(&effects, id("power", "prohibited-appliance"), .major, appliance.evaluate(power: power, powerFactor: pf, now: p.time))
    }
}

/// Makes `electrical-fire` apps; every setting has a default.
package struct ElectricalFireAppFactory: DeviceAppFactory {
    package let name = "electrical-fire"
    package var commands: [CommandSpec] { [AppCommands.maintenance] }
    package init() {}

    package func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? {
        madeChecked(settings) { s in
            ElectricalFireApp(context: context, settings: s.map(ElectricalFireSettings.read) ?? ElectricalFireSettings())
        }
    }
}

/// The electrical fire family's apps, for the runtime's app registry.
package enum ElectricalFireApps {
    package static let factories: [any DeviceAppFactory] = [ElectricalFireAppFactory()]
}
