import FieldCore
@testable import FieldEngine
import Foundation
import FieldDevices
import FieldHAL
import FieldTestSupport
import Synchronization
import Testing
@testable import FieldRuntime

/// The board's RUN and ALARM LEDs (issue 15, defect 6): driven by the GPIO worker from the
/// gateway's state, seen on the simulated chip behind the simulator's GPIO socket — what `gpio
/// get` and a technician at the cabinet see.
@Suite struct StatusLEDTests {
    @Test func runBlinksOnlyWhenRunningAndAlarmFollowsTheIndication() {
        let leds = StatusLEDs(leds: [BoardLED(role: .run, line: "LED-RUN"), BoardLED(role: .alarm, line: "LED-ALARM"),
                                     BoardLED(role: .comm, line: "LED-COMM"), BoardLED(role: .uplink, line: "LED-NET")])
        var state = StatusLEDs.Indication()
        // Starting: steady, whatever the phase.
        #expect(leds.levels(state, at: 0)["LED-RUN"] == true)
        #expect(leds.levels(state, at: 700)["LED-RUN"] == true)
        state.running = true
        #expect(leds.levels(state, at: 100)["LED-RUN"] == true)
        #expect(leds.levels(state, at: 600)["LED-RUN"] == false)
        #expect(leds.levels(state, at: 1100)["LED-RUN"] == true)
        #expect(StatusLEDs.nextEdge(after: 600) == 1000)
        #expect(leds.levels(state, at: 0)["LED-ALARM"] == false)
        state.majorAlarm = true
        state.deviceOffline = true
        #expect(leds.levels(state, at: 0)["LED-ALARM"] == true)
        #expect(leds.levels(state, at: 0)["LED-COMM"] == true)
        // Not driven: left in its safe state.
        #expect(leds.levels(state, at: 0)["LED-NET"] == nil)
    }

    @Test func theGPIOWorkerDrivesTheSimBoardsLEDsOverTheSocket() throws {
        let dir = try TemporaryDirectory("fg-leds")
        let board = try Board.load(path: repositoryRoot + "/boards/sim.json", environment: ["FIELDSIM_DIR": dir.path, "STATE_DIR": dir.path])
        let names = board.lines.sorted { $0.offset < $1.offset }.map(\.name)
        let offsets = board.lines.map(\.offset)
        var chipLines = (0...(offsets.max() ?? 0)).map { "unused-\($0)" }
        for line in board.lines { chipLines[line.offset] = line.name }
        #expect(names.contains("LED-RUN") && names.contains("LED-ALARM"))
        let chip = try SimulatedGPIOChip(name: "fieldsim", label: "fieldsim", lines: chipLines)
        let server = try GPIOSocketServer(socketPath: dir.path + "/gpio.sock", chip: chip)
        defer { server.stop() }

        let indication = Mutex(StatusLEDs.Indication())
        let worker = try GPIOWorker(board: board, bindings: [], backend: GPIOSocketBackend(socketPath: server.socketPath, clock: SystemClock()),
                                    clock: SystemClock(), indication: { indication.withLock { $0 } }, sink: { _, _ in })
        try worker.start()
        // Starting: RUN steady on, ALARM off.
        #expect(wait { (try? chip.level(of: "LED-RUN")) == true })
        #expect((try? chip.level(of: "LED-ALARM")) == false)

        // Running: RUN blinks — both levels within a couple of seconds, as `gpio get` would show.
        worker.markStarted()
        var seen: Set<Bool> = []
        _ = wait(timeout: .seconds(3)) {
            if let level = try? chip.level(of: "LED-RUN") { seen.insert(level) }
            return seen.count == 2
        }
        #expect(seen == [true, false])
        #expect(worker.value(of: "LED-ALARM") == .success(false))

        // A major alarm becomes active: ALARM on; it clears: off again.
        indication.withLock { $0.majorAlarm = true }
        #expect(wait { (try? chip.level(of: "LED-ALARM")) == true })
        #expect(worker.value(of: "LED-ALARM") == .success(true))
        indication.withLock { $0.majorAlarm = false }
        #expect(wait { (try? chip.level(of: "LED-ALARM")) == false })

        // Stopping leaves both LEDs in the board's safe state (off).
        indication.withLock { $0.majorAlarm = true }
        #expect(wait { (try? chip.level(of: "LED-ALARM")) == true })
        worker.stop()
        #expect(try chip.level(of: "LED-RUN") == false)
        #expect(try chip.level(of: "LED-ALARM") == false)
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes.
    func wait(timeout: Duration = .seconds(3), _ condition: () -> Bool) -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
