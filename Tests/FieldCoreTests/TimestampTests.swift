import Testing
@testable import FieldCore

@Suite struct TimestampTests {
    @Test func civilRoundTripAcrossCenturies() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let (y, m, d) = CivilTime.civil(fromDays: days)
            #expect(CivilTime.days(year: y, month: m, day: d) == days)
        }
    }

    @Test func knownDates() {
        #expect(CivilTime.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilTime.days(year: 2000, month: 3, day: 1) == 11_017)
        #expect(CivilTime(year: 2026, month: 11, day: 21).weekday == 6)  // a Saturday
        #expect(Timestamp(milliseconds: 1_763_754_420_123).description == "2025-11-21T19:47:00.123Z")
    }

    @Test func iso8601WithOffsets() throws {
        let t = try #require(Timestamp(iso8601: "2026-06-21T05:30:00+08:00"))
        #expect(t.description == "2026-06-20T21:30:00.000Z")
        #expect(t.iso8601(offsetMinutes: 480) == "2026-06-21T05:30:00.000+08:00")
        #expect(Timestamp(iso8601: "2026-06-21 05:30", defaultOffsetMinutes: 480) == t)
        #expect(Timestamp(iso8601: "2026-02-30T99:00Z") == nil)
        #expect(Timestamp(iso8601: "yesterday") == nil)
    }

    @Test func arithmetic() {
        let t = Timestamp(seconds: 100)
        #expect((t + .seconds(1.5)).milliseconds == 101_500)
        #expect(((t + .minutes(2)) - t) == .seconds(120))
        #expect(Duration.milliseconds(1500).inSeconds == 1.5)
    }

    @Test func manualClockMovesOnlyWhenTold() {
        let clock = ManualClock(Timestamp(seconds: 0))
        #expect(clock.now() == Timestamp(seconds: 0))
        clock.advance(by: .hours(30))
        #expect(clock.now() == Timestamp(seconds: 108_000))
    }

    @Test func durationsParseAndPrint() {
        #expect(parseDuration("500ms") == .milliseconds(500))
        #expect(parseDuration("1.5s") == .milliseconds(1500))
        #expect(parseDuration("10m") == .seconds(600))
        #expect(parseDuration("2h") == .seconds(7200))
        #expect(parseDuration("3") == .seconds(3))
        #expect(parseDuration("-3s") == nil)
        #expect(parseDuration("fast") == nil)
        #expect(formatDuration(.seconds(7200)) == "2h")
        #expect(formatDuration(.milliseconds(250)) == "250ms")
        #expect(formatDuration(.milliseconds(1500)) == "1.5s")
    }
}

@Suite struct ValueTests {
    @Test func pointRefParsing() {
        #expect(PointRef("hydrant-main.pressure") == PointRef(device: "hydrant-main", point: "pressure"))
        #expect(PointRef("nodot") == nil)
        #expect(PointRef("a.b.c") == nil)
        #expect(PointRef(".x") == nil)
    }

    @Test func numbersFormatForPeople() {
        #expect(formatNumber(3) == "3")
        #expect(formatNumber(0.1 + 0.2) == "0.3")
        #expect(formatNumber(-12.5) == "-12.5")
        #expect(formatNumber(.nan) == "nan")
    }

    @Test func readingQualityGatesValues() {
        let t = Timestamp(seconds: 1)
        #expect(Reading.number(0.3, at: t).goodNumber == 0.3)
        #expect(Reading.number(0.3, quality: .commError, at: t).goodNumber == nil)
        #expect(Reading.bool(true, quality: .stale, at: t).goodBool == nil)
    }
}
