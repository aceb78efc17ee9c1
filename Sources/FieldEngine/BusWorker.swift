import FieldCore
import FieldDevices
import FieldHAL
import FieldSystem
import Synchronization

/// A device polled by a bus worker: its unit address, its read plan and its interval.
package struct PolledDevice: Sendable {
    package var id: String
    package var unit: UInt8
    package var plan: ReadPlan
    package var interval: Duration

    package init(id: String, unit: UInt8, plan: ReadPlan, interval: Duration) {
        self.id = id
        self.unit = unit
        self.plan = plan
        self.interval = interval
    }
}

/// One thread per Modbus bus or TCP endpoint (DESIGN rule 2). It owns the transport (which
/// keeps frames apart, `FramePacing`), polls its devices on a steady tick, runs queued jobs
/// (writes, console requests) between polls, keeps a dead device from eating the bus, and
/// counts everything.
///
/// Its schedule runs on the monotonic clock it is given: on `SystemMonotonicClock` in the
/// gateway, on a `ManualMonotonicClock` with FieldSim's `EmbeddedModbusTransport` in unit tests,
/// which drive the loop with `run(for:)` and see minutes of polls, backoff and recovery in
/// milliseconds.
package final class BusWorker: Sendable {
    package let name: String
    private let jobs = BlockingQueue<BusJob>()
    private let running = Atomic<Bool>(true)
    private let heartbeatMillis = Atomic<Int64>(0)
    private let stats: Mutex<BusStatistics>
    /// Each device's unit address now, and addresses changed since the thread last looked.
    private let units: Mutex<(current: [String: UInt8], changed: [String: UInt8])>
    private let thread: Mutex<WorkerThread?> = Mutex(nil)
    private let config: BusConfig
    private let devices: [PolledDevice]
    private let makeTransport: @Sendable () throws(ModbusError) -> any ModbusTransport
    private let clock: any FieldClock
    private let monotonic: any MonotonicClock
    private let sink: @Sendable (EngineEvent) -> Void
    private let log: Logger

    /// - Parameters:
    ///   - clock: the wall clock readings are stamped with.
    ///   - monotonic: the clock polls, retries and rates are scheduled on (and the heartbeat's).
    ///   - makeTransport: creates the bus's transport on the worker's thread (a `ModbusClient`
    ///     on real buses).
    ///   - sink: receives readings and online changes in order, on the worker's thread: keep it
    ///     short. The events of polls that run back to back come together, after the last of them.
    package init(config: BusConfig, devices: [PolledDevice], clock: any FieldClock,
                monotonic: any MonotonicClock = SystemMonotonicClock(),
                makeTransport: @escaping @Sendable () throws(ModbusError) -> any ModbusTransport,
                sink: @escaping @Sendable (EngineEvent) -> Void) {
        name = config.name
        self.config = config
        self.devices = devices
        self.makeTransport = makeTransport
        self.clock = clock
        self.monotonic = monotonic
        self.sink = sink
        log = Logger("bus \(config.name)")
        var s = BusStatistics(name: config.name)
        for d in devices { s.devices[d.id] = DeviceStatistics() }
        stats = Mutex(s)
        units = Mutex((Dictionary(devices.map { ($0.id, $0.unit) }, uniquingKeysWith: { a, _ in a }), [:]))
    }

    package func start() throws(WorkerThreadError) {
        heartbeatMillis.store(monotonic.milliseconds(), ordering: .relaxed)
        let t = try WorkerThread(name: "bus-\(name)") { [self] in run { running.load(ordering: .relaxed) } }
        thread.withLock { $0 = t }
    }

    /// Stops after the current transaction and waits for the thread.
    package func stop() {
        running.store(false, ordering: .relaxed)
        jobs.close()
        thread.withLock { $0 }?.join()
    }

    /// Queues work to run on the bus between polls; false when the worker is stopping.
    @discardableResult
    package func submit(_ job: BusJob) -> Bool { jobs.push(job) }

    /// Polls `device` at `unit` from now on (a sensor given a new address from the console);
    /// its next poll is due at once. False when this worker does not poll the device.
    @discardableResult
    package func readdress(device: String, unit: UInt8) -> Bool {
        let known = units.withLock { u -> Bool in
            guard u.current[device] != nil else { return false }
            u.current[device] = unit
            u.changed[device] = unit
            return true
        }
        if known { log.notice("\(device) is polled at unit \(unit) from now on") }
        return known
    }

    /// The unit address `device` is polled at, nil when this worker does not poll it.
    package func unit(of device: String) -> UInt8? { units.withLock { $0.current[device] } }

    /// Runs the worker's loop on the calling thread, instead of `start()`, until its monotonic
    /// clock has moved on by `duration`; then finishes as `stop()` does. On a
    /// `ManualMonotonicClock` the loop's waits move the clock, so this is how a unit test goes
    /// through minutes of polling in milliseconds.
    package func run(for duration: Duration) {
        let end = monotonic.nanoseconds() + UInt64(clamping: max(0, duration.nanoseconds))
        run { monotonic.nanoseconds() < end }
    }

    /// When the worker last went round its loop (monotonic ms): the supervisor feeds the
    /// watchdog only while every worker's heartbeat is fresh.
    package var heartbeat: Int64 { heartbeatMillis.load(ordering: .relaxed) }

    /// True for an RS-485 bus, false for a Modbus TCP endpoint.
    package var isRTU: Bool { config.isRTU }

    package var statistics: BusStatistics {
        var s = stats.withLock { $0 }
        s.queuedJobs = jobs.count
        return s
    }

    // MARK: - The worker's thread

    private struct Schedule {
        var device: PolledDevice
        var nextDue: Int64
        var failures = 0
        var offline = false
        var backoff = 0
        var onlineSince: Timestamp?
        var readings: [Reading?] = []
    }

    /// Readings of polls run back to back, held so that the engine is woken once for them: the
    /// worker hands them over before it waits, before a job (a write's read-back must come
    /// after them), and once they are `holdLimit` old.
    private struct PendingEvents {
        var events: [EngineEvent] = []
        var since: UInt64 = 0
        let monotonic: any MonotonicClock

        /// Longest a reading waits for the polls after it, 10 ms in ns (an RTU poll takes longer,
        /// so there every poll's readings go at once).
        static let holdLimit: UInt64 = 10_000_000

        mutating func add(_ event: EngineEvent) {
            if events.isEmpty { since = monotonic.nanoseconds() }
            events.append(event)
        }

        mutating func flush(to sink: (EngineEvent) -> Void) {
            for e in events { sink(e) }
            events.removeAll(keepingCapacity: true)
        }

        var isOld: Bool { !events.isEmpty && monotonic.nanoseconds() - since >= PendingEvents.holdLimit }
    }

    /// Waits for a job until `deadline` (monotonic ms).
    private func nextJob(until deadline: Int64) -> BusJob? {
        monotonic.wait(until: UInt64(max(0, deadline)) * 1_000_000) { jobs.pop(until: $0) }
    }

    private func run(while keepGoing: () -> Bool) {
        // Devices start together, so those with the same interval share each wake-up of the
        // worker and of the engine (on a bus their polls follow one another anyway).
        let start = monotonic.milliseconds()
        var schedules = devices.map { Schedule(device: $0, nextDue: start) }
        let access = BusAccess(worker: self)
        var pending = PendingEvents(monotonic: monotonic)
        while keepGoing() {
            let now = monotonic.milliseconds()
            heartbeatMillis.store(now, ordering: .relaxed)
            access.ensureConnected()
            takeNewAddresses(&schedules, now: now)
            let jobsDue = jobs.drain()
            if !jobsDue.isEmpty { pending.flush(to: sink) }
            for job in jobsDue {
                job.body(access)
            }
            guard let next = schedules.indices.min(by: { schedules[$0].nextDue < schedules[$1].nextDue }) else {
                pending.flush(to: sink)
                if let job = nextJob(until: now + 1000) { job.body(access) }
                continue
            }
            if schedules[next].nextDue > now {
                // Sleep until the next poll is due, waking early for a job (at least every second
                // so the heartbeat stays fresh).
                pending.flush(to: sink)
                if let job = nextJob(until: min(schedules[next].nextDue, now + 1000)) { job.body(access) }
                continue
            }
            poll(&schedules[next], access, &pending)
            access.accountWindow()
            if pending.isOld { pending.flush(to: sink) }
        }
        pending.flush(to: sink)
        access.close()
        for job in jobs.drain() { job.body(access) }
    }

    private func takeNewAddresses(_ schedules: inout [Schedule], now: Int64) {
        let changed = units.withLock { u in
            defer { u.changed = [:] }
            return u.changed
        }
        for (device, unit) in changed {
            guard let i = schedules.firstIndex(where: { $0.device.id == device }) else { continue }
            schedules[i].device.unit = unit
            schedules[i].nextDue = now
            schedules[i].backoff = 0
        }
    }

    /// One cycle's reads of a plan; the requests the device refused as asking for registers it
    /// does not have, coalesced ones (to split) and single-point ones.
    private func read(_ plan: ReadPlan, _ s: Schedule, _ access: BusAccess)
        -> (responses: [ReadResponse], firstError: ModbusError?, refusedBlocks: [(Int, ModbusError)], refusedPoints: [(Int, ModbusError)]) {
        var responses: [ReadResponse] = []
        responses.reserveCapacity(plan.requests.count)
        var firstError: ModbusError?
        var refusedBlocks: [(Int, ModbusError)] = []
        var refusedPoints: [(Int, ModbusError)] = []
        for (r, request) in plan.requests.enumerated() {
            // A device that does not answer one request will not answer the next: don't spend
            // the bus's time on it (its bus-mates keep their rate).
            if let e = firstError, e.isSilence {
                responses.append(.failed)
                continue
            }
            switch access.read(request, unit: s.device.unit, device: s.device.id) {
            case .success(let r): responses.append(r)
            case .failure(let e):
                responses.append(.failed)
                if firstError == nil { firstError = e }
                // "No such register" (0x02) or "not that many" (0x03) is about what was asked, and
                // asked differently it may be answered; busy or failed is about the device now.
                if case .exception(let code) = e.kind, code == .illegalDataAddress || code == .illegalDataValue {
                    let indices = plan.pointIndices(ofRequest: r)
                    if indices.count > 1 { refusedBlocks.append((r, e)) } else { refusedPoints += indices.map { ($0, e) } }
                }
            }
        }
        return (responses, firstError, refusedBlocks, refusedPoints)
    }

    private func poll(_ s: inout Schedule, _ access: BusAccess, _ pending: inout PendingEvents) {
        var plan = s.device.plan
        var (responses, firstError, refusedBlocks, refusedPoints) = read(plan, s, access)
        if !refusedBlocks.isEmpty {
            // Real meters differ between firmware versions in which registers they have: split
            // the refused reads point by point and read again now, so only the registers the
            // device really refuses are marked, and keep the split for the next cycles.
            let before = plan
            for (r, _) in refusedBlocks { plan = plan.isolating(request: r) }
            s.device.plan = plan
            (responses, firstError, _, refusedPoints) = read(plan, s, access)
            let refused = refusedPoints.map { p in "\(plan.points[p.0].name) (\(ReadRequest(table: plan.points[p.0].table, address: plan.points[p.0].address, count: plan.points[p.0].count)))" }
            let blocks = refusedBlocks.map { "\(before.requests[$0.0]) (\($0.1.kind.summary))" }.joined(separator: ", ")
            log.warning("\(s.device.id) (unit \(s.device.unit)) refused \(blocks): read point by point from now on (\(plan.requests.count) requests a cycle instead of \(before.requests.count)); "
                        + (refused.isEmpty ? "every point reads on its own" : "refused: \(refused.joined(separator: ", "))"))
        }
        if !refusedPoints.isEmpty {
            let names = Dictionary(refusedPoints.map { (plan.points[$0.0].name, $0.1.kind.summary) }, uniquingKeysWith: { a, _ in a })
            stats.withLock { _ = $0.devices.withValue(forKey: s.device.id) { $0.refused.merge(names) { _, new in new } } }
        }
        let now = clock.now()
        let answered = firstError == nil || responses.contains { if case .failed = $0 { false } else { true } }
        let firstAnswer = answered && s.onlineSince == nil
        if answered, s.offline || s.onlineSince == nil {
            s.onlineSince = now
        }
        plan.decode(responses, now: now, onlineSince: s.onlineSince, into: &s.readings)
        var out: [(String, Reading)] = []
        out.reserveCapacity(plan.points.count)
        for i in plan.points.indices where plan.points[i].isReadable {
            if let r = s.readings[i] { out.append((plan.points[i].name, r)) }
        }
        pending.add(.readings(device: s.device.id, out))

        let interval = s.device.interval.milliseconds
        let nowMono = monotonic.milliseconds()
        if answered {
            s.failures = 0
            s.backoff = 0
            if s.offline {
                s.offline = false
                log.notice("\(s.device.id) (unit \(s.device.unit)) answers again")
                pending.add(.online(device: s.device.id, true, reason: "answering"))
            } else if firstAnswer {
                // The engine counts a device offline until told otherwise.
                pending.add(.online(device: s.device.id, true, reason: "answering"))
            }
            setOnline(s.device.id, true)
            // Steady tick: the next poll is one interval after the last due time, skipping
            // ticks missed while the bus was busy rather than bunching them up (no drift).
            s.nextDue += interval
            if s.nextDue <= nowMono { s.nextDue += ((nowMono - s.nextDue) / interval + 1) * interval }
        } else {
            s.failures += 1
            let reason = firstError?.kind.summary ?? "no answer"
            if !s.offline, s.failures >= config.offlineAfter {
                s.offline = true
                log.warning("\(s.device.id) (unit \(s.device.unit)) offline after \(s.failures) failed polls: \(firstError.map { "\($0)" } ?? reason)")
                pending.add(.online(device: s.device.id, false, reason: reason))
                setOnline(s.device.id, false)
            }
            if s.offline {
                // Retry with backoff: 2, 4, 8… intervals up to maxBackoff.
                s.backoff = min(s.backoff + 1, 16)
                let wait = min(interval << s.backoff, config.maxBackoff.milliseconds)
                s.nextDue = nowMono + max(wait, interval)
            } else {
                s.nextDue = nowMono + interval
            }
        }
    }

    /// A late answer was thrown away before a request: name the device that sent it, since its
    /// lateness is what its bus-mates would otherwise pay for.
    fileprivate func discardedLateAnswer(_ late: LateAnswer) {
        let device = units.withLock { u in u.current.first { $0.value == late.unit }?.key }
        if let device { stats.withLock { _ = $0.devices.withValue(forKey: device) { $0.discardedBytes += late.bytes } } }
        log.warning("discarded \(late.bytes) bytes that arrived after unit \(late.unit)\(device.map { " (\($0))" } ?? "")'s failed request (an answer later than responseTimeout, or noise): not taken for the next request's answer")
    }

    private func setOnline(_ device: String, _ online: Bool) {
        stats.withLock { _ = $0.devices.withValue(forKey: device) { $0.online = online } }
    }

    fileprivate func record(device: String?, error: ModbusError?, micros: Int64) {
        guard let device else { return }
        stats.withLock { s in
            if s.devices.withValue(forKey: device, { $0.record(error, micros: micros) }) == nil {
                var d = DeviceStatistics()
                d.record(error, micros: micros)
                s.devices[device] = d
            }
        }
    }

    fileprivate func updateRates(transactionsPerSecond: Double, utilisation: Double) {
        stats.withLock {
            $0.transactionsPerSecond = transactionsPerSecond
            $0.utilisation = utilisation
        }
    }

    fileprivate var busConfig: BusConfig { config }
    fileprivate var monotonicClock: any MonotonicClock { monotonic }
    fileprivate var logger: Logger { log }
    fileprivate func transport() throws(ModbusError) -> any ModbusTransport { try makeTransport() }
}

/// Work for a bus worker, run on its thread with access to the bus.
package struct BusJob: Sendable {
    package var label: String
    package var body: @Sendable (BusAccess) -> Void

    package init(_ label: String, _ body: @escaping @Sendable (BusAccess) -> Void) {
        self.label = label
        self.body = body
    }
}

/// The bus as a job sees it: every transaction is counted (the transport keeps frames apart:
/// t3.5 or the configured inter-frame delay, turnaround after broadcasts). Valid only on the
/// worker's thread, during the job.
package final class BusAccess: @unchecked Sendable {
    // Used only on the bus worker's thread (jobs run there); @unchecked because the transport
    // and counters are thread-confined, not shared.
    private unowned let worker: BusWorker
    private var link: (any ModbusTransport)?
    private let wire: RTUWireTime?
    private let monotonic: any MonotonicClock
    private var windowStart: UInt64
    private var windowTransactions = 0
    private var windowBusyNanos: Int64 = 0
    private var nextConnectAttempt: Int64 = 0
    private var lastConnectError: String?
    private var silentInARow = 0
    /// Timeouts in a row after which a TCP connection is dropped and made again: a Modbus TCP
    /// gateway that stopped answering on a connection that still looks open.
    static let silentLimit = 8

    init(worker: BusWorker) {
        self.worker = worker
        monotonic = worker.monotonicClock
        windowStart = monotonic.nanoseconds()
        switch worker.busConfig.link {
        case .rtu(let rtu): wire = RTUWireTime(baud: rtu.baud, bitsPerCharacter: rtu.bitsPerCharacter)
        case .tcp: wire = nil
        }
    }

    package var bus: String { worker.name }

    /// Opens the transport if it is not open, retrying at most every 2 s.
    func ensureConnected() {
        guard link == nil, monotonic.milliseconds() >= nextConnectAttempt else { return }
        do throws(ModbusError) {
            let t = try worker.transport()
            try t.connect()
            link = t
            if lastConnectError != nil { worker.logger.notice("connected") }
            lastConnectError = nil
        } catch {
            nextConnectAttempt = monotonic.milliseconds() + 2000
            let why = error.detail.isEmpty ? error.kind.summary : error.detail
            if lastConnectError != why { worker.logger.error("cannot open the bus: \(error)") }
            lastConnectError = why
        }
    }

    func close() {
        link?.close()
        link = nil
    }

    /// Reads one planned request.
    package func read(_ request: ReadRequest, unit: UInt8, device: String?) -> Result<ReadResponse, ModbusError> {
        let count = request.count
        let chars = RTUWireTime.readCharacters(count: count, bits: request.table.isBitTable)
        return transact(device: device, unit: unit, characters: chars) { t throws(ModbusError) in
            let address = UInt16(request.address)
            switch request.table {
            case .coil: return .bits(try t.readCoils(unit: unit, address: address, count: count))
            case .discrete: return .bits(try t.readDiscreteInputs(unit: unit, address: address, count: count))
            case .holding: return .registers(try t.readHoldingRegisters(unit: unit, address: address, count: count))
            case .input: return .registers(try t.readInputRegisters(unit: unit, address: address, count: count))
            }
        }
    }

    /// Writes one point's encoded value (read-modify-write for a bit field).
    package func write(_ w: PointWrite, unit: UInt8, device: String?) -> Result<Void, ModbusError> {
        let address = UInt16(w.address)
        switch w.value {
        case .coil(let b):
            return transact(device: device, unit: unit, characters: RTUWireTime.writeCharacters(count: 1, bits: true)) { t throws(ModbusError) in
                try t.writeCoil(unit: unit, address: address, value: b)
            }
        case .registers(let regs):
            return transact(device: device, unit: unit, characters: RTUWireTime.writeCharacters(count: regs.count, bits: false)) { t throws(ModbusError) in
                if regs.count == 1 {
                    try t.writeRegister(unit: unit, address: address, value: regs[0])
                } else {
                    try t.writeRegisters(unit: unit, address: address, values: regs)
                }
            }
        case .field:
            let current = transact(device: device, unit: unit, characters: RTUWireTime.readCharacters(count: 1, bits: false)) { t throws(ModbusError) in
                try t.readHoldingRegisters(unit: unit, address: address, count: 1)
            }
            switch current {
            case .failure(let e): return .failure(e)
            case .success(let regs):
                let merged = w.value.merged(into: regs.first ?? 0)
                return transact(device: device, unit: unit, characters: RTUWireTime.writeCharacters(count: 1, bits: false)) { t throws(ModbusError) in
                    try t.writeRegister(unit: unit, address: address, value: merged)
                }
            }
        }
    }

    /// Runs any transaction on the bus with accounting.
    /// - Parameter characters: its request + response size, for the RTU wire-time statistics.
    package func transact<T>(device: String?, unit: UInt8, characters: Int,
                            _ body: (any ModbusTransport) throws(ModbusError) -> T) -> Result<T, ModbusError> {
        guard let t = link else {
            let e = ModbusError(.cannotConnect, bus: bus, unit: unit, detail: lastConnectError ?? "the bus is not open")
            worker.record(device: device, error: e, micros: 0)
            return .failure(e)
        }
        let start = monotonic.nanoseconds()
        let result: Result<T, ModbusError>
        do throws(ModbusError) {
            result = .success(try body(t))
        } catch {
            result = .failure(error)
        }
        let end = monotonic.nanoseconds()
        if let late = t.takeLateAnswer() { worker.discardedLateAnswer(late) }
        let micros = Int64((end - start) / 1000)
        worker.record(device: device, error: result.failure, micros: micros)
        if case .failure(let e) = result, e.kind == .timeout {
            silentInARow += 1
            if silentInARow >= BusAccess.silentLimit, !worker.isRTU {
                worker.logger.warning("\(silentInARow) timeouts in a row: reconnecting")
                t.close()
                silentInARow = 0
            }
        } else {
            silentInARow = 0
        }
        windowTransactions += 1
        windowBusyNanos += wire.map { $0.nanos(characters: characters) } ?? Int64(end - start)
        return result
    }

    /// Publishes rates over windows of about 5 s.
    func accountWindow() {
        let now = monotonic.nanoseconds()
        let elapsed = now - windowStart
        guard elapsed >= 5_000_000_000 else { return }
        let seconds = Double(elapsed) / 1e9
        worker.updateRates(transactionsPerSecond: Double(windowTransactions) / seconds,
                           utilisation: min(1, Double(windowBusyNanos) / Double(elapsed)))
        windowStart = now
        windowTransactions = 0
        windowBusyNanos = 0
    }
}

extension ModbusError {
    /// The device is not there (as opposed to answering badly).
    var isSilence: Bool {
        switch kind {
        case .timeout, .cannotConnect, .connectionLost: true
        default: false
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
