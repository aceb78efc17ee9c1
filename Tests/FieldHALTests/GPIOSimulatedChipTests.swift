import Testing
import FieldCore
import Synchronization
@testable import FieldHAL

@Suite struct GPIOSimulatedChipTests {
    let clock = ManualClock()

    func makeChip() throws -> SimulatedGPIOChip {
        try SimulatedGPIOChip(name: "gpiochip-sim", label: "pole-cabinet", lines: ["door", "water", "relay-1", "buzzer", "alarm-button"], clock: clock)
    }

    @Test func edgesOfAnInputAreReported() throws {
        let chip = try makeChip()
        let lines = try chip.request([.input("door", chip: "gpiochip-sim", offset: 0)])
        #expect(try lines.waitForEvents(timeout: .zero).isEmpty)
        try chip.drive("door", to: true)
        #expect(try lines.waitForEvents(timeout: .zero) == [GPIOEdgeEvent(line: "door", edge: .rising, time: clock.now())])
        clock.advance(by: .seconds(3))
        try chip.drive("door", to: false)
        #expect(try lines.waitForEvents(timeout: .zero) == [GPIOEdgeEvent(line: "door", edge: .falling, time: clock.now())])
        #expect(try lines.value(of: "door") == false)
    }

    @Test func onlyTheAskedEdgesAreReported() throws {
        let chip = try makeChip()
        let lines = try chip.request([.input("alarm-button", chip: "pole-cabinet", offset: 4, edge: .falling)])
        try chip.drive("alarm-button", to: true)
        #expect(try lines.waitForEvents(timeout: .zero).isEmpty)
        try chip.drive("alarm-button", to: false)
        #expect(try lines.waitForEvents(timeout: .zero).map(\.edge) == [.falling])
    }

    @Test func bounceIsFilteredAndTheSettleTimeRespected() throws {
        let chip = try makeChip()
        let lines = try chip.request([.input("door", chip: "gpiochip-sim", offset: 0, debounce: .milliseconds(30))])
        try chip.injectBounce("door", toggles: 7, interval: .milliseconds(2), settlingAt: true)
        let settled = clock.now()
        #expect(try lines.waitForEvents(timeout: .zero).isEmpty)
        #expect(lines.nextSettleTime == settled + .milliseconds(30))
        clock.advance(by: .milliseconds(29))
        #expect(try lines.waitForEvents(timeout: .zero).isEmpty)
        #expect(try lines.settledValue(of: "door") == false)
        clock.advance(by: .milliseconds(1))
        #expect(try lines.waitForEvents(timeout: .zero) == [GPIOEdgeEvent(line: "door", edge: .rising, time: settled)])
        #expect(try lines.settledValue(of: "door") == true)
    }

    @Test func bounceThatEndsWhereItStartedIsNoEdge() throws {
        let chip = try makeChip()
        let lines = try chip.request([.input("water", chip: "gpiochip-sim", offset: 1, debounce: .milliseconds(20))])
        try chip.injectBounce("water", toggles: 6, interval: .milliseconds(1), settlingAt: false)
        clock.advance(by: .seconds(1))
        #expect(try lines.waitForEvents(timeout: .zero).isEmpty)
        #expect(lines.nextSettleTime == nil)
    }

    @Test func activeLowInputsAndOutputsAreInverted() throws {
        let chip = try makeChip()
        // A door contact to ground with a pull-up: the pin is high while the door is shut.
        try chip.drive("door", to: true)
        let lines = try chip.request([
            .input("door", chip: "gpiochip-sim", offset: 0, activeLow: true),
            .output("relay-1", chip: "gpiochip-sim", offset: 2, activeLow: true, initialValue: false),
        ])
        #expect(try lines.value(of: "door") == false)
        try chip.drive("door", to: false)
        #expect(try lines.waitForEvents(timeout: .zero).map(\.edge) == [.rising])
        #expect(try lines.value(of: "door") == true)
        #expect(try chip.level(of: "relay-1") == true)
        try lines.set("relay-1", to: true)
        #expect(try chip.level(of: "relay-1") == false)
        #expect(try lines.value(of: "relay-1") == true)
    }

    @Test func outputsReadBackWhatIsDriven() throws {
        let chip = try makeChip()
        let lines = try chip.request([
            .output("relay-1", chip: "gpiochip-sim", offset: 2, initialValue: true),
            .output("buzzer", chip: "gpiochip-sim", offset: 3),
        ])
        #expect(try chip.level(of: "relay-1") == true)
        #expect(try chip.level(of: "buzzer") == false)
        try lines.set("buzzer", to: true)
        try lines.set("relay-1", to: false)
        #expect(try chip.level(of: "buzzer") == true)
        #expect(try lines.value(of: "relay-1") == false)
        #expect(try chip.requestedDirection(of: "buzzer") == .output)
        #expect(throws: GPIOError.directionMismatch(line: "buzzer", direction: .output)) { try chip.drive("buzzer", to: false) }
    }

    @Test func misuseGivesErrorsThatNameTheLine() throws {
        let chip = try makeChip()
        let lines = try chip.request([.input("door", chip: "gpiochip-sim", offset: 0)])
        #expect(throws: GPIOError.directionMismatch(line: "door", direction: .input)) { try lines.set("door", to: true) }
        #expect(throws: GPIOError.unknownLine("relay-9")) { try lines.value(of: "relay-9") }
        #expect(throws: GPIOError.busy(line: "cabinet-door", chip: "gpiochip-sim", offset: 0, detail: "door is already requested")) {
            try chip.request([.input("cabinet-door", chip: "gpiochip-sim", offset: 0)])
        }
        #expect(throws: GPIOError.noSuchChip(chip: "gpiochip3")) { try chip.request([.input("x", chip: "gpiochip3", offset: 0)]) }
        #expect(throws: GPIOError.noSuchLine(line: "x", chip: "gpiochip-sim", offset: 40)) {
            try chip.request([.input("x", chip: "gpiochip-sim", offset: 40)])
        }
        #expect(throws: GPIOError.invalidConfig(line: "buzzer", reason: "an output has no edge events (edge both)")) {
            try chip.request([GPIOLineConfig(name: "buzzer", chip: "gpiochip-sim", offset: 3, direction: .output, edge: .both)])
        }
        #expect(throws: GPIOError.invalidConfig(line: "a", reason: "the name is used twice in one request")) {
            try chip.request([.input("a", chip: "gpiochip-sim", offset: 1), .input("a", chip: "gpiochip-sim", offset: 4)])
        }
        #expect(throws: GPIOError.unknownLine("lamp")) { try chip.drive("lamp", to: true) }
        #expect(GPIOError.noSuchChip(chip: "gpiochip3").description == "gpiochip3: no such GPIO chip (check the board file)")
    }

    @Test func aFailedRequestClaimsNothingAndCloseReleases() throws {
        let chip = try makeChip()
        let held = try chip.request([.input("water", chip: "gpiochip-sim", offset: 1)])
        #expect(throws: GPIOError.self) {
            try chip.request([.input("door", chip: "gpiochip-sim", offset: 0), .input("water", chip: "gpiochip-sim", offset: 1)])
        }
        #expect(try chip.requestedDirection(of: "door") == nil)
        held.close()
        #expect(try chip.requestedDirection(of: "water") == nil)
        #expect(throws: GPIOError.released) { try held.value(of: "water") }
        _ = try chip.request([.input("door", chip: "gpiochip-sim", offset: 0), .input("water", chip: "gpiochip-sim", offset: 1)])
    }

    @Test func manyLinesAreWaitedOnAtOnceWithATimeout() throws {
        let names = (1...24).map { "contact-\($0)" }
        let chip = try SimulatedGPIOChip(lines: names, clock: clock)
        let lines = try chip.request(names.enumerated().map { .input($1, chip: "fieldsim", offset: $0) })
        let start = monotonicNanoseconds()
        #expect(try lines.waitForEvents(timeout: .milliseconds(40)).isEmpty)
        #expect(monotonicNanoseconds() - start >= 40_000_000)
        try chip.drive("contact-3", to: true)
        try chip.drive("contact-17", to: true)
        try chip.drive("contact-24", to: true)
        let events = try lines.waitForEvents(timeout: .seconds(5))
        #expect(Set(events.map(\.line)) == ["contact-3", "contact-17", "contact-24"])
        #expect(events.allSatisfy { $0.edge == .rising })
    }

    @Test func aWakeUpInterruptsTheWait() throws {
        let chip = try makeChip()
        let lines = try chip.request([.input("door", chip: "gpiochip-sim", offset: 0)])
        let wakeUp = try FileDescriptor.WakeUp()
        let start = monotonicNanoseconds()
        let waiter = BlockingThread {
            _ = try? lines.waitForEvents(timeout: .seconds(30), wakeUp: wakeUp)
        }
        wakeUp.signal()
        waiter.join()
        #expect(monotonicNanoseconds() - start < 10_000_000_000)
        #expect(wakeUp.drain() == false)
    }

    @Test func anEdgeWakesAWaiterOnAnotherThread() throws {
        let chip = try SimulatedGPIOChip(lines: ["alarm-button"])
        let lines = try chip.request([.input("alarm-button", chip: "fieldsim", offset: 0)])
        let received = Mutex<[GPIOEdgeEvent]>([])
        let waiter = BlockingThread {
            let events = (try? lines.waitForEvents(timeout: .seconds(30))) ?? []
            received.withLock { $0 = events }
        }
        try chip.drive("alarm-button", to: true)
        waiter.join()
        #expect(received.withLock { $0.map(\.edge) } == [.rising])
    }

    @Test func duplicateSimulatedLineNamesAreRefused() {
        #expect(throws: GPIOError.invalidConfig(line: "door", reason: "the name is used twice on chip fieldsim")) {
            try SimulatedGPIOChip(lines: ["door", "door"])
        }
    }
}
