import Testing
import FieldCore
@testable import FieldApps

@Suite struct AirQualityWindowTests {
    let t0 = airDayStart

    @Test func steadySamplesGiveTheirValueWithFullCoverage() {
        var w = AirAverageWindow(length: .hours(1))
        var t = t0
        for i in 0..<360 {
            let next = t + .seconds(10)
            w.add(Double(i % 2 == 0 ? 0.06 : 0.10), from: t, to: next)
            t = next
        }
        let s = w.summary(at: t)
        #expect(abs(s.mean! - 0.08) < 1e-12)
        #expect(s.coverage == 1)
    }

    @Test func timeWeightedNotSampleWeighted() {
        // 50 min at 400 ppm reported once a minute, then 10 min at 1600 ppm reported every second:
        // the hour's average is by time (600 ppm), not by the 650 samples (≈ 1508 ppm).
        var w = AirAverageWindow(length: .hours(1))
        var t = t0
        for _ in 0..<50 { w.add(400, from: t, to: t + .minutes(1)); t += .minutes(1) }
        for _ in 0..<600 { w.add(1600, from: t, to: t + .seconds(1)); t += .seconds(1) }
        #expect(abs(w.summary(at: t).mean! - 600) < 1e-9)
    }

    @Test func oldDataLeavesTheWindowAndTheOldestBucketCountsInProportion() {
        var w = AirAverageWindow(length: .hours(1))
        w.add(100, from: t0, to: t0 + .hours(1))
        w.add(200, from: t0 + .hours(1), to: t0 + .hours(2))
        #expect(w.summary(at: t0 + .hours(2)).mean == 200)
        // 30 s into a 1-minute bucket: half of the oldest bucket of 200s is gone, 30 s of 300 came.
        w.add(300, from: t0 + .hours(2), to: t0 + .hours(2) + .seconds(30))
        let s = w.summary(at: t0 + .hours(2) + .seconds(30))
        #expect(s.coverage == 1)
        #expect(abs(s.mean! - (200 * 3570 + 300 * 30) / 3600) < 1e-9)
        // Two hours of silence: nothing left.
        let empty = w.summary(at: t0 + .hours(5))
        #expect(empty.mean == nil && empty.coverage == 0)
    }

    @Test func aDayFitsAFixedBudgetWhateverTheSampleRate() {
        var w = AirAverageWindow(length: .hours(24))
        let before = w.footprintBytes
        var t = t0
        for _ in 0..<86_400 { w.add(35, from: t, to: t + .seconds(1)); t += .seconds(1) }
        #expect(w.footprintBytes == before)
        #expect(before <= 1536)
        #expect(w.summary(at: t).mean == 35 && w.summary(at: t).coverage == 1)
    }

    @Test func coverageBelowTheMinimumIsInsufficientData() throws {
        var (app, _) = try makeAirTerminal()
        var t = t0
        // 30 min of good samples, then 30 min of a sensor that stopped answering.
        for _ in 0..<180 { _ = feed(&app, "hcho", 0.05, at: t); t += .seconds(10) }
        for _ in 0..<180 { _ = feed(&app, "hcho", 0, quality: .commError, at: t); t += .seconds(10) }
        let (avg, coverage) = app.monitors.first { $0.pollutant == .hcho }!.averageReading(at: t)
        // The first 3 minutes after the sensor came up are its warm-up: 27 of 60 minutes count.
        #expect(abs(coverage - 27.0 / 60) < 1e-9)
        #expect(avg.quality == .insufficientData && avg.value == nil)
        // As published: no number, quality insufficient-data, coverage 45 %.
        let effects = app.handle(.tick, now: t + .minutes(1))
        #expect(effects.derived("hcho-1h")?.quality == .insufficientData)
        #expect(effects.derived("hcho-1h")?.value == nil)
        #expect(effects.derived("hcho-1h-coverage")?.value == .number(45))
        #expect(effects.derivedUnit("hcho-1h-coverage") == "%")
    }

    @Test func warmUpSamplesAreNeverAveraged() throws {
        var (app, _) = try makeAirTerminal()
        var t = t0
        // An electrochemical cell reads high while it settles (3 min default warm-up)…
        for _ in 0..<18 { _ = feed(&app, "hcho", 0.50, at: t); t += .seconds(10) }
        // …then the room's real 0.04 mg/m³ for the rest of the hour.
        for _ in 0..<342 { _ = feed(&app, "hcho", 0.04, at: t); t += .seconds(10) }
        _ = app.handle(.tick, now: t)
        let (avg, coverage) = app.monitors.first { $0.pollutant == .hcho }!.averageReading(at: t)
        #expect(abs(avg.goodNumber! - 0.04) < 1e-12)
        #expect(abs(coverage - 57.0 / 60) < 1e-9)
        #expect(app.monitors.first { $0.pollutant == .hcho }!.exceedance.isActive == false)
    }

    @Test func sensorFlaggedWarmUpAndOutOfRangeAreNotNumbers() throws {
        var (app, _) = try makeAirTerminal(#"{"co2": "s8-1.co2"}"#)
        #expect(app.subscriptions.contains(PointRef(device: "s8-1", point: "co2")))
        #expect(!app.subscriptions.contains(PointRef(device: "air-1", point: "co2")))
        var t = t0
        // The S8 flags its own warm-up; an out-of-range reading follows; then a good hour.
        for _ in 0..<6 { _ = feed(&app, "co2", 5000, quality: .warmingUp, device: "s8-1", at: t); t += .seconds(10) }
        for _ in 0..<6 { _ = feed(&app, "co2", 10_000, quality: .outOfRange, device: "s8-1", at: t); t += .seconds(10) }
        // Readings of the terminal's own CO2 point are not this terminal's source any more.
        _ = feed(&app, "co2", 9999, at: t)
        for _ in 0..<354 { _ = feed(&app, "co2", 700, device: "s8-1", at: t); t += .seconds(10) }
        _ = app.handle(.tick, now: t)
        let (avg, coverage) = app.monitors.first { $0.pollutant == .co2 }!.averageReading(at: t)
        #expect(avg.goodNumber == 700)
        #expect(abs(coverage - 59.0 / 60) < 1e-9)
    }

    @Test func aSilentSourceCountsOnlyUpToTheMaximumGap() throws {
        var (app, _) = try makeAirTerminal(#"{"co2": {"warm-up": "0s"}}"#)
        var t = t0
        // One reading every 5 minutes: each stands for 2 minutes (max-sample-gap), 40 % coverage.
        for _ in 0..<12 { _ = feed(&app, "co2", 600, at: t); t += .minutes(5) }
        _ = app.handle(.tick, now: t)
        let (avg, coverage) = app.monitors.first { $0.pollutant == .co2 }!.averageReading(at: t)
        #expect(abs(coverage - 0.4) < 1e-9)
        #expect(avg.quality == .insufficientData)
    }
}
