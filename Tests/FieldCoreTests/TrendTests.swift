import Testing
@testable import FieldCore

@Suite struct TrendTests {
    let t0 = Timestamp(iso8601: "2026-11-21T00:00:00Z")!

    @Test func threeHoursAtOneHertzIntoFiveSecondBuckets() throws {
        var trend = Trend(span: .hours(3), resolution: .seconds(5))
        #expect(trend.capacity == 2160)
        #expect(trend.byteCount == 2160 * 14)
        // A ramp: the value is the second count.
        for s in 0..<(3 * 3600) { trend.record(Double(s), at: t0 + .seconds(s)) }
        #expect(trend.byteCount == 2160 * 14)
        let end = t0 + .hours(3)
        let hour = trend.series(last: .hours(1), endingAt: end, slots: 60)
        #expect(hour.count == 60)
        let first = try #require(hour[0])
        #expect(first.start == t0 + .hours(2) && first.duration == .minutes(1))
        #expect(first.count == 60 && first.minimum == 7200 && first.maximum == 7259 && first.mean == 7229.5)
        let last = try #require(hour[59])
        #expect(last.maximum == 10_799 && last.count == 60)
        // At the stored resolution: one bucket per slot.
        let fine = trend.series(last: .minutes(1), endingAt: end, slots: 12)
        #expect(fine.compactMap { $0?.count } == Array(repeating: 5, count: 12))
        // Asked for more than it holds: the part before the ring is empty.
        let all = trend.series(last: .hours(6), endingAt: end, slots: 6)
        #expect(all[0...2].allSatisfy { $0 == nil })
        #expect(all[3...5].allSatisfy { $0?.count == 3600 })
        #expect(trend.coveredRange == t0 ..< end)
    }

    @Test func theRingForgetsTheOldestAndKeepsItsSize() {
        var trend = Trend(resolution: .seconds(10), capacity: 6)
        for s in stride(from: 0, to: 120, by: 2) { trend.record(1, at: t0 + .seconds(s)) }
        #expect(trend.coveredRange == (t0 + .seconds(60)) ..< (t0 + .seconds(120)))
        let series = trend.series(from: t0, to: t0 + .seconds(120), slots: 12)
        #expect(series[0..<6].allSatisfy { $0 == nil })
        #expect(series[6..<12].allSatisfy { $0?.count == 5 })
    }

    @Test func gapsStayGapsAndBadReadingsAreSkipped() throws {
        var trend = Trend(span: .hours(1), resolution: .seconds(5))
        for s in 0..<600 { trend.record(.number(0.3, at: t0 + .seconds(s))) }
        // Ten minutes of comm errors and sensor faults.
        for s in 600..<1200 { trend.record(.number(0, quality: s % 2 == 0 ? .commError : .sensorFault, at: t0 + .seconds(s))) }
        for s in 1200..<1800 { trend.record(.number(0.32, at: t0 + .seconds(s))) }
        let slots = trend.series(from: t0, to: t0 + .minutes(30), slots: 3)
        #expect(slots[0]?.count == 600 && slots[1] == nil && slots[2]?.count == 600)
        #expect(abs(try #require(slots[2]?.mean) - 0.32) < 1e-6)
    }

    @Test func mergingWeighsTheMeanBySampleCount() throws {
        var trend = Trend(resolution: .seconds(10), capacity: 10)
        // One bucket with 9 samples of 1, the next with 1 sample of 11.
        for s in 0..<9 { trend.record(1, at: t0 + .seconds(s)) }
        trend.record(11, at: t0 + .seconds(15))
        let merged = try #require(trend.series(from: t0, to: t0 + .seconds(20), slots: 1)[0])
        #expect(merged.count == 10 && merged.mean == 2 && merged.minimum == 1 && merged.maximum == 11)
    }

    @Test func lateSamplesMergeAndClockJumpsRestart() throws {
        var trend = Trend(resolution: .seconds(5), capacity: 100)
        trend.record(5, at: t0 + .seconds(100))
        trend.record(7, at: t0 + .seconds(50))
        #expect(trend.series(from: t0, to: t0 + .seconds(200), slots: 40).compactMap { $0?.mean } == [7, 5])
        // The clock is set back a day: the ring starts again rather than going blind.
        trend.record(3, at: t0 - .hours(24))
        #expect(trend.coveredRange == (t0 - .hours(24)) ..< (t0 - .hours(24) + .seconds(5)))
        // And set forward by more than the span: the old buckets are gone.
        trend.record(4, at: t0 + .hours(24))
        #expect(trend.series(from: t0 - .hours(25), to: t0 + .hours(25), slots: 50).compactMap { $0?.mean } == [4])
        trend.record(.infinity, at: t0 + .hours(24))
        #expect(trend.series(last: .minutes(1), endingAt: t0 + .hours(24) + .seconds(30), slots: 1)[0]?.count == 1)
    }

    @Test func aBudgetFixesTheCapacity() {
        let trend = Trend(budget: 16 * 1024, resolution: .seconds(5))
        #expect(trend.capacity == 16 * 1024 / 14)
        #expect(trend.byteCount <= 16 * 1024)
        #expect(trend.span == .seconds(5 * 1170))
        #expect(trend.series(last: .hours(1), endingAt: t0, slots: 10) == Array(repeating: nil, count: 10))
        #expect(trend.coveredRange == nil)
    }
}
