#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// The air of one room (a system named after its air terminal): well mixed, exchanged with the
/// outdoors by infiltration and by the terminal's fresh-air fan, which supplies filtered outdoor
/// air when the gateway switches it on.
///
/// Each concentration C follows dC/dt = S/V + Σ kᵢ·Cᵢ,in − (Σ kᵢ + k_dep)·C, integrated exactly
/// over a step (so an accelerated day stays stable): occupants breathe out CO2; new furniture
/// emits formaldehyde (and VOCs) at a rate that halves every `hcho-half-life` days; outdoor
/// particles come in through the envelope and, filtered, through the fan.
final class Room: SimSystem {
    let id: String
    private let weather: Weather

    var volume = 180.0
    var occupancy = 0.0
    var co2PerPerson = 0.0045
    var ventilation = 0.5
    var fanAirChanges = 8.0
    var fanFilter = 0.9
    var hchoSource = 2.0
    var hchoHalfLife = 10.0
    var tvocSource = 10.0
    var pmSource = 0.0
    var schoolDay = false
    var classSize = 30.0
    var temperatureSetPoint = 24.0
    var humiditySetPoint = 45.0
    var fanOn = false

    var co2 = 450.0
    var pm25 = 20.0
    var pm10 = 30.0
    var hcho = 0.02
    var tvoc = 0.15
    private(set) var temperature = 24.0
    private(set) var humidity = 45.0

    /// VOCs a person gives off (mg/h).
    static let tvocPerPerson = 2.0
    static let outdoorCO2 = 420.0
    static let outdoorHCHO = 0.005
    static let outdoorTVOC = 0.05
    /// Deposition on surfaces (1/h): fine particles settle slowly, coarse ones fast.
    static let pm25Deposition = 0.2
    static let pm10Deposition = 1.0
    /// Share of outdoor particles that get through the building envelope.
    static let pm25Penetration = 0.8
    static let pm10Penetration = 0.6

    init(id: String, weather: Weather) {
        self.id = id
        self.weather = weather
    }

    var knobs: [Knob] {
        [
            .number("volume", of: self, \.volume, unit: "m³", range: 1...100_000, "the room's air volume"),
            .number("occupancy", of: self, \.occupancy, unit: "persons", range: 0...1000, "people in the room"),
            .flag("school-day", of: self, \.schoolDay, "occupancy follows the school day: class-size pupils 08:00–12:00 and 14:00–17:00 on weekdays (local time)"),
            .number("class-size", of: self, \.classSize, unit: "persons", range: 0...1000, "pupils in a lesson when school-day is on"),
            .number("co2-per-person", of: self, \.co2PerPerson, unit: "L/s", range: 0...0.1, "CO2 each person breathes out (0.0045 L/s: a seated pupil)"),
            .number("ventilation", of: self, \.ventilation, unit: "1/h", range: 0.05...50, "air changes per hour by infiltration and open windows"),
            .number("fan-air-changes", of: self, \.fanAirChanges, unit: "1/h", range: 0...100, "air changes the fresh-air fan adds when on"),
            .number("fan-filter", of: self, \.fanFilter, range: 0...1, "share of outdoor particles the fan's filter stops"),
            .number("hcho-source", of: self, \.hchoSource, unit: "mg/h", range: 0...10_000, "formaldehyde emission now (new furniture: 20–60)"),
            .number("hcho-half-life", of: self, \.hchoHalfLife, unit: "d", range: 0...10_000, "days for the emission to halve (0: constant)"),
            .number("tvoc-source", of: self, \.tvocSource, unit: "mg/h", range: 0...100_000, "VOC emission besides furniture (which adds 4× its HCHO) and people (2 mg/h each)"),
            .number("pm-source", of: self, \.pmSource, unit: "µg/h", range: 0...1e9, "indoor particle emission (chalk, cooking)"),
            .number("temperature-set-point", of: self, \.temperatureSetPoint, unit: "°C", range: -20...50, "what the heating or cooling holds"),
            .number("humidity-set-point", of: self, \.humiditySetPoint, unit: "%RH", range: 0...100, "the room's humidity without people"),
            .number("room-co2", of: self, \.co2, unit: "ppm", range: 0...50_000, "the room's CO2 now (physics carries on from it; the sensors' `co2` points force what they report)"),
            .number("room-pm25", of: self, \.pm25, unit: "µg/m³", range: 0...5000, "PM2.5 now"),
            .number("room-pm10", of: self, \.pm10, unit: "µg/m³", range: 0...5000, "PM10 now"),
            .number("room-hcho", of: self, \.hcho, unit: "mg/m³", range: 0...10, "formaldehyde now"),
            .number("room-tvoc", of: self, \.tvoc, unit: "mg/m³", range: 0...50, "TVOC now"),
        ]
    }

    var actions: [ActionInfo] {
        [ActionInfo(name: "occupancy", synopsis: "N", summary: "N people in the room")]
    }

    func perform(_ action: String, _ arguments: [String], at time: StepTime) throws(ControlError) -> JSONValue {
        guard action == "occupancy" else { throw ControlError("\(id) has no action \"\(action)\" (actions: occupancy)") }
        let n = try ActionArguments.number(arguments, 0, "N", action: "occupancy")
        guard n >= 0, n <= 1000 else { throw ControlError("occupancy: N must be 0…1000") }
        occupancy = n.rounded()
        return ["occupancy": .number(occupancy)]
    }

    /// Lessons on weekdays, local time: 08:00–12:00 and 14:00–17:00.
    func inLesson(at t: Timestamp) -> Bool {
        let local = CivilTime(t, offsetMinutes: weather.utcOffsetMinutes)
        guard (1...5).contains(local.weekday) else { return false }
        let h = Double(local.hour) + Double(local.minute) / 60
        return (8..<12).contains(h) || (14..<17).contains(h)
    }

    func step(_ time: StepTime) {
        let dt = time.seconds
        guard dt > 0 else { return }
        if schoolDay { occupancy = inLesson(at: time.now) ? classSize : 0 }
        let hours = dt / 3600
        let kv = ventilation, kf = fanOn ? fanAirChanges : 0
        let exchange = kv + kf
        let fresh = { (outdoor: Double, source: Double, current: Double, deposition: Double, penetration: Double, filtered: Bool) -> Double in
            let inflow = kv * penetration * outdoor + kf * (filtered ? 1 - self.fanFilter : 1) * outdoor + source
            let loss = exchange + deposition
            return Self.relax(current, target: inflow / loss, rate: loss, hours: hours)
        }
        // Sources per hour as concentration per hour: mass per hour / volume.
        let people = occupancy * co2PerPerson * 3600 / 1000 / volume * 1e6
        co2 = fresh(Self.outdoorCO2, people, co2, 0, 1, false)
        let emitting = hchoSource
        if hchoHalfLife > 0 { hchoSource *= pow(0.5, dt / (hchoHalfLife * 86_400)) }
        let hchoRate = (emitting + hchoSource) / 2
        hcho = fresh(Self.outdoorHCHO, hchoRate / volume, hcho, 0, 1, false)
        tvoc = fresh(Self.outdoorTVOC, (tvocSource + 4 * hchoRate + occupancy * Self.tvocPerPerson) / volume, tvoc, 0, 1, false)
        pm25 = fresh(weather.pm25, pmSource / volume, pm25, Self.pm25Deposition, Self.pm25Penetration, true)
        pm10 = fresh(weather.pm10, pmSource * 1.3 / volume, pm10, Self.pm10Deposition, Self.pm10Penetration, true)
        let outdoorPull = 0.02 * exchange
        temperature = approach(temperature, temperatureSetPoint + 0.05 * occupancy + outdoorPull * (weather.temperature - temperatureSetPoint), tau: 1800, dt: dt)
        humidity = approach(humidity, min(95, humiditySetPoint + 0.3 * occupancy), tau: 1800, dt: dt)
    }

    /// `current` relaxing towards `target` at `rate` (1/h) for `hours`.
    static func relax(_ current: Double, target: Double, rate: Double, hours: Double) -> Double {
        guard rate > 0 else { return current }
        return target + (current - target) * exp(-rate * hours)
    }

    func state() -> [String: JSONValue] {
        [
            "fan": .bool(fanOn),
            "co2": .number(co2.rounded()),
            "pm25": .number(pm25.rounded()),
            "hcho": .number((hcho * 1000).rounded() / 1000),
            "air-changes": .number(ventilation + (fanOn ? fanAirChanges : 0)),
        ]
    }
}
