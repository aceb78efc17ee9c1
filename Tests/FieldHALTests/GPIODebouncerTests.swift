import Testing
import FieldCore
@testable import FieldHAL

@Suite struct GPIODebouncerTests {
    let t0 = Timestamp(milliseconds: 1_000_000)
    let door = GPIOLineConfig.input("door", chip: "sim", offset: 0, edge: .both, debounce: .milliseconds(20))

    func raw(_ value: Bool, at ms: Int64) -> GPIORawEdge {
        GPIORawEdge(index: 0, value: value, time: Timestamp(milliseconds: t0.milliseconds + ms))
    }

    func at(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: t0.milliseconds + ms) }

    @Test func levelMustHoldForTheDebounceTime() {
        var d = GPIODebouncer(lines: [door], levels: [0: false], now: t0)
        #expect(d.feed(raw(true, at: 5)).isEmpty)
        #expect(d.nextDeadline == at(25))
        #expect(d.settle(now: at(24)).isEmpty)
        #expect(d.settle(now: at(25)) == [GPIOEdgeEvent(line: "door", edge: .rising, time: at(5))])
        #expect(d.stableValue(at: 0) == true)
        #expect(d.nextDeadline == nil)
    }

    @Test func bounceRestartsTheWindowAndTheEdgeCarriesTheSettleTime() {
        var d = GPIODebouncer(lines: [door], levels: [0: false], now: t0)
        for (i, level) in [true, false, true, false, true].enumerated() {
            #expect(d.feed(raw(level, at: Int64(i) * 3)).isEmpty)
        }
        #expect(d.settle(now: at(31)).isEmpty)
        #expect(d.settle(now: at(32)) == [GPIOEdgeEvent(line: "door", edge: .rising, time: at(12))])
    }

    @Test func bounceBackToTheOldLevelIsNoEdge() {
        var d = GPIODebouncer(lines: [door], levels: [0: false], now: t0)
        _ = d.feed(raw(true, at: 0))
        _ = d.feed(raw(false, at: 4))
        #expect(d.nextDeadline == nil)
        #expect(d.settle(now: at(1000)).isEmpty)
        #expect(d.stableValue(at: 0) == false)
    }

    @Test func aLevelThatHeldIsReportedEvenIfNobodyLookedInTime() {
        var d = GPIODebouncer(lines: [door], levels: [0: false], now: t0)
        _ = d.feed(raw(true, at: 0))
        // Released 50 ms later; both changes are read in one batch.
        #expect(d.feed(raw(false, at: 50)) == [GPIOEdgeEvent(line: "door", edge: .rising, time: at(0))])
        #expect(d.settle(now: at(70)) == [GPIOEdgeEvent(line: "door", edge: .falling, time: at(50))])
    }

    @Test func withoutDebounceEveryChangeIsAnEdgeAtOnce() {
        let button = GPIOLineConfig.input("alarm-button", chip: "sim", offset: 0)
        var d = GPIODebouncer(lines: [button], levels: [0: false], now: t0)
        #expect(d.feed(raw(true, at: 1)) == [GPIOEdgeEvent(line: "alarm-button", edge: .rising, time: at(1))])
        #expect(d.feed(raw(false, at: 2)) == [GPIOEdgeEvent(line: "alarm-button", edge: .falling, time: at(2))])
        #expect(d.feed(raw(false, at: 3)).isEmpty)
    }

    @Test func edgeDetectionFiltersAfterDebounce() {
        let rising = GPIOLineConfig.input("pump-run", chip: "sim", offset: 0, edge: .rising, debounce: .milliseconds(10))
        var d = GPIODebouncer(lines: [rising], levels: [0: true], now: t0)
        _ = d.feed(raw(false, at: 0))
        #expect(d.settle(now: at(10)).isEmpty)
        #expect(d.stableValue(at: 0) == false)
        _ = d.feed(raw(true, at: 20))
        #expect(d.settle(now: at(30)) == [GPIOEdgeEvent(line: "pump-run", edge: .rising, time: at(20))])
    }

    @Test func aClockSetBackDoesNotHoldTheEdgeUntilItCatchesUp() {
        var d = GPIODebouncer(lines: [door], levels: [0: false], now: t0)
        _ = d.feed(raw(true, at: 0))
        let anHourEarlier = Timestamp(milliseconds: t0.milliseconds - 3_600_000)
        #expect(d.settle(now: anHourEarlier).isEmpty)
        let events = d.settle(now: anHourEarlier + .milliseconds(20))
        #expect(events.map(\.edge) == [.rising])
    }

    @Test func untrackedLinesAreIgnored() {
        let relay = GPIOLineConfig.output("relay-1", chip: "sim", offset: 1)
        var d = GPIODebouncer(lines: [door, relay], levels: [0: false], now: t0)
        #expect(d.feed(GPIORawEdge(index: 1, value: true, time: t0)).isEmpty)
        #expect(d.stableValue(at: 1) == nil)
    }
}
