import FieldCore
import FieldDevices

/// A single-lamp controller with its luminaire (`fg-slc`): a relay and a 0–100 % dimming driver
/// commanded over Modbus, metering (supply voltage with noise, current, active power and power
/// factor from the dim level and the lamp's rated power), an energy counter and burning hours that
/// accumulate in simulated time, a driver that warms above the air, leakage current and the
/// controller's fault flags.
///
/// When no master has written to it for `fallback-timeout` seconds of real time (the wire's time,
/// whatever the acceleration) it runs at `default-dim`, as a controller that lost its gateway
/// does, and its `switch` and `dim` registers read back that level; the next write ends it.
final class LampControllerModel: DeviceModel {
    let device: DeviceConfig
    private let weather: Weather

    var wattage: Double
    var supplyVoltage = 230.0
    var lampFailed = false
    var driverFailed = false
    var relayStuck = false
    var leakage = 0.6
    var energy = 0.0
    var burningHours = 0.0

    private(set) var relayClosed = false
    private(set) var level = 0.0
    private(set) var inFallback = false
    private(set) var driverTemperature: Double?
    private(set) var power = 0.0
    private var lastWrite: Int64?
    private var noise: Noise

    /// Over- and under-voltage flags (GB/T 12325's ±10 % around 230 V, as controllers use).
    static let overVoltage = 253.0
    static let underVoltage = 207.0

    /// - Parameter ratedPower: the luminaire's rated power (W); the site's `rated-power` setting
    ///   when it has one.
    init(device: DeviceConfig, weather: Weather, ratedPower: Double?) {
        self.device = device
        self.weather = weather
        wattage = ratedPower ?? 150
        noise = Noise(device.id)
    }

    var knobs: [Knob] {
        [
            .number("wattage", of: self, \.wattage, unit: "W", range: 1...2000, "the luminaire's rated power at 100 %"),
            .number("supply-voltage", of: self, \.supplyVoltage, unit: "V", range: 0...300, "mains voltage at the pole (±0.6 V noise on top)"),
            .flag("lamp-failed", of: self, \.lampFailed, "the lamp (LED module) is dead: the driver draws only its standby current"),
            .flag("driver-failed", of: self, \.driverFailed, "the driver is dead: no light, almost no current, fault flag bit 2"),
            .flag("relay-stuck", of: self, \.relayStuck, "the relay is welded in its present state: commands no longer switch the lamp"),
            .number("leakage", of: self, \.leakage, unit: "mA", range: 0...3000, "earth leakage current of the luminaire circuit"),
            .number("energy", of: self, \.energy, unit: "Wh", range: 0...4_000_000_000, "the energy counter"),
            .number("burning-hours", of: self, \.burningHours, unit: "h", range: 0...4_000_000_000, "the burning-hours counter"),
        ]
    }

    /// As shipped: full output if the gateway goes silent for 10 minutes.
    func factoryValues() -> [String: PointValue] { ["default-dim": .number(100), "fallback-timeout": .number(600)] }

    func gatewayWrote(_ write: GatewayWrite, at time: StepTime) {
        lastWrite = time.wall
        inFallback = false
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        if lastWrite == nil { lastWrite = time.wall }
        let timeout = io.number("fallback-timeout") ?? 0
        if !inFallback, timeout > 0, let last = lastWrite, Double(time.wall - last) >= timeout * 1000 {
            inFallback = true
            let fallback = io.number("default-dim") ?? 100
            io.values["switch"] = .bool(fallback > 0)
            io.values["dim"] = .number(fallback)
            io.held["switch"] = .bool(fallback > 0)
            io.held["dim"] = .number(fallback)
        }
        let commandedOn = io.flag("switch") ?? false
        if !relayStuck { relayClosed = commandedOn }
        let dim = min(100, max(0, io.number("dim") ?? 0))
        let dark = lampFailed || driverFailed
        level = relayClosed && !dark ? dim : 0

        let voltage = max(0, supplyVoltage + noise.gaussian(0.6))
        var powerFactor = 0.0
        if !relayClosed {
            power = 0
        } else if driverFailed {
            power = 0.4
            powerFactor = 0.3
        } else if lampFailed {
            power = 1.5
            powerFactor = 0.3
        } else {
            power = wattage * level / 100 + 0.5
            let depth = 1 - level / 100
            powerFactor = 0.98 - 0.35 * depth * depth
        }
        power *= voltage > 0 ? 1 : 0
        let current = powerFactor > 0 && voltage > 0 ? power / (voltage * powerFactor) : 0

        let dt = time.seconds
        energy += power * dt / 3600
        if level > 0 { burningHours += dt / 3600 }
        let ambient = weather.temperature
        let target = ambient + 35 * power / max(wattage, 1)
        driverTemperature = approach(driverTemperature ?? ambient, target, tau: 600, dt: dt)

        var flags = 0
        if relayClosed, dim > 0, dark { flags |= 1 << 0 }
        if relayStuck, relayClosed != commandedOn { flags |= 1 << 1 }
        if driverFailed { flags |= 1 << 2 }
        if voltage > Self.overVoltage { flags |= 1 << 3 }
        if voltage < Self.underVoltage, voltage > 0 { flags |= 1 << 4 }
        if level >= 50, powerFactor < 0.85 { flags |= 1 << 7 }
        if (driverTemperature ?? 0) > 85 { flags |= 1 << 8 }

        io.values["voltage"] = .number(voltage)
        io.values["current"] = .number(current)
        io.values["power"] = .number(power)
        io.values["power-factor"] = .number(powerFactor)
        io.values["energy"] = .number(energy.rounded(.down))
        io.values["burning-hours"] = .number(burningHours.rounded(.down))
        io.values["driver-temperature"] = .number(driverTemperature ?? ambient)
        io.values["leakage-current"] = .number(max(0, leakage + noise.gaussian(0.05)))
        io.values["fault-flags"] = .number(Double(flags))
    }

    func state() -> [String: JSONValue] {
        [
            "relay-closed": .bool(relayClosed),
            "light-level": .number(level),
            "in-fallback": .bool(inFallback),
            "power": .number((power * 10).rounded() / 10),
        ]
    }
}

/// A lamp head switched by a contactor on a gateway output (`fg-lamp-relay`): lit while the
/// gateway drives `relay` on.
final class LampRelayModel: DeviceModel {
    let device: DeviceConfig
    var wattage: Double
    var lampFailed = false
    private(set) var relayOn = false
    var energy = 0.0

    var lit: Bool { relayOn && !lampFailed }

    init(device: DeviceConfig, ratedPower: Double?) {
        self.device = device
        wattage = ratedPower ?? 150
    }

    var knobs: [Knob] {
        [
            .number("wattage", of: self, \.wattage, unit: "W", range: 1...5000, "the lamp's rated power"),
            .flag("lamp-failed", of: self, \.lampFailed, "the lamp is dead (the relay still switches)"),
        ]
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        relayOn = io.outputs["relay"] ?? false
        if lit { energy += wattage * time.seconds / 3600 }
    }

    func state() -> [String: JSONValue] {
        ["lit": .bool(lit), "relay": .bool(relayOn), "energy": .number(energy.rounded())]
    }
}
