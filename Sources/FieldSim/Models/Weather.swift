#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// The site's outdoor conditions (system `weather`): the sun at the site's latitude and
/// longitude (so dusk, dawn and the light-sensor override happen when they would there), a daily
/// temperature and humidity cycle, outdoor PM with episodes, traffic noise and gusty wind. The
/// pole environment station measures it; rooms breathe it; lamp drivers warm above it.
final class Weather: SimSystem {
    let id = "weather"
    let latitude: Double
    let longitude: Double
    let utcOffsetMinutes: Int

    var temperatureMean = 15.0
    var temperatureSwing = 6.0
    var humidityMean = 60.0
    var cloud = 0.2
    var pm25Base = 35.0
    var pmEpisode = 0.0
    var noiseDay = 65.0
    var noiseNight = 48.0
    var windMean = 3.0

    private(set) var temperature = 15.0
    private(set) var humidity = 60.0
    private(set) var pm25 = 35.0
    private(set) var windSpeed = 3.0
    private(set) var windDirection = 90.0
    private(set) var sunElevation = 0.0
    private var pmFluctuation = 0.0
    private var noise = Noise("weather")
    private var started = false

    /// Without the site's latitude and longitude the sun is Beijing's (39.9° N, 116.4° E).
    init(latitude: Double?, longitude: Double?, utcOffsetMinutes: Int) {
        self.latitude = latitude ?? 39.904
        self.longitude = longitude ?? 116.407
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    var knobs: [Knob] {
        [
            .number("temperature-mean", of: self, \.temperatureMean, unit: "°C", range: -40...50, "daily mean air temperature"),
            .number("temperature-swing", of: self, \.temperatureSwing, unit: "°C", range: 0...20, "half the day-night range (warmest at 15:00, coolest at 03:00)"),
            .number("humidity-mean", of: self, \.humidityMean, unit: "%RH", range: 5...100, "daily mean relative humidity (highest when coolest)"),
            .number("cloud", of: self, \.cloud, range: 0...1, "cloud cover: 0 clear, 1 overcast (cuts daylight by 80 %)"),
            .number("pm25", of: self, \.pm25Base, unit: "µg/m³", range: 0...1000, "outdoor PM2.5 background"),
            .number("pm-episode", of: self, \.pmEpisode, unit: "µg/m³", range: 0...2000, "extra outdoor PM2.5 of a pollution episode (ramp it)"),
            .number("noise-day", of: self, \.noiseDay, unit: "dB(A)", range: 30...120, "traffic noise by day (07:00–22:00)"),
            .number("noise-night", of: self, \.noiseNight, unit: "dB(A)", range: 30...120, "traffic noise at night"),
            .number("wind-mean", of: self, \.windMean, unit: "m/s", range: 0...40, "mean wind speed (gusts around it)"),
        ]
    }

    /// Local hour of day (0–24, fractional) at `t`.
    func localHour(_ t: Timestamp) -> Double {
        let ms = (t.milliseconds + Int64(utcOffsetMinutes) * 60_000) % 86_400_000
        return Double(ms < 0 ? ms + 86_400_000 : ms) / 3_600_000
    }

    var illuminance: Double { SolarPosition.illuminance(elevation: sunElevation, cloud: cloud) }

    /// Outdoor PM10 (µg/m³): coarse dust adds about 60 % to PM2.5.
    var pm10: Double { pm25 * 1.6 }

    /// Traffic noise now, dB(A).
    func noiseLevel(at t: Timestamp) -> Double {
        let h = localHour(t)
        return h >= 7 && h < 22 ? noiseDay : noiseNight
    }

    func step(_ time: StepTime) {
        let dt = time.seconds
        sunElevation = SolarPosition.elevation(at: time.now, latitude: latitude, longitude: longitude)
        let phase = (localHour(time.now) - 9) / 24 * 2 * .pi
        temperature = temperatureMean + temperatureSwing * sin(phase)
        humidity = max(5, min(100, humidityMean - 2.5 * (temperature - temperatureMean)))
        // Ornstein–Uhlenbeck fluctuations: PM wanders ±20 % over about an hour; gusts over ~20 s.
        pmFluctuation = approach(pmFluctuation, 0, tau: 3600, dt: dt) + noise.gaussian(0.2 * min(1, sqrt(dt / 3600)))
        pm25 = max(0, (pm25Base + pmEpisode) * (1 + pmFluctuation))
        let gustiness = windMean * 0.35
        if !started {
            windSpeed = windMean
            started = true
        }
        windSpeed = max(0, approach(windSpeed, windMean, tau: 20, dt: dt) + noise.gaussian(gustiness * min(1, sqrt(dt / 20))))
        windDirection = (windDirection + noise.gaussian(5 * min(6, sqrt(dt))) + 360).truncatingRemainder(dividingBy: 360)
    }

    func state() -> [String: JSONValue] {
        [
            "sun-elevation": .number((sunElevation * 10).rounded() / 10),
            "illuminance": .number(illuminance.rounded()),
            "temperature": .number((temperature * 10).rounded() / 10),
            "humidity": .number(humidity.rounded()),
            "pm25-outdoor": .number(pm25.rounded()),
            "wind-speed": .number((windSpeed * 10).rounded() / 10),
        ]
    }
}
