#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldDevices

/// An electrical fire detector in a distribution box (`fg-efd`) and the circuit it watches:
/// - **leakage** through the insulation grows with humidity (the weather's, plus `damp` for a
///   wet room: ×e per 25 %RH above 50 %), creeps up by `leak-creep` per simulated minute (ageing),
///   and an earth fault adds `earth-fault` at once;
/// - **loads**: a base `load` at PF 0.9, a `heater` (resistive, PF 1) and a `motor` (PF 0.78, its
///   start drawing 4× for 3 s), shared over the three phases;
/// - **temperatures** follow I²: t1 the incoming cable, t2 and t3 the phase A and B terminals,
///   t4 the breaker; a `loose-terminal` (extra contact resistance on t2's terminal, mΩ) heats
///   I²R watts through 3 K/W, with a 5-minute lag;
/// - **faults**: `lost-phase` (1–3: A–C), `voltage` (the supply), `sensor-open` / `sensor-short`
///   (a channel 1–4), `ct-open` (the residual-current transformer unplugged);
/// - **the detector's own logic**: alarm bits when a reading is at or above its own settings for
///   2 s, held until `reset` (control 3); `self-test` (control 1) sets the leakage bit for 5 s.
final class ElectricalFireDetectorModel: DeviceModel {
    let device: DeviceConfig
    private let weather: Weather
    var insulation = 20.0
    var damp = 0.0
    var leakCreep = 0.0
    var earthFault = 0.0
    var load = 2000.0
    var heater = false
    var heaterPower = 2000.0
    var motor = false
    var motorPower = 1300.0
    var looseTerminal = 0.0
    var ambient = 25.0
    var voltage = 220.0
    var lostPhase = 0.0
    var sensorOpen = 0.0
    var sensorShort = 0.0
    var ctOpen = false

    private var crept = 0.0
    private var motorStartLeft = 0.0
    private var motorWas = false
    private var temperatures = [25.0, 25.0, 25.0, 25.0]
    private var alarmFlags = 0
    private var above: [Double] = [0, 0, 0, 0, 0]
    private var selfTestLeft = 0.0
    private var noise: Noise

    init(device: DeviceConfig, weather: Weather) {
        self.device = device
        self.weather = weather
        noise = Noise(device.id)
    }

    var systems: [any SimSystem] { [weather] }

    var knobs: [Knob] {
        [
            .number("insulation", of: self, \.insulation, unit: "mA", range: 0...1000, "leakage through the insulation at 50 %RH"),
            .number("damp", of: self, \.damp, unit: "%RH", range: -50...50, "extra humidity in the room (a leak, a wet wall) on top of the weather's"),
            .number("leak-creep", of: self, \.leakCreep, unit: "mA/min", range: 0...100, "insulation ageing: leakage added per simulated minute"),
            .number("earth-fault", of: self, \.earthFault, unit: "mA", range: 0...3000, "an earth fault's residual current, at once"),
            .number("load", of: self, \.load, unit: "W", range: 0...200_000, "base load of the circuit (PF 0.9), shared by the phases"),
            .flag("heater", of: self, \.heater, "an electric heater (resistive, PF 1) switched on"),
            .number("heater-power", of: self, \.heaterPower, unit: "W", range: 0...20000, "the heater's power"),
            .flag("motor", of: self, \.motor, "a motor load (PF 0.78; 4× for 3 s when it starts)"),
            .number("motor-power", of: self, \.motorPower, unit: "W", range: 0...50000, "the motor's running power"),
            .number("loose-terminal", of: self, \.looseTerminal, unit: "mΩ", range: 0...1000, "extra contact resistance of the phase A terminal (t2): heats I²R"),
            .number("ambient", of: self, \.ambient, unit: "°C", range: -20...60, "air temperature in the distribution box"),
            .number("voltage", of: self, \.voltage, unit: "V", range: 0...400, "supply phase voltage"),
            .number("lost-phase", of: self, \.lostPhase, range: 0...3, "a lost phase: 1 A, 2 B, 3 C (0: none)"),
            .number("sensor-open", of: self, \.sensorOpen, range: 0...4, "temperature channel whose sensor is open-circuit (0: none)"),
            .number("sensor-short", of: self, \.sensorShort, range: 0...4, "temperature channel whose sensor is short-circuited (0: none)"),
            .flag("ct-open", of: self, \.ctOpen, "the residual-current transformer is unplugged"),
        ]
    }

    func factoryValues() -> [String: PointValue] {
        var v: [String: PointValue] = ["leakage-alarm-setting": .number(500)]
        for n in 1...4 { v["t\(n)-alarm-setting"] = .number(85) }
        return v
    }

    func gatewayWrote(_ write: GatewayWrite, at time: StepTime) {
        switch write.values["control"]?.number {
        case 1: selfTestLeft = 5
        case 3: alarmFlags = 0
        default: break
        }
    }

    /// Residual current (mA) now: insulation by humidity, ageing, an earth fault.
    var leakage: Double {
        let humidity = min(100, max(0, weather.humidity + damp))
        return insulation * exp((humidity - 50) / 25) + crept + earthFault
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        let dt = time.seconds
        crept += leakCreep * dt / 60
        if motor && !motorWas { motorStartLeft = 3 }
        motorWas = motor
        motorStartLeft = max(0, motorStartLeft - dt)
        let motorNow = motor ? motorPower * (motorStartLeft > 0 ? 4 : 1) : 0
        let heaterNow = heater ? heaterPower : 0
        let p = load + heaterNow + motorNow
        let q = load * 0.484 + motorNow * 0.802
        let pf = p < 1 ? 1 : p / (p * p + q * q).squareRoot()
        var volts = [voltage, voltage, voltage]
        var amps = [0.0, 0.0, 0.0]
        for i in 0..<3 {
            volts[i] += noise.gaussian(0.4)
            amps[i] = volts[i] > 1 ? p / 3 / (volts[i] * pf) : 0
        }
        if lostPhase >= 1 {
            let i = Int(lostPhase) - 1
            volts[i] = 6 + noise.gaussian(0.5)
            amps[i] = 0
        }
        let measuredPower = p - (lostPhase >= 1 ? p / 3 : 0)
        stepTemperatures(amps: amps, dt: dt)
        let residual = max(0, leakage + noise.gaussian(0.8))
        updateAlarmBits(residual: residual, io: io, dt: dt)

        io.values["residual-current"] = .number(ctOpen ? 0 : residual)
        var faults = ctOpen ? 1 << 8 : 0
        for n in 1...4 {
            var t = temperatures[n - 1] + noise.gaussian(0.1)
            if Int(sensorOpen) == n {
                faults |= 1 << (n - 1)
                t = -40
            } else if Int(sensorShort) == n {
                faults |= 1 << (n + 3)
                t = 200
            }
            io.values["t\(n)"] = .number(t)
        }
        for (i, x) in ["a", "b", "c"].enumerated() {
            io.values["voltage-" + x] = .number(max(0, volts[i]))
            io.values["current-" + x] = .number(amps[i])
        }
        io.values["power"] = .number(max(0, measuredPower + noise.gaussian(5)).rounded())
        io.values["power-factor"] = .number(pf)
        io.values["alarm-flags"] = .number(Double(alarmFlags | (selfTestLeft > 0 ? 1 : 0)))
        io.values["fault-flags"] = .number(Double(faults))
        selfTestLeft = max(0, selfTestLeft - dt)
    }

    /// First-order lags (5 min) towards ambient plus each part's I² heating.
    private func stepTemperatures(amps: [Double], dt: Double) {
        let a2: Double = amps[0] * amps[0]
        let b2: Double = amps[1] * amps[1]
        let peak: Double = amps.max() ?? 0
        // The loose contact's I²R (W) through 3 K/W.
        let loose: Double = a2 * looseTerminal / 1000 * 3
        let cable: Double = ambient + 0.004 * a2
        let terminalA: Double = ambient + 0.006 * a2 + loose
        let terminalB: Double = ambient + 0.006 * b2
        let breaker: Double = ambient + 0.005 * peak * peak
        let targets: [Double] = [cable, terminalA, terminalB, breaker]
        for i in 0..<4 { temperatures[i] = approach(temperatures[i], targets[i], tau: 300, dt: dt) }
    }

    /// The detector's own judgement against the settings the gateway (or its factory) wrote:
    /// 2 s at or above a setting sets the bit, which stays until reset.
    private func updateAlarmBits(residual: Double, io: DeviceIO, dt: Double) {
        var readings = [ctOpen ? 0 : residual]
        var limits = [io.number("leakage-alarm-setting") ?? 500]
        for n in 1...4 {
            let open = Int(sensorOpen) == n || Int(sensorShort) == n
            readings.append(open ? 0 : temperatures[n - 1])
            limits.append(io.number("t\(n)-alarm-setting") ?? 85)
        }
        for i in 0..<5 {
            above[i] = readings[i] >= limits[i] ? above[i] + dt : 0
            if above[i] >= 2 { alarmFlags |= 1 << i }
        }
    }

    func state() -> [String: JSONValue] {
        ["leakage": .number((leakage * 10).rounded() / 10), "alarm-flags": .number(Double(alarmFlags)),
         "t2": .number((temperatures[1] * 10).rounded() / 10)]
    }
}
