import Testing
@testable import FieldCore

/// Issue 15, defect 1: a rapid drop is a fall *below normal*, not any fall from the window's
/// highest sample. Each false-alarm case sits next to the true alarm it must not hide. Samples
/// come once a second, as the fire-water site polls.
@Suite struct RateOfChangeRuleTests {
    let t0 = Timestamp(seconds: 10_000)

    /// The fire-water defaults: 0.05 MPa within 10 s, confirmed for 3 s, normal from the last minute.
    func pressureRule() -> RateOfChangeRule {
        RateOfChangeRule(.low, change: 0.05, window: .seconds(10), onDelay: .seconds(3), offDelay: .seconds(60), name: "pressure", unit: "MPa")
    }

    /// Feeds `values` one a second from `start`; returns the signals with their second.
    func feed(_ rule: inout RateOfChangeRule, _ values: [Double], from start: Timestamp) -> [(Int, AlarmSignal)] {
        values.enumerated().compactMap { i, v in
            rule.evaluate(.number(v, at: start), now: start + .seconds(i)).map { (i, $0) }
        }
    }

    @Test func aSurgeThatRecoversIsNotADrop() {
        // A check valve slams: +0.08 MPa for one second, back to normal, for the whole window.
        var rule = pressureRule()
        let steady = [Double](repeating: 0.30, count: 60)
        let surge = [0.38] + [Double](repeating: 0.30, count: 30)
        #expect(feed(&rule, steady + surge, from: t0).isEmpty)
        // A jockey pump holding the main 0.08 MPa up for five seconds, then stopping.
        var jockey = pressureRule()
        let held = [Double](repeating: 0.38, count: 5) + [Double](repeating: 0.30, count: 30)
        #expect(feed(&jockey, steady + held, from: t0).isEmpty)
    }

    @Test func aRealDropStillRaisesWithinItsDelay() {
        var rule = pressureRule()
        let signals = feed(&rule, [Double](repeating: 0.30, count: 60) + [0.22, 0.12, 0.08, 0.06, 0.05, 0.05], from: t0)
        // The fall starts at second 60; 3 s confirmation: raised at second 63.
        #expect(signals.count == 1)
        #expect(signals.first?.0 == 63)
        #expect(signals.first?.1 == .raise(value: .number(0.06), message: "pressure fell 0.24 MPa within 10 s to 0.06 MPa (normal 0.3 MPa)"))
    }

    @Test func aDropRightAfterASurgeStillRaises() {
        // The surge must not mask a burst that follows it: normal stays 0.30.
        var rule = pressureRule()
        let signals = feed(&rule, [Double](repeating: 0.30, count: 60) + [0.38, 0.30, 0.10, 0.08, 0.07, 0.07, 0.07], from: t0)
        #expect(signals.map(\.0) == [65])
    }

    @Test func aTransientDipThatRecoversWithinTheConfirmationDoesNotRaise() {
        // Water hammer when a pump starts: 0.10 MPa down for two seconds, back up.
        var rule = pressureRule()
        #expect(feed(&rule, [Double](repeating: 0.30, count: 60) + [0.20, 0.21, 0.30, 0.31, 0.30, 0.30, 0.30], from: t0).isEmpty)
        // The same dip that stays down for the confirmation is a drop.
        var real = pressureRule()
        #expect(feed(&real, [Double](repeating: 0.30, count: 60) + [0.20, 0.21, 0.21, 0.21, 0.21], from: t0).map(\.0) == [63])
    }

    @Test func aFirePumpStoppedAfterARunFallsBackToStandbyNotBelowNormal() {
        // The main stands at 0.30 MPa; the fire pump runs for ten minutes at 0.60 and is stopped:
        // the pressure falls 0.30 MPa in seconds, back to where it stands. With the standby level
        // (an hour of per-minute medians) that is no drop; without it, it was one.
        func pumpRun(_ rule: inout RateOfChangeRule) -> [(Int, AlarmSignal)] {
            let standby = [Double](repeating: 0.30, count: 1800)
            let running = [Double](repeating: 0.60, count: 600)
            return feed(&rule, standby + running + [0.50, 0.38, 0.31, 0.30] + [Double](repeating: 0.30, count: 120), from: t0)
        }
        var rule = RateOfChangeRule(.low, change: 0.05, window: .seconds(10), standby: .hours(1), onDelay: .seconds(3), name: "pressure", unit: "MPa")
        #expect(pumpRun(&rule).isEmpty)
        var withoutStandby = pressureRule()
        #expect(pumpRun(&withoutStandby).count == 2)
        // A burst while the pump runs that takes the main below standby still raises.
        var burst = RateOfChangeRule(.low, change: 0.05, window: .seconds(10), standby: .hours(1), onDelay: .seconds(3), name: "pressure", unit: "MPa")
        let signals = feed(&burst, [Double](repeating: 0.30, count: 1800) + [Double](repeating: 0.60, count: 600) + [0.40, 0.20, 0.15, 0.12, 0.12, 0.12],
                           from: t0)
        #expect(signals.map(\.0) == [2404])
        #expect(signals.first?.1 == .raise(value: .number(0.12), message: "pressure fell 0.48 MPa within 10 s to 0.12 MPa (normal 0.3 MPa)"))
    }

    @Test func aRiseIsJudgedTheSameWayUp() {
        var rule = RateOfChangeRule(.high, change: 5, window: .seconds(10), onDelay: .seconds(2), name: "leakage", unit: "mA")
        // A one-second dip does not make the return a rise.
        #expect(feed(&rule, [Double](repeating: 20, count: 60) + [12, 20, 20, 20, 20], from: t0).isEmpty)
        var real = RateOfChangeRule(.high, change: 5, window: .seconds(10), onDelay: .seconds(2), name: "leakage", unit: "mA")
        #expect(feed(&real, [Double](repeating: 20, count: 60) + [27, 28, 28, 28], from: t0).map(\.0) == [62])
    }

    @Test func clearsAfterTheValueIsSteadyAgain() {
        var rule = pressureRule()
        let signals = feed(&rule, [Double](repeating: 0.30, count: 60) + [Double](repeating: 0.05, count: 80), from: t0)
        #expect(signals.map(\.0) == [63, 130])
        #expect(signals.last?.1 == .clear(value: .number(0.05)))
    }
}
