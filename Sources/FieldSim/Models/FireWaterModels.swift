import FieldCore
import FieldDevices

/// A pressure transmitter on the fire main (`fg-pressure-tx`): the main's pressure plus its own
/// static head (a transmitter on an upper floor reads less), with a little noise, as a CDAB
/// float in MPa; its status bit 0 when its sensing element fails. A `zero` command takes the
/// present pressure as zero, as the real one does.
final class PressureTransmitterModel: DeviceModel {
    let device: DeviceConfig
    private let network: HydraulicNetwork
    var head = 0.0
    var sensorFault = false
    var zeroOffset = 0.0
    private var noise: Noise

    init(device: DeviceConfig, network: HydraulicNetwork) {
        self.device = device
        self.network = network
        noise = Noise(device.id)
    }

    var systems: [any SimSystem] { [network] }

    var knobs: [Knob] {
        [
            .number("head", of: self, \.head, unit: "MPa", range: -2...2, "static head between the transmitter and the main's reference point (negative: higher up)"),
            .flag("sensor-fault", of: self, \.sensorFault, "the sensing element failed: status bit 0 set"),
            .number("zero-offset", of: self, \.zeroOffset, unit: "MPa", range: -2.5...2.5, "the offset the last zero command took"),
        ]
    }

    var measured: Double { max(-0.05, network.pressure + head) }

    func gatewayWrote(_ write: GatewayWrite, at time: StepTime) {
        if write.values["zero"]?.number == 1 { zeroOffset = -measured }
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        io.values["pressure"] = .number(measured + zeroOffset + noise.gaussian(0.0008))
        io.values["sensor-fault"] = .bool(sensorFault)
        if io.number("zero") != 0 { io.values["zero"] = .number(0) }
    }
}

/// A four-channel 4–20 mA input module (`fg-ai4`) with a transmitter on each channel the site
/// gives a loop range: a range in MPa measures the main's pressure (plus the channel's head), in m
/// the reservoir's level. A transmitter drives 4–20 mA for its range and saturates at 3.8 and
/// 20.5 mA (NAMUR NE43); an unwired channel reads 0 mA. Open and shorted loops are value faults
/// (`fieldsim ctl fault ai-1.ch1 loop-open`).
final class AnalogInputModuleModel: DeviceModel {
    let device: DeviceConfig
    private let network: HydraulicNetwork
    var heads: [Double] = [0, 0, 0, 0]
    private var noise: Noise

    static let channels = ["ch1", "ch2", "ch3", "ch4"]

    init(device: DeviceConfig, network: HydraulicNetwork) {
        self.device = device
        self.network = network
        noise = Noise(device.id)
    }

    var systems: [any SimSystem] { [network] }

    var knobs: [Knob] {
        Self.channels.indices.map { i in
            .number("\(Self.channels[i])-head", of: self, \.heads[i], unit: "MPa", range: -2...2,
                    "static head of the pressure transmitter on \(Self.channels[i]) (negative: higher up)")
        }
    }

    /// What the transmitter on a channel measures, in its loop's unit; nil for an unwired channel.
    func measurement(_ index: Int) -> (CurrentLoop, Double)? {
        guard let loop = device.profile.point(Self.channels[index])?.loop else { return nil }
        switch loop.unit {
        case "MPa", "kPa", "bar":
            let mpa = network.pressure + heads[index]
            let factor = loop.unit == "kPa" ? 1000.0 : loop.unit == "bar" ? 10.0 : 1.0
            return (loop, mpa * factor)
        case "m":
            return (loop, network.tankLevel)
        default:
            return (loop, (loop.low + loop.high) / 2)
        }
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        for i in Self.channels.indices {
            guard let (loop, value) = measurement(i) else {
                io.values[Self.channels[i]] = .number(0)
                continue
            }
            let mA = min(20.5, max(3.8, loop.current(for: value))) + noise.gaussian(0.004)
            io.values[Self.channels[i]] = .number(mA)
        }
    }
}

/// A hydrostatic level transmitter in the fire reservoir (`fg-level`).
final class LevelTransmitterModel: DeviceModel {
    let device: DeviceConfig
    private let network: HydraulicNetwork
    var sensorFault = false
    private var noise: Noise

    init(device: DeviceConfig, network: HydraulicNetwork) {
        self.device = device
        self.network = network
        noise = Noise(device.id)
    }

    var systems: [any SimSystem] { [network] }

    var knobs: [Knob] {
        [.flag("sensor-fault", of: self, \.sensorFault, "the probe failed: status bit 0 set")]
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        io.values["level"] = .number(max(0, network.tankLevel + noise.gaussian(0.002)))
        io.values["sensor-fault"] = .bool(sensorFault)
    }
}

/// The pump room's contacts (`fg-pump-room`): the signal valve's supervisory switch and the
/// pumps' run and fault contacts, from the fire-water system's state.
final class PumpRoomModel: DeviceModel {
    let device: DeviceConfig
    private let network: HydraulicNetwork

    init(device: DeviceConfig, network: HydraulicNetwork) {
        self.device = device
        self.network = network
    }

    var systems: [any SimSystem] { [network] }
    var knobs: [Knob] { [] }

    func step(_ time: StepTime, io: inout DeviceIO) {
        io.contacts["valve-open"] = network.valveOpen
        io.contacts["jockey-run"] = network.jockeyRunning
        io.contacts["fire-pump-run"] = network.fireRunning
        io.contacts["fire-pump-fault"] = network.firePumpFault
    }
}
