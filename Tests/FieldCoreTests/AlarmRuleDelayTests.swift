import Testing
@testable import FieldCore

/// `ThresholdRule.hold()` and `RateOfChangeRule`'s on-delay (added for the lamp and fire-water apps).
@Suite struct AlarmRuleDelayTests {
    let t0 = Timestamp(seconds: 1_000)

    @Test func holdForgetsAPendingRaiseButKeepsTheState() {
        var rule = ThresholdRule(.high, limit: 100, onDelay: .seconds(10), offDelay: .seconds(10), name: "power", unit: "W")
        #expect(rule.evaluate(.number(130, at: t0), now: t0) == nil)
        rule.hold()
        // The pending raise started again at t0+5 s, so t0+10 s is too early.
        #expect(rule.evaluate(.number(130, at: t0), now: t0 + .seconds(5)) == nil)
        #expect(rule.evaluate(.number(130, at: t0), now: t0 + .seconds(10)) == nil)
        #expect(rule.evaluate(.number(130, at: t0), now: t0 + .seconds(15)) == .raise(value: .number(130), message: "power 130 W above 100 W"))
        // Holding an active alarm keeps it active.
        rule.hold()
        #expect(rule.isActive)
        #expect(rule.evaluate(.number(50, at: t0), now: t0 + .seconds(20)) == nil)
        #expect(rule.evaluate(.number(50, at: t0), now: t0 + .seconds(30)) == .clear(value: .number(50)))
    }

    @Test func rateOfChangeOnDelayIgnoresAPressureWave() {
        var rule = RateOfChangeRule(.low, change: 0.05, window: .seconds(10), onDelay: .seconds(3), offDelay: .seconds(30), name: "pressure", unit: "MPa")
        // A water-hammer dip of 0.08 MPa that recovers within a second: no alarm.
        let wave = [0.40, 0.40, 0.32, 0.41, 0.39, 0.40, 0.40, 0.40]
        for (i, v) in wave.enumerated() {
            #expect(rule.evaluate(.number(v, at: t0), now: t0 + .seconds(i)) == nil)
        }
        // A burst: the pressure falls and stays down.
        let start = t0 + .seconds(20)
        #expect(rule.evaluate(.number(0.40, at: start), now: start) == nil)
        #expect(rule.evaluate(.number(0.30, at: start), now: start + .seconds(1)) == nil)
        #expect(rule.evaluate(.number(0.28, at: start), now: start + .seconds(2)) == nil)
        let raised = rule.evaluate(.number(0.27, at: start), now: start + .seconds(4))
        #expect(raised == .raise(value: .number(0.27), message: "pressure fell 0.13 MPa within 10 s to 0.27 MPa (normal 0.4 MPa)"))
    }
}
