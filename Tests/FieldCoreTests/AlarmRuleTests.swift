import Testing
@testable import FieldCore

@Suite struct AlarmRuleTests {
    let t0 = Timestamp(seconds: 1_000)

    @Test func thresholdWaitsForOnDelayAndClearsWithHysteresis() {
        var rule = ThresholdRule(.low, limit: 0.14, hysteresis: 0.02, onDelay: .seconds(10), offDelay: .seconds(5), name: "pressure", unit: "MPa")
        #expect(rule.evaluate(.number(0.12, at: t0), now: t0) == nil)
        #expect(rule.evaluate(.number(0.12, at: t0), now: t0 + .seconds(9)) == nil)
        let raised = rule.evaluate(.number(0.11, at: t0), now: t0 + .seconds(10))
        #expect(raised == .raise(value: .number(0.11), message: "pressure 0.11 MPa below 0.14 MPa"))
        // Inside the hysteresis band: stays active.
        #expect(rule.evaluate(.number(0.15, at: t0), now: t0 + .seconds(30)) == nil)
        #expect(rule.isActive)
        #expect(rule.evaluate(.number(0.17, at: t0), now: t0 + .seconds(40)) == nil)
        #expect(rule.evaluate(.number(0.17, at: t0), now: t0 + .seconds(45)) == .clear(value: .number(0.17)))
    }

    @Test func thresholdIgnoresBadQuality() {
        var rule = ThresholdRule(.high, limit: 1.0, onDelay: .seconds(2))
        _ = rule.evaluate(.number(2, at: t0), now: t0)
        // A comm error in between resets the pending raise rather than raising on stale data.
        #expect(rule.evaluate(.number(2, quality: .commError, at: t0), now: t0 + .seconds(1)) == nil)
        #expect(rule.evaluate(.number(2, at: t0), now: t0 + .seconds(2)) == nil)
        #expect(rule.evaluate(.number(2, at: t0), now: t0 + .seconds(4)) != nil)
    }

    @Test func chatterAroundTheLimitDoesNotRaise() {
        var rule = ThresholdRule(.low, limit: 0.14, hysteresis: 0.01, onDelay: .seconds(5))
        for i in 0..<100 {
            let v = i % 2 == 0 ? 0.13 : 0.15
            #expect(rule.evaluate(.number(v, at: t0), now: t0 + .seconds(Double(i))) == nil)
        }
    }

    @Test func rapidDropWithinWindow() {
        var rule = RateOfChangeRule(.low, change: 0.05, window: .seconds(10), offDelay: .seconds(30), name: "pressure", unit: "MPa")
        #expect(rule.evaluate(.number(0.40, at: t0), now: t0) == nil)
        #expect(rule.evaluate(.number(0.38, at: t0), now: t0 + .seconds(5)) == nil)
        guard case .raise = rule.evaluate(.number(0.33, at: t0), now: t0 + .seconds(8)) else {
            Issue.record("expected a raise")
            return
        }
        // A slow leak of the same size over minutes is not rapid.
        var slow = RateOfChangeRule(.low, change: 0.05, window: .seconds(10))
        for i in 0...60 {
            #expect(slow.evaluate(.number(0.40 - Double(i) * 0.001, at: t0), now: t0 + .seconds(Double(i * 5))) == nil)
        }
        // Steady again for the off delay: clears.
        #expect(rule.evaluate(.number(0.33, at: t0), now: t0 + .seconds(20)) == nil)
        #expect(rule.evaluate(.number(0.33, at: t0), now: t0 + .seconds(50)) == .clear(value: .number(0.33)))
    }

    @Test func digitalDebounce() {
        var rule = DigitalRule(alarmWhen: false, debounce: .seconds(2), message: "signal valve closed")
        #expect(rule.evaluate(.bool(false, at: t0), now: t0) == nil)
        #expect(rule.evaluate(.bool(true, at: t0), now: t0 + .seconds(1)) == nil)
        #expect(rule.evaluate(.bool(false, at: t0), now: t0 + .seconds(1.5)) == nil)
        #expect(rule.evaluate(.bool(false, at: t0), now: t0 + .seconds(3.5)) == .raise(value: .bool(false), message: "signal valve closed"))
        #expect(rule.evaluate(.bool(true, at: t0), now: t0 + .seconds(4)) == .clear(value: .bool(true)))
    }

    @Test func qualityAndStaleRules() {
        var fault = QualityRule.sensorFault(onDelay: .seconds(3))
        #expect(fault.evaluate(.number(3.2, quality: .sensorFault, at: t0), now: t0) == nil)
        #expect(fault.evaluate(.number(3.2, quality: .sensorFault, at: t0), now: t0 + .seconds(3)) == .raise(value: .number(3.2), message: "sensor fault"))
        #expect(fault.evaluate(.number(12, at: t0), now: t0 + .seconds(4)) == .clear(value: .number(12)))

        var stale = StaleRule(maxAge: .seconds(30))
        #expect(stale.evaluate(lastUpdate: nil, startedAt: t0, now: t0 + .seconds(10)) == nil)
        #expect(stale.evaluate(lastUpdate: nil, startedAt: t0, now: t0 + .seconds(31)) != nil)
        #expect(stale.evaluate(lastUpdate: t0 + .seconds(40), startedAt: t0, now: t0 + .seconds(41)) == .clear(value: nil))
    }

    @Test func alarmTableRaiseClearAcknowledge() {
        var table = AlarmTable()
        let id = AlarmID(point: PointRef(device: "main", point: "pressure"), type: "low-pressure")
        #expect(id.device == "main" && id.type == "low-pressure")
        let raise = table.apply(.raise(value: .number(0.1), message: "low"), id: id, severity: .major, now: t0)
        #expect(raise?.kind == .raise)
        #expect(table.apply(.raise(value: .number(0.09), message: "low"), id: id, severity: .major, now: t0) == nil)
        #expect(table.apply(.clear(value: .number(0.2)), id: id, severity: .major, now: t0 + .seconds(5))?.kind == .clear)
        // Cleared but unacknowledged stays visible to the operator.
        #expect(table.all.count == 1 && table.active.isEmpty)
        #expect(table.acknowledge(id, by: "tech", now: t0 + .seconds(6))?.by == "tech")
        #expect(table.all.isEmpty)
        #expect(table.acknowledge(id, by: "tech", now: t0 + .seconds(7)) == nil)
    }

    @Test func criticalAlarmsSortFirst() {
        var table = AlarmTable()
        _ = table.apply(.raise(value: nil, message: "door"), id: AlarmID(device: "cab", type: "door-open"), severity: .minor, now: t0)
        _ = table.apply(.raise(value: nil, message: "trapped"), id: AlarmID(device: "lift", type: "trapped-passenger"), severity: .critical, now: t0 + .seconds(1))
        #expect(table.active.map(\.id.type) == ["trapped-passenger", "door-open"])
    }
}
