import Testing
import FieldCore
@testable import FieldApps

@Suite struct AstronomicalClockScratch {
    @Test func printValues() {
        let cases: [(String, Double, Double, Int, Int, Int, Int)] = [
            ("Beijing", 39.9075, 116.3972, 480, 2026, 7, 1),
            ("Beijing", 39.9075, 116.3972, 480, 2026, 7, 15),
            ("Beijing", 39.9075, 116.3972, 480, 2021, 12, 21),
            ("Beijing", 39.9075, 116.3972, 480, 2022, 12, 27),
            ("Shanghai", 31.2222, 121.4581, 480, 2022, 12, 27),
            ("Changchun", 43.88, 125.3228, 480, 2022, 12, 27),
            ("Bodo", 67.28, 14.405, 60, 2022, 12, 21),
            ("Rovaniemi", 66.5, 25.72, 120, 2022, 12, 21),
            ("Murmansk", 68.97, 33.08, 180, 2022, 12, 21),
            ("Tromso", 69.65, 18.96, 60, 2022, 12, 15),
        ]
        for c in cases {
            let d = AstronomicalClock.solarDay(year: c.4, month: c.5, day: c.6, at: GeoLocation(latitude: c.1, longitude: c.2, utcOffsetMinutes: c.3))
            switch d {
            case .risesAndSets(let r, let s): print(c.0, c.4, c.5, c.6, r.iso8601(offsetMinutes: c.3), s.iso8601(offsetMinutes: c.3))
            default: print(c.0, d)
            }
        }
    }
}
