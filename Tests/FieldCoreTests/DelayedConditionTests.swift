import Testing
@testable import FieldCore

@Suite struct DelayedConditionTests {
    let t0 = Timestamp(seconds: 5_000)

    @Test func pulseSeenOnlyAtItsEdgesPassesTheDebounce() {
        // A door-zone vane passed at speed: 150 ms on, reported by its two edges only.
        var zone = DelayedCondition(onDelay: .milliseconds(50), offDelay: .milliseconds(50))
        #expect(zone.changes(true, now: t0).isEmpty)
        let edges = zone.changes(false, now: t0 + .milliseconds(150))
        #expect(edges == [DelayedCondition.Change(isActive: true, at: t0 + .milliseconds(50))])
        #expect(zone.isActive)
        // The off edge waits for its own debounce, then takes effect.
        #expect(zone.changes(false, now: t0 + .milliseconds(200)) == [DelayedCondition.Change(isActive: false, at: t0 + .milliseconds(200))])
    }

    @Test func glitchShorterThanTheDebounceIsIgnored() {
        var contact = DelayedCondition(onDelay: .milliseconds(50), offDelay: .milliseconds(50))
        #expect(contact.changes(true, now: t0).isEmpty)
        #expect(contact.changes(false, now: t0 + .milliseconds(20)).isEmpty)
        #expect(contact.changes(false, now: t0 + .seconds(1)).isEmpty)
        #expect(!contact.isActive)
    }

    @Test func pulseWithZeroOffDelayGivesBothChanges() {
        var zone = DelayedCondition(onDelay: .milliseconds(20))
        _ = zone.changes(true, now: t0)
        let edges = zone.changes(false, now: t0 + .milliseconds(100))
        #expect(edges.map(\.isActive) == [true, false])
        #expect(edges.map(\.at) == [t0 + .milliseconds(20), t0 + .milliseconds(100)])
        // `update` reports the net change only: none.
        var again = DelayedCondition(onDelay: .milliseconds(20))
        _ = again.update(true, now: t0)
        #expect(again.update(false, now: t0 + .milliseconds(100)) == false)
    }

    @Test func updateCatchesUpAChangeThatMaturedBetweenUpdates() {
        // Beyond the limit from 0 s, next update at 60 s shows it back: the alarm condition did
        // hold for 10 s, so it becomes active and then waits for its off delay.
        var c = DelayedCondition(onDelay: .seconds(10), offDelay: .seconds(5))
        #expect(c.update(true, now: t0) == false)
        #expect(c.update(false, now: t0 + .seconds(60)) == true)
        #expect(c.isActive)
        #expect(c.update(false, now: t0 + .seconds(65)) == true)
        #expect(!c.isActive)
    }

    @Test func initialStateAndReset() {
        var door = DelayedCondition(onDelay: .seconds(1), offDelay: .seconds(1), isActive: true)
        #expect(door.isActive)
        #expect(door.changes(false, now: t0).isEmpty)
        door.reset(to: false)
        #expect(!door.isActive && door.pendingUntil == nil)
        #expect(door.changes(false, now: t0 + .seconds(5)).isEmpty)
    }

    @Test func insufficientDataIsNotGood() {
        let r = Reading(nil, quality: .insufficientData, at: t0)
        #expect(!r.quality.isGood && r.goodNumber == nil)
        #expect(Quality(rawValue: "insufficient-data") == .insufficientData)
    }
}
