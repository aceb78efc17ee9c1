import Testing
import FieldCore
@testable import FieldApps

/// The astronomical clock against published sunrise/sunset tables, within ±2 minutes.
///
/// For Xuchang, Wenzhou and Harbin no city table was found in the reference corpus; they are
/// checked against a published table by latitude (sunrise in local mean time, below) and for
/// consistency, never against invented numbers.
@Suite struct AstronomicalClockTests {
    struct Published {
        var place: String
        var latitude: Double
        var longitude: Double
        var utcOffsetMinutes: Int
        var date: (Int, Int, Int)
        var sunrise: String
        var sunset: String
        var source: String
    }

    static let tolerance = Duration.seconds(120)

    static let tables: [Published] = [
        Published(place: "Beijing", latitude: 39.9075, longitude: 116.3972, utcOffsetMinutes: 480, date: (2026, 7, 1),
                  sunrise: "04:49:23", sunset: "19:46:55", source: "https://www.vercalendario.info/en/sun/china-month-july-2026.html"),
        Published(place: "Beijing", latitude: 39.9075, longitude: 116.3972, utcOffsetMinutes: 480, date: (2026, 7, 15),
                  sunrise: "04:58:09", sunset: "19:42:13", source: "https://www.vercalendario.info/en/sun/china-month-july-2026.html"),
        Published(place: "Beijing", latitude: 39.9075, longitude: 116.3972, utcOffsetMinutes: 480, date: (2021, 12, 21),
                  sunrise: "07:32:25", sunset: "16:52:46", source: "https://www.dailyq-a.com/Culture/33297.html (2021 winter solstice, Beijing time)"),
        Published(place: "Beijing", latitude: 39.9075, longitude: 116.3972, utcOffsetMinutes: 480, date: (2022, 12, 27),
                  sunrise: "07:34:00", sunset: "16:55:00", source: "https://juke.outofmemory.cn/pretty/3490341.html (2022年12月日照时间表)"),
        Published(place: "Shanghai", latitude: 31.2304, longitude: 121.4737, utcOffsetMinutes: 480, date: (2022, 12, 27),
                  sunrise: "06:51:00", sunset: "16:58:00", source: "https://juke.outofmemory.cn/pretty/3490341.html (2022年12月日照时间表)"),
        Published(place: "Changchun", latitude: 43.8171, longitude: 125.3235, utcOffsetMinutes: 480, date: (2022, 12, 27),
                  sunrise: "07:11:00", sunset: "16:07:00", source: "https://juke.outofmemory.cn/pretty/3490341.html (2022年12月日照时间表)"),
        // Above 65°N, where NOAA no longer promises ±2 min; the data still agree within a minute.
        Published(place: "Bodø", latitude: 67.2804, longitude: 14.4049, utcOffsetMinutes: 60, date: (2022, 12, 21),
                  sunrise: "11:35:00", sunset: "12:24:00", source: "https://en.wikipedia.org/wiki/Template:December_solstice (Finnish Meteorological Institute data)"),
        Published(place: "Rovaniemi", latitude: 66.5039, longitude: 25.7294, utcOffsetMinutes: 120, date: (2022, 12, 21),
                  sunrise: "11:07:00", sunset: "13:22:00", source: "https://en.wikipedia.org/wiki/Template:December_solstice (Finnish Meteorological Institute data)"),
    ]

    @Test(arguments: tables.indices)
    func matchesPublishedTable(_ index: Int) throws {
        let p = Self.tables[index]
        let location = GeoLocation(latitude: p.latitude, longitude: p.longitude, utcOffsetMinutes: p.utcOffsetMinutes)
        let day = AstronomicalClock.solarDay(year: p.date.0, month: p.date.1, day: p.date.2, at: location)
        guard case .risesAndSets(let sunrise, let sunset) = day else {
            Issue.record("\(p.place): expected sunrise and sunset, got \(day)")
            return
        }
        let dateText = "\(p.date.0)-\(p.date.1 < 10 ? "0" : "")\(p.date.1)-\(p.date.2 < 10 ? "0" : "")\(p.date.2)T"
        let expectedRise = try #require(Timestamp(iso8601: dateText + p.sunrise, defaultOffsetMinutes: p.utcOffsetMinutes))
        let expectedSet = try #require(Timestamp(iso8601: dateText + p.sunset, defaultOffsetMinutes: p.utcOffsetMinutes))
        #expect(abs((sunrise - expectedRise).inSeconds) <= Self.tolerance.inSeconds,
                "\(p.place) \(p.date) sunrise \(sunrise.iso8601(offsetMinutes: p.utcOffsetMinutes)) vs \(p.sunrise) (\(p.source))")
        #expect(abs((sunset - expectedSet).inSeconds) <= Self.tolerance.inSeconds,
                "\(p.place) \(p.date) sunset \(sunset.iso8601(offsetMinutes: p.utcOffsetMinutes)) vs \(p.sunset) (\(p.source))")
    }

    /// Sunrise on 2002-01-01 by latitude, in local mean time (LMT), from "Table 1: Time of Sunrise
    /// for Days and Latitudes", http://aa.quae.nl/en/antwoorden/zonpositie-tabel.html: +28° 6:51,
    /// +34° 7:05, +44° 7:35, +46° 7:42. Beijing time is LMT + (120° − longitude) × 4 min; a
    /// latitude between two columns is interpolated.
    @Test(arguments: [
        ("Wenzhou", 28.00, 120.65, [(28.0, 6 * 60 + 51)]),
        ("Xuchang", 34.03, 113.85, [(34.0, 7 * 60 + 5)]),
        ("Harbin", 45.75, 126.63, [(44.0, 7 * 60 + 35), (46.0, 7 * 60 + 42)]),
    ])
    func sunriseMatchesThePublishedTableByLatitude(_ place: String, _ latitude: Double, _ longitude: Double,
                                                   _ columns: [(Double, Int)]) throws {
        let lmt: Double
        if columns.count == 2 {
            let (l0, m0) = columns[0], (l1, m1) = columns[1]
            lmt = Double(m0) + Double(m1 - m0) * (latitude - l0) / (l1 - l0)
        } else {
            lmt = Double(columns[0].1)
        }
        let beijingMinutes = lmt + (120 - longitude) * 4
        let expected = CivilTime(year: 2002, month: 1, day: 1).timestamp(offsetMinutes: 480) + .milliseconds(Int64(beijingMinutes * 60_000))
        let day = AstronomicalClock.solarDay(year: 2002, month: 1, day: 1,
                                             at: GeoLocation(latitude: latitude, longitude: longitude, utcOffsetMinutes: 480))
        guard case .risesAndSets(let sunrise, _) = day else {
            Issue.record("\(place): expected a sunrise, got \(day)")
            return
        }
        #expect(abs((sunrise - expected).inSeconds) <= Self.tolerance.inSeconds,
                "\(place) sunrise \(sunrise.iso8601(offsetMinutes: 480)) vs \(expected.iso8601(offsetMinutes: 480)) from the table")
    }

    /// Murmansk had a 0-minute day on 2022-12-21 (Finnish Meteorological Institute data in
    /// https://en.wikipedia.org/wiki/Template:December_solstice).
    @Test func murmanskHasPolarNightAtTheSolstice() {
        let murmansk = GeoLocation(latitude: 68.9792, longitude: 33.0925, utcOffsetMinutes: 180)
        #expect(AstronomicalClock.solarDay(year: 2022, month: 12, day: 21, at: murmansk) == .polarNight)
    }

    /// "The sun doesn't rise in Tromsø between November 21st and January 21st … between May 20th
    /// and July 22nd the sun never sets" (https://reachtheworld.org/jamies-journey-norway/logbook/week-troms%C3%B8/nature-news).
    /// Dates well inside both periods, and days well outside them.
    @Test func tromsoPolarNightAndMidnightSun() {
        let tromso = GeoLocation(latitude: 69.6492, longitude: 18.9553, utcOffsetMinutes: 60)
        for (m, d) in [(11, 28), (12, 10), (12, 21)] {
            #expect(AstronomicalClock.solarDay(year: 2026, month: m, day: d, at: tromso) == .polarNight, "2026-\(m)-\(d)")
        }
        #expect(AstronomicalClock.solarDay(year: 2027, month: 1, day: 12, at: tromso) == .polarNight)
        #expect(AstronomicalClock.solarDay(year: 2026, month: 6, day: 21, at: tromso) == .polarDay)
        for (m, d) in [(2, 15), (10, 15)] {
            guard case .risesAndSets = AstronomicalClock.solarDay(year: 2026, month: m, day: d, at: tromso) else {
                Issue.record("expected an ordinary day on 2026-\(m)-\(d)")
                continue
            }
        }
    }

    /// Harbin, Xuchang and Wenzhou (no published table found): in winter the northern city has
    /// the shortest day and in summer the longest, and solar noon follows longitude (4 min per
    /// degree west of 120°E, ± the equation of time).
    @Test func chineseCitiesAreConsistent() throws {
        let harbin = GeoLocation(latitude: 45.7567, longitude: 126.6424, utcOffsetMinutes: 480)
        let xuchang = GeoLocation(latitude: 34.0357, longitude: 113.8523, utcOffsetMinutes: 480)
        let wenzhou = GeoLocation(latitude: 27.9938, longitude: 120.6993, utcOffsetMinutes: 480)
        func day(_ l: GeoLocation, _ m: Int, _ d: Int) throws -> (Timestamp, Timestamp) {
            guard case .risesAndSets(let r, let s) = AstronomicalClock.solarDay(year: 2026, month: m, day: d, at: l) else {
                throw SolarDayMissing()
            }
            return (r, s)
        }
        func length(_ d: (Timestamp, Timestamp)) -> Double { (d.1 - d.0).inSeconds }
        let winter = try [harbin, xuchang, wenzhou].map { try length(day($0, 12, 21)) }
        let summer = try [harbin, xuchang, wenzhou].map { try length(day($0, 6, 21)) }
        #expect(winter[0] < winter[1] && winter[1] < winter[2])
        #expect(summer[0] > summer[1] && summer[1] > summer[2])
        // On the equinoxes day and night are near equal everywhere (refraction adds minutes).
        for city in [harbin, xuchang, wenzhou] {
            let hours = try length(day(city, 3, 20)) / 3600
            #expect(hours > 12 && hours < 12.25)
        }
        // Xuchang lies 6.15° west of 120°E: its solar noon is ~25 min after 12:00, give or take
        // the equation of time (−14…+16 min).
        let (r, s) = try day(xuchang, 4, 15)
        let noon = Timestamp(milliseconds: (r.milliseconds + s.milliseconds) / 2)
        let local = CivilTime(noon, offsetMinutes: 480)
        let minutes = (local.hour * 60 + local.minute) - 12 * 60
        #expect((10...42).contains(minutes))
    }

    struct SolarDayMissing: Error {}
}
