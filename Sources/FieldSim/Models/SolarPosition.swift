#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// The sun's elevation above the horizon (degrees) at a place and time, from the low-precision
/// formulas of the Astronomical Almanac (good to about 0.5°, plenty for daylight): mean longitude
/// and anomaly, ecliptic longitude, declination and right ascension, then the local hour angle
/// from Greenwich mean sidereal time.
enum SolarPosition {
    static func elevation(at t: Timestamp, latitude: Double, longitude: Double) -> Double {
        let rad = Double.pi / 180
        let n = t.seconds / 86_400 + 2_440_587.5 - 2_451_545.0
        let meanLongitude = 280.460 + 0.985_647_4 * n
        let anomaly = (357.528 + 0.985_600_3 * n) * rad
        let lambda = (meanLongitude + 1.915 * sin(anomaly) + 0.020 * sin(2 * anomaly)) * rad
        let obliquity = (23.439 - 0.000_000_4 * n) * rad
        let declination = asin(sin(obliquity) * sin(lambda))
        let rightAscension = atan2(cos(obliquity) * sin(lambda), cos(lambda))
        let gmstDegrees = (18.697_374_558 + 24.065_709_824_419_08 * n) * 15
        let hourAngle = (gmstDegrees + longitude) * rad - rightAscension
        let phi = latitude * rad
        let s = sin(phi) * sin(declination) + cos(phi) * cos(declination) * cos(hourAngle)
        return asin(max(-1, min(1, s))) / rad
    }

    /// Horizontal illuminance (lx) under a sky with `cloud` cover (0 clear … 1 overcast):
    /// about 400 lx at sunrise, 3 lx at the end of civil twilight (−6°), 0.001 lx at night, up
    /// to about 110,000 lx with a high clear sun; cloud cuts it by up to 80 %.
    static func illuminance(elevation h: Double, cloud: Double) -> Double {
        let clear: Double
        if h >= 0 {
            clear = 400 + 110_000 * pow(sin(h * .pi / 180), 1.25)
        } else if h > -18 {
            clear = 400 * pow(10, h * 0.35)
        } else {
            clear = 0.001
        }
        return max(0.001, clear * (1 - 0.8 * max(0, min(1, cloud))))
    }
}
