#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldDevices

/// The pole's environment station (`fg-pole-env`): the site's weather as its sensors see it,
/// each with a little measurement noise. Illuminance follows the sun at the site's latitude and
/// longitude, so the lamps' light-sensor override and dusk and dawn happen on the simulated clock.
final class PoleEnvironmentModel: DeviceModel {
    let device: DeviceConfig
    private let weather: Weather
    private var noise: Noise

    init(device: DeviceConfig, weather: Weather) {
        self.device = device
        self.weather = weather
        noise = Noise(device.id)
    }

    var systems: [any SimSystem] { [weather] }
    var knobs: [Knob] { [] }

    func step(_ time: StepTime, io: inout DeviceIO) {
        let pm25 = max(0, weather.pm25 * (1 + noise.gaussian(0.03)))
        io.values["temperature"] = .number(weather.temperature + noise.gaussian(0.1))
        io.values["humidity"] = .number(max(0, min(100, weather.humidity + noise.gaussian(0.5))))
        io.values["pm25"] = .number(pm25)
        io.values["pm10"] = .number(max(pm25, weather.pm10 * (1 + noise.gaussian(0.03))))
        io.values["noise"] = .number(weather.noiseLevel(at: time.now) + noise.gaussian(1.5))
        io.values["wind-speed"] = .number(weather.windSpeed)
        io.values["wind-direction"] = .number(weather.windDirection.rounded().truncatingRemainder(dividingBy: 360))
        io.values["illuminance"] = .number(weather.illuminance * (1 + noise.gaussian(0.02)))
    }
}

/// The pole's dual-axis tilt sensor (`fg-tilt`): the pole's lean as installed plus a sway that
/// grows with the wind.
final class TiltSensorModel: DeviceModel {
    let device: DeviceConfig
    private let weather: Weather
    var leanX = 0.3
    var leanY = -0.2
    private var noise: Noise

    init(device: DeviceConfig, weather: Weather) {
        self.device = device
        self.weather = weather
        noise = Noise(device.id)
    }

    var systems: [any SimSystem] { [weather] }

    var knobs: [Knob] {
        [
            .number("lean-x", of: self, \.leanX, unit: "°", range: -90...90, "the pole's lean along x (a car hit it: set a few degrees)"),
            .number("lean-y", of: self, \.leanY, unit: "°", range: -90...90, "the pole's lean along y"),
        ]
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        let sway = 0.004 * weather.windSpeed
        let x = leanX + noise.gaussian(sway), y = leanY + noise.gaussian(sway)
        io.values["tilt-x"] = .number(x)
        io.values["tilt-y"] = .number(y)
        io.values["tilt"] = .number(min(90, hypot(x, y)))
    }
}

/// The pole cabinet's contacts (`fg-pole-cabinet`): door, water probe, anti-theft cable loop
/// and manhole cover, each a state a person or a scenario changes.
final class PoleCabinetModel: DeviceModel {
    let device: DeviceConfig
    var doorOpen = false
    var waterPresent = false
    var cableIntact = true
    var manholeLifted = false

    init(device: DeviceConfig) { self.device = device }

    var knobs: [Knob] {
        [
            .flag("door", of: self, \.doorOpen, "cabinet door: true = open"),
            .flag("water", of: self, \.waterPresent, "water in the pole base: true = immersed"),
            .flag("cable-loop", of: self, \.cableIntact, "anti-theft loop: true = intact, false = cut"),
            .flag("manhole", of: self, \.manholeLifted, "manhole cover: true = lifted"),
        ]
    }

    var actions: [ActionInfo] {
        [ActionInfo(name: "door", synopsis: "open|close", summary: "open or close the cabinet door")]
    }

    func perform(_ action: String, _ arguments: [String], at time: StepTime) throws(ControlError) -> JSONValue {
        guard action == "door" else { throw ControlError("\(id) has no action \"\(action)\" (actions: door)") }
        doorOpen = try ActionArguments.choice(arguments, 0, ["open", "close"], action: "door") == "open"
        return ["door": .string(doorOpen ? "open" : "closed")]
    }

    func step(_ time: StepTime, io: inout DeviceIO) {
        io.contacts["door"] = doorOpen
        io.contacts["water"] = waterPresent
        io.contacts["cable-loop"] = cableIntact
        io.contacts["manhole"] = manholeLifted
    }
}
