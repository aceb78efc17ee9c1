import FieldCore
import FieldDevices
import FieldHAL
import FieldRuntime
import FieldSim
import Synchronization
import Testing

/// The bus worker's schedule in simulated time: `EmbeddedModbusTransport` on a
/// `ManualMonotonicClock`, the worker's loop driven by `run(for:)` on the test's thread.
@Suite("Bus worker in simulated time")
struct BusWorkerTests {
    @Test("a silent device goes offline after exactly offlineAfter failed polls, and only once")
    func offlineAfterFailures() {
        let rig = BusRig(offlineAfter: 3)
        rig.bus.setDefault(.silence, unit: 1)
        rig.worker.run(for: .seconds(20))

        let polls = rig.bus.records(unit: 1)
        let offline = rig.events.online(device: "sensor")
        #expect(offline.map { $0.online } == [false], "one offline event and no online one: the device never answered")
        #expect(offline.first?.reason == "timeout")
        // The event comes with the third failed poll's timeout, not before.
        #expect(offline.first?.at == polls[2].end)
        #expect(polls[0...2].allSatisfy { $0.error == .timeout })
        #expect(rig.worker.statistics.devices["sensor"]?.online == false)
        #expect(rig.worker.statistics.devices["sensor"]?.timeouts == polls.count)
    }

    @Test("an offline device is retried after 2, 4, 8… intervals up to maxBackoff, then on its tick again once it answers")
    func backoffAndRecovery() {
        let rig = BusRig(offlineAfter: 3, maxBackoff: .seconds(20))
        rig.bus.script(unit: 1, Array(repeating: .silence, count: 8))
        rig.worker.run(for: .seconds(80))

        // Each failed poll costs the 500 ms response timeout. Before going offline a failed poll is
        // retried one interval after it ended; offline, after 2, 4, 8, 16 intervals, capped at 20 s.
        let starts = rig.bus.records(unit: 1).map { rig.millis($0.start) }
        let failed: [Int64] = [0, 1500, 3000, 5500, 10_000, 18_500, 35_000, 55_500]
        #expect(Array(starts.prefix(8)) == failed)
        // The ninth poll answers at 76 s: from then on it polls on its one-second tick.
        #expect(Array(starts.dropFirst(8).prefix(4)) == [76_000, 77_000, 78_000, 79_000])
        let changes = rig.events.online(device: "sensor")
        #expect(changes.map { $0.online } == [false, true])
        #expect(changes.last.map { rig.millis($0.at) } == 76_020)
        #expect(rig.worker.statistics.devices["sensor"]?.online == true)
        let good = rig.events.readings(device: "sensor").last?.first { $0.0 == "pressure" }?.1
        #expect(good?.quality == .good)
        #expect(good?.value == .number(4.2))
    }

    @Test("frames are kept t3.5 or the configured inter-frame delay apart, and a broadcast's turnaround before the next")
    func pacingBetweenFrames() {
        for delay in [nil, Duration.milliseconds(25)] {
            let rig = BusRig(units: [1, 2, 3], interFrameDelay: delay, turnaround: .milliseconds(150))
            let gap = rig.pacing.gap
            #expect(gap == UInt64((delay ?? ModbusRTUSettings(device: "x", baud: 9600).frameGap).nanoseconds))
            rig.worker.submit(BusJob("broadcast") { access in
                _ = access.transact(device: nil, unit: 0, characters: 8) { t throws(ModbusError) in
                    try t.writeRegister(unit: 0, address: 0, value: 7)
                }
            })
            rig.worker.run(for: .seconds(5))

            let records = rig.bus.records
            #expect(records.first?.request.unit == 0, "the job runs before the first polls")
            #expect(records[1].start == records[0].end + UInt64(Duration.milliseconds(150).nanoseconds), "turnaround after the broadcast")
            // Three devices due together: each request starts exactly one gap after the one before ended.
            var backToBack = 0
            for (before, after) in zip(records.dropFirst(), records.dropFirst(2)) {
                #expect(after.start >= before.end + gap)
                if after.start == before.end + gap { backToBack += 1 }
            }
            #expect(backToBack >= 10, "polls of one tick follow one another at the gap (\(backToBack))")
        }
    }

    @Test("the steady tick does not drift with poll time, and skips ticks a long job took instead of bunching them")
    func steadyTick() {
        let rig = BusRig(answerTime: .milliseconds(30))
        rig.worker.run(for: .seconds(60))
        let starts = rig.bus.records(unit: 1).map { rig.millis($0.start) }
        #expect(starts == (0..<60).map { Int64($0) * 1000 }, "every poll on its tick, 30 ms of answer time notwithstanding")

        let busy = BusRig(answerTime: .milliseconds(30))
        busy.worker.submit(BusJob("long job") { _ in busy.monotonic.advance(by: .milliseconds(2500)) })
        busy.worker.run(for: .seconds(6))
        let late = busy.bus.records(unit: 1).map { busy.millis($0.start) }
        #expect(late == [2500, 3000, 4000, 5000], "the missed ticks at 1 s and 2 s are skipped, the grid kept")
    }

    @Test("a refused block is split point by point, only the missing register is marked, and the split is kept")
    func refusedRegisterSplitsTheRead() throws {
        // The profile has three registers in one block; this firmware has no register 1.
        let older = try DeviceProfile.parse("""
            {"id": "older-sensor", "family": "generic",
             "points": [{"name": "pressure", "table": "input", "address": 0, "type": "u16", "scale": 0.1},
                        {"name": "temperature", "table": "input", "address": 2, "type": "i16", "scale": 0.1}]}
            """, source: "bus worker test")
        let bank = RegisterBank(profile: older, gaps: .refused)
        try bank.setRegisters(.input, at: 0, [42, 0, 215])
        let rig = BusRig(profile: BusRig.threePoints)
        rig.bus.attach(bank, unit: 1)
        rig.worker.run(for: .milliseconds(2500))

        let asked = rig.bus.records(unit: 1).map { "\($0.request.address)+\($0.request.count)" }
        #expect(asked == ["0+3", "0+1", "1+1", "2+1", "0+1", "1+1", "2+1", "0+1", "1+1", "2+1"])
        let refused = ModbusError.Kind.exception(.illegalDataAddress)
        let split: [ModbusError.Kind?] = [nil, refused, nil]
        let expected: [ModbusError.Kind?] = [refused] + split + split + split
        #expect(rig.bus.records(unit: 1).map(\.error) == expected)
        let readings = try #require(rig.events.readings(device: "sensor").last)
        let byName = Dictionary(readings, uniquingKeysWith: { a, _ in a })
        #expect(byName["pressure"]?.value == .number(4.2))
        #expect(byName["temperature"]?.value == .number(21.5))
        #expect(byName["humidity"]?.quality != .good)
        #expect(rig.worker.statistics.devices["sensor"]?.refused == ["humidity": "exception 0x02 illegal data address"])
        #expect(rig.events.online(device: "sensor").map { $0.online } == [true], "a refused register is not a device gone")
    }

    @Test("a bus that cannot be opened is retried every 2 s; its device goes offline meanwhile and answers once it opens")
    func busThatCannotBeOpened() {
        let rig = BusRig(offlineAfter: 3)
        rig.bus.failConnects(2)
        rig.worker.run(for: .seconds(6))

        // Polls at 0, 1 and 2 s fail without reaching the wire; the open is retried at 2 s (fails)
        // and at 4 s, when the offline device's backoff (2 intervals) is due too.
        #expect(rig.bus.connects == 1)
        #expect(rig.bus.records(unit: 1).map { rig.millis($0.start) } == [4000, 5000])
        let changes = rig.events.online(device: "sensor")
        #expect(changes.map { $0.online } == [false, true])
        #expect(changes.map { rig.millis($0.at) } == [2000, 4020])
        #expect(changes.first?.reason == "cannot connect")
        #expect(rig.worker.statistics.devices["sensor"]?.failures == 3)
    }

    @Test("a device answering late does not starve its bus-mate: the mate keeps its tick, the late bytes are put down to the late device")
    func lateDeviceDoesNotStarveBusMates() {
        let rig = BusRig(units: [1, 2], offlineAfter: 3, maxBackoff: .seconds(10))
        rig.bus.setDefault(.late(bytes: 9), unit: 1)
        rig.worker.run(for: .seconds(30))

        let mate = rig.bus.records(unit: 2).map { rig.millis($0.start) }
        #expect(mate.count == 30, "polled on each of 30 ticks")
        for (k, start) in mate.enumerated() {
            // At worst it waits for one timeout of the late device and one gap.
            let tick = Int64(k) * 1000
            #expect(start >= tick && start < tick + 510, "tick \(k) polled at \(start) ms")
        }
        #expect(rig.bus.records(unit: 2).allSatisfy { $0.error == nil })
        let late = rig.bus.records(unit: 1)
        #expect(late.count == 7, "backoff keeps the late device to a few tries: \(late.map { rig.millis($0.start) })")
        let stats = rig.worker.statistics.devices
        #expect(stats["sensor-1"]?.discardedBytes == 9 * late.count)
        #expect(stats["sensor-2"]?.discardedBytes == 0)
        #expect(stats["sensor-2"]?.online == true)
        #expect(rig.events.online(device: "sensor-1").map { $0.online } == [false])
    }
}

/// One bus of sensors on an embedded transport in simulated time.
private struct BusRig {
    static let threePoints = profile("""
        [{"name": "pressure", "table": "input", "address": 0, "type": "u16", "scale": 0.1},
         {"name": "humidity", "table": "input", "address": 1, "type": "u16", "scale": 0.1},
         {"name": "temperature", "table": "input", "address": 2, "type": "i16", "scale": 0.1}]
        """)
    static let twoPoints = profile("""
        [{"name": "pressure", "table": "input", "address": 0, "type": "u16", "scale": 0.1},
         {"name": "temperature", "table": "input", "address": 1, "type": "i16", "scale": 0.1}]
        """)

    let monotonic = ManualMonotonicClock()
    let start: UInt64
    let pacing: FramePacing
    let bus: EmbeddedModbusTransport
    let worker: BusWorker
    let events = EventLog()

    /// - Parameter units: the sensors' unit addresses: one is `sensor`, several are `sensor-N`;
    ///   each has a register bank with pressure 4.2 and temperature 21.5 and is polled every second.
    init(units: [UInt8] = [1], profile: DeviceProfile = BusRig.twoPoints, offlineAfter: Int = 3,
         maxBackoff: Duration = .seconds(60), interFrameDelay: Duration? = nil, turnaround: Duration = .milliseconds(100),
         answerTime: Duration = .milliseconds(20)) {
        let config = BusConfig(name: "rs485-1", link: .rtu(RTULink(port: "rs485-1", baud: 9600)),
                               interFrameDelay: interFrameDelay, turnaround: turnaround, offlineAfter: offlineAfter,
                               maxBackoff: maxBackoff)
        let settings = ModbusSettings(bus: config.name, link: .rtu(ModbusRTUSettings(device: "/dev/null", baud: 9600)),
                                      timeouts: ModbusTimeouts(response: config.responseTimeout, broadcastTurnaround: config.turnaround),
                                      interFrameDelay: config.interFrameDelay)
        start = monotonic.nanoseconds()
        pacing = FramePacing(settings)
        let bus = EmbeddedModbusTransport(bus: config.name, pacing: pacing, responseTimeout: config.responseTimeout,
                                          answerTime: answerTime, clock: monotonic)
        let plan = ReadPlan(profile: profile)
        var devices: [PolledDevice] = []
        for unit in units {
            let bank = RegisterBank(profile: profile)
            try? bank.set(["pressure": .number(4.2), "temperature": .number(21.5)])
            bus.attach(bank, unit: unit)
            devices.append(PolledDevice(id: units.count == 1 ? "sensor" : "sensor-\(unit)", unit: unit, plan: plan, interval: .seconds(1)))
        }
        self.bus = bus
        let events = events
        let monotonic = monotonic
        worker = BusWorker(config: config, devices: devices, clock: ManualClock(), monotonic: monotonic,
                           makeTransport: { () throws(ModbusError) -> any ModbusTransport in bus },
                           sink: { events.append($0, at: monotonic.nanoseconds()) })
    }

    /// Milliseconds since the rig started.
    func millis(_ ns: UInt64) -> Int64 { Int64((ns - start) / 1_000_000) }

    private static func profile(_ points: String) -> DeviceProfile {
        do {
            return try DeviceProfile.parse(#"{"id": "test-sensor", "family": "generic", "points": "# + points + "}", source: "bus worker test")
        } catch {
            preconditionFailure("test profile does not parse: \(error)")
        }
    }
}

/// What a bus worker's sink receives.
private typealias WorkerEvent = EngineEvent

/// What the worker's sink received, with the monotonic time it came at.
private final class EventLog: Sendable {
    private let events = Mutex<[(at: UInt64, event: WorkerEvent)]>([])

    func append(_ event: WorkerEvent, at: UInt64) { events.withLock { $0.append((at, event)) } }

    func online(device: String) -> [(online: Bool, reason: String, at: UInt64)] {
        events.withLock { all in
            all.compactMap { e in
                if case .online(let d, let online, let reason) = e.event, d == device { return (online, reason, e.at) }
                return nil
            }
        }
    }

    func readings(device: String) -> [[(String, Reading)]] {
        events.withLock { all in
            all.compactMap { e in
                if case .readings(let d, let r) = e.event, d == device { return r }
                return nil
            }
        }
    }
}
