#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore

/// Sunrise and sunset of one local calendar date at one place.
package enum SolarDay: Hashable, Sendable {
    /// The sun rises and sets on this date (upper limb on the horizon, standard refraction).
    case risesAndSets(sunrise: Timestamp, sunset: Timestamp)
    /// The sun stays below the horizon all day (polar night).
    case polarNight
    /// The sun stays above the horizon all day (midnight sun).
    case polarDay
}

/// Where a site is, for the astronomical clock.
package struct GeoLocation: Hashable, Sendable {
    /// Degrees north (negative south), −90…90.
    package var latitude: Double
    /// Degrees east (negative west), −180…180.
    package var longitude: Double
    /// Local time's offset east of UTC in minutes (China: +480).
    package var utcOffsetMinutes: Int

    package init(latitude: Double, longitude: Double, utcOffsetMinutes: Int) {
        self.latitude = latitude
        self.longitude = longitude
        self.utcOffsetMinutes = utcOffsetMinutes
    }
}

/// NOAA's sunrise/sunset algorithm (the NOAA Solar Calculator's equations, after Meeus):
/// declination δ and equation of time EqT from the Julian century, hour angle
/// H = arccos(cos 90.833° / (cos φ cos δ) − tan φ tan δ), solar noon = 720 − 4λ − EqT minutes UTC,
/// sunrise/sunset = noon ∓ 4H. δ and EqT are re-evaluated at the event itself, which keeps the
/// result within about a minute between 65°N and 65°S; |cos H| > 1 is polar night or day.
package enum AstronomicalClock {
    /// Zenith angle of the sun's centre at sunrise/sunset: 90° + 34′ refraction + 16′ semi-diameter.
    package static let horizonZenith = 90.833
    /// Zenith angle at the start of morning and the end of evening civil twilight: the sun 6° below
    /// the horizon (about 3 lx under a clear sky).
    package static let civilTwilightZenith = 96.0

    /// Sunrise and sunset on the local calendar date `year-month-day` at `location`.
    package static func solarDay(year: Int, month: Int, day: Int, at location: GeoLocation) -> SolarDay {
        solarDay(localDate: CivilTime.days(year: year, month: month, day: day), at: location)
    }

    /// Sunrise and sunset on the local date `localDate` (days since 1970-01-01) at `location`; with
    /// `zenith` 96° the start of morning and end of evening civil twilight instead.
    package static func solarDay(localDate: Int, at location: GeoLocation, zenith: Double = horizonZenith) -> SolarDay {
        // UTC midnight of the same calendar date: solar noon lies within that UTC day for any
        // place whose clock is within 12 h of its mean solar time.
        let midnight = Timestamp(milliseconds: Int64(localDate) * 86_400_000)
        let lambda = location.longitude
        var noon = midnight + .milliseconds(Int64((720 - 4 * lambda) * 60_000))
        for _ in 0..<2 {
            let eqt = sunPosition(at: noon).equationOfTime
            noon = midnight + minutes(720 - 4 * lambda - eqt)
        }
        guard let h = hourAngle(latitude: location.latitude, declination: sunPosition(at: noon).declination, zenith: zenith) else {
            return cosHourAngle(latitude: location.latitude, declination: sunPosition(at: noon).declination, zenith: zenith) > 1 ? .polarNight : .polarDay
        }
        func event(_ sign: Double) -> Timestamp {
            var t = noon + minutes(sign * 4 * h)
            for _ in 0..<2 {
                let p = sunPosition(at: t)
                // Near the polar circles the re-evaluated hour angle can leave [−1, 1]: keep the
                // noon-based one rather than inventing an event.
                let ht = hourAngle(latitude: location.latitude, declination: p.declination, zenith: zenith) ?? h
                t = midnight + minutes(720 - 4 * lambda - p.equationOfTime + sign * 4 * ht)
            }
            return t
        }
        return .risesAndSets(sunrise: event(-1), sunset: event(1))
    }

    /// The sun's declination (degrees) and the equation of time (minutes) at `t`.
    static func sunPosition(at t: Timestamp) -> (declination: Double, equationOfTime: Double) {
        let julianDay = Double(t.milliseconds) / 86_400_000 + 2_440_587.5
        let c = (julianDay - 2_451_545) / 36_525
        let meanLongitude = (280.46646 + c * (36_000.76983 + c * 0.0003032)).truncatingRemainder(dividingBy: 360)
        let meanAnomaly = 357.52911 + c * (35_999.05029 - 0.0001537 * c)
        let eccentricity = 0.016708634 - c * (0.000042037 + 0.0000001267 * c)
        let m = radians(meanAnomaly)
        let centre = sin(m) * (1.914602 - c * (0.004817 + 0.000014 * c)) + sin(2 * m) * (0.019993 - 0.000101 * c)
            + sin(3 * m) * 0.000289
        let omega = radians(125.04 - 1934.136 * c)
        let apparentLongitude = meanLongitude + centre - 0.00569 - 0.00478 * sin(omega)
        let meanObliquity = 23 + (26 + (21.448 - c * (46.815 + c * (0.00059 - c * 0.001813))) / 60) / 60
        let obliquity = radians(meanObliquity + 0.00256 * cos(omega))
        let declination = degrees(asin(sin(obliquity) * sin(radians(apparentLongitude))))
        let y = pow(tan(obliquity / 2), 2)
        let l0 = radians(meanLongitude)
        let eqt = y * sin(2 * l0) - 2 * eccentricity * sin(m) + 4 * eccentricity * y * sin(m) * cos(2 * l0)
            - 0.5 * y * y * sin(4 * l0) - 1.25 * eccentricity * eccentricity * sin(2 * m)
        return (declination, 4 * degrees(eqt))
    }

    static func cosHourAngle(latitude: Double, declination: Double, zenith: Double = horizonZenith) -> Double {
        let phi = radians(latitude), delta = radians(declination)
        return cos(radians(zenith)) / (cos(phi) * cos(delta)) - tan(phi) * tan(delta)
    }

    /// The sunrise hour angle in degrees, nil when the sun does not cross the horizon.
    static func hourAngle(latitude: Double, declination: Double, zenith: Double = horizonZenith) -> Double? {
        let x = cosHourAngle(latitude: latitude, declination: declination, zenith: zenith)
        guard (-1...1).contains(x) else { return nil }
        return degrees(acos(x))
    }

    private static func minutes(_ m: Double) -> Duration { .milliseconds(Int64((m * 60_000).rounded())) }
    private static func radians(_ d: Double) -> Double { d * .pi / 180 }
    private static func degrees(_ r: Double) -> Double { r * 180 / .pi }
}
