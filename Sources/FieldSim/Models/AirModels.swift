import FieldCore
import FieldDevices

/// The 7-in-1 indoor air sensor of an air terminal (`fg-air-terminal`): its room's air as the
/// sensors see it, with their warm-up after power-on (PM 30 s, CO2 1 min, HCHO and TVOC 3 min of
/// simulated time: readings 0 and the status register's warming-up bits 8–11 set) and a fault
/// switch per sensor (status bits 0–4). The terminal's fan relay, driven by the gateway, runs the
/// room's fresh-air fan; its LEDs and buzzer are shown by `show`.
final class AirTerminalModel: DeviceModel {
    let device: DeviceConfig
    let room: Room
    var pmFault = false
    var hchoFault = false
    var co2Fault = false
    var tvocFault = false
    var climateFault = false
    private var poweredAt: Timestamp?
    private var outputs: [String: Bool] = [:]
    private var noise: Noise

    /// Warm-up after power-on, per status bit 8–11.
    static let warmUps: [(bit: Int, duration: Duration, points: [String])] = [
        (8, .seconds(30), ["pm25", "pm10"]),
        (9, .minutes(3), ["hcho"]),
        (10, .minutes(1), ["co2"]),
        (11, .minutes(3), ["tvoc"]),
    ]

    init(device: DeviceConfig, room: Room) {
        self.device = device
        self.room = room
        noise = Noise(device.id)
    }

    var systems: [any SimSystem] { [room] }

    var knobs: [Knob] {
        [
            .flag("pm-fault", of: self, \.pmFault, "particle sensor failed: status bit 0"),
            .flag("hcho-fault", of: self, \.hchoFault, "formaldehyde cell failed: status bit 1"),
            .flag("co2-fault", of: self, \.co2Fault, "CO2 sensor failed: status bit 2"),
            .flag("tvoc-fault", of: self, \.tvocFault, "TVOC sensor failed: status bit 3"),
            .flag("climate-fault", of: self, \.climateFault, "temperature/humidity sensor failed: status bit 4"),
        ]
    }

    var actions: [ActionInfo] {
        [ActionInfo(name: "power-cycle", synopsis: "", summary: "switch the sensor off and on: its warm-up starts again")]
    }

    func perform(_ action: String, _ arguments: [String], at time: StepTime) throws(ControlError) -> JSONValue {
        guard action == "power-cycle" else { throw ControlError("\(id) has no action \"\(action)\" (actions: power-cycle)") }
        poweredAt = time.now
        return ["warming-up": true]
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        let poweredAt = self.poweredAt ?? time.now
        self.poweredAt = poweredAt
        outputs = io.outputs
        room.fanOn = io.outputs["fan"] ?? false
        var status = 0
        for (i, fault) in [pmFault, hchoFault, co2Fault, tvocFault, climateFault].enumerated() where fault { status |= 1 << i }
        var warming: Set<String> = []
        for w in Self.warmUps where time.now - poweredAt < w.duration {
            status |= 1 << w.bit
            warming.formUnion(w.points)
        }
        func serve(_ point: String, _ value: Double, sigma: Double) {
            io.values[point] = .number(warming.contains(point) ? 0 : max(0, value * (1 + noise.gaussian(sigma))))
        }
        serve("pm25", room.pm25, sigma: 0.03)
        serve("pm10", room.pm10, sigma: 0.03)
        serve("hcho", room.hcho, sigma: 0.02)
        serve("co2", room.co2, sigma: 0.01)
        serve("tvoc", room.tvoc, sigma: 0.03)
        io.values["temperature"] = .number(room.temperature + noise.gaussian(0.05))
        io.values["humidity"] = .number(room.humidity + noise.gaussian(0.3))
        io.values["status"] = .number(Double(status))
    }

    func state() -> [String: JSONValue] {
        let led = ["led-green": "green", "led-yellow": "yellow", "led-red": "red"].filter { outputs[$0.key] == true }.map(\.value).sorted()
        return [
            "led": .string(led.isEmpty ? "off" : led.joined(separator: "+")),
            "buzzer": .bool(outputs["buzzer"] ?? false),
            "fan": .bool(outputs["fan"] ?? false),
        ]
    }
}

/// A SenseAir S8 CO2 sensor (`senseair-s8`) in a room, on its real register map: CO2 in IR4,
/// refreshed every 4 s (its measurement period); the meter status bits in IR1; background
/// (0x7C06) and zero (0x7C07) calibration through HR2, acknowledged in HR1 bits 5 and 6; the
/// ABC period in HR32 (180 h from the factory). Calibration moves its offset, as on the sensor.
final class SenseAirS8Model: DeviceModel {
    let device: DeviceConfig
    let room: Room
    var offset = 0.0
    var fatal = false
    var algorithmError = false
    private var lastSample: Timestamp?
    private var reading = 0.0
    private var noise: Noise

    static let period = Duration.seconds(4)
    static let backgroundCalibration = 0x7C06
    static let zeroCalibration = 0x7C07
    /// The S8 reads to 10,000 ppm; above that it sets its out-of-range bit.
    static let ceiling = 10_000.0

    init(device: DeviceConfig, room: Room) {
        self.device = device
        self.room = room
        noise = Noise(device.id)
    }

    var systems: [any SimSystem] { [room] }

    var knobs: [Knob] {
        [
            .number("offset", of: self, \.offset, unit: "ppm", range: -5000...5000, "the sensor's baseline error (drifts; calibration removes it)"),
            .flag("fatal", of: self, \.fatal, "meter status bit 0: fatal error"),
            .flag("algorithm-error", of: self, \.algorithmError, "meter status bit 2: algorithm error"),
        ]
    }

    func factoryValues() -> [String: PointValue] { ["abc-period": .number(180)] }

    func gatewayWrote(_ write: GatewayWrite, at time: StepTime) {
        guard let command = write.values["special-command"]?.number.map({ Int($0) }) else { return }
        let acknowledged: Int
        switch command {
        case Self.backgroundCalibration:
            offset = Room.outdoorCO2 - room.co2
            acknowledged = 1 << 5
        case Self.zeroCalibration:
            offset = -room.co2
            acknowledged = 1 << 6
        default:
            return
        }
        pendingAcknowledgement = acknowledged
    }

    private var pendingAcknowledgement: Int?

    func step(_ time: StepTime, io: inout DeviceIO) {
        if lastSample.map({ time.now - $0 >= Self.period }) ?? true {
            lastSample = time.now
            reading = max(0, room.co2 + offset + noise.gaussian(10 + 0.02 * room.co2))
        }
        if let ack = pendingAcknowledgement {
            pendingAcknowledgement = nil
            io.values["holding@0"] = .number(Double(Int(io.number("holding@0") ?? 0) | ack))
            io.values["special-command"] = .number(0)
        }
        var status = 0
        if fatal { status |= 1 << 0 }
        if algorithmError { status |= 1 << 2 }
        if reading > Self.ceiling { status |= 1 << 5 }
        io.values["meter-status"] = .number(Double(status))
        io.values["co2"] = .number(fatal ? 0 : min(reading, Self.ceiling))
    }
}

/// An RS-485 PM or temperature/humidity transmitter (`fg-pm-tx`, `fg-th-tx`) in a room.
final class RoomTransmitterModel: DeviceModel {
    let device: DeviceConfig
    let room: Room
    private var noise: Noise

    init(device: DeviceConfig, room: Room) {
        self.device = device
        self.room = room
        noise = Noise(device.id)
    }

    var systems: [any SimSystem] { [room] }
    var knobs: [Knob] { [] }

    func step(_ time: StepTime, io: inout DeviceIO) {
        let points = Set(device.profile.points.map(\.name))
        if points.contains("pm25") { io.values["pm25"] = .number(max(0, room.pm25 * (1 + noise.gaussian(0.04)))) }
        if points.contains("pm10") { io.values["pm10"] = .number(max(0, room.pm10 * (1 + noise.gaussian(0.04)))) }
        if points.contains("temperature") { io.values["temperature"] = .number(room.temperature + noise.gaussian(0.1)) }
        if points.contains("humidity") { io.values["humidity"] = .number(room.humidity + noise.gaussian(0.5)) }
    }
}
