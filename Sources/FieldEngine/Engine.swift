import FieldApps
import FieldCore
import FieldSystem
import FieldDevices
import FieldSystem
import Synchronization

/// Where the engine's results go: the outbox and uplink in the gateway, a recorder in tests.
package protocol EngineSink: Sendable {
    /// An alarm event. Returns once the event is as durable as the gateway keeps it (DESIGN rule
    /// 6): in the gateway, committed to the outbox with an fsync (or held in memory while the file
    /// cannot take it), or only in the log when no uplink is configured (`OutboxSink`). The engine
    /// only then counts the alarm as accepted.
    func alarm(_ event: AlarmEvent)
    /// A telemetry period's samples (`storage.telemetry` says which), oldest first.
    func telemetry(_ readings: [TelemetryPoint])
    /// A command that was carried out or refused, for the audit log.
    func audit(_ command: GatewayCommand, origin: CommandOrigin, result: Result<JSONValue, CommandError>)
}

/// Something for the engine's thread to do. Bus workers send theirs (`readings`, `online`) as
/// they are, the GPIO worker its readings.
package enum EngineEvent: Sendable {
    /// A poll's readings of a device, by point name.
    case readings(device: String, [(String, Reading)])
    /// A device answered again after being offline, or stopped answering.
    case online(device: String, Bool, reason: String)
    case command(GatewayCommand, CommandOrigin, reply: @Sendable (Result<JSONValue, CommandError>) -> Void)
    /// Time passed (the engine ticks itself every second; tests send ticks by hand).
    case tick
    /// An app's wake-up time has come: the apps whose time it is are ticked (between the regular
    /// ticks, so a debounce that ends raises its alarm at once).
    case wake
    /// A device's name, settings or alarm rules changed (the console's `config set`): its app
    /// and generic alarm rules are rebuilt; `index` is its place in the site's `devices`.
    case reconfigure(DeviceConfig, index: Int, site: SiteDetails)
}

/// The gateway's logic thread: it owns the apps, the generic alarm rules and the alarm table,
/// updates the point table, and carries out what apps ask (DESIGN rules 1, 6, 7). Everything it
/// changes happens on its one thread, in the order events arrived.
package final class Engine: Sendable {
    package let points: PointTable
    private let queue = BlockingQueue<EngineEvent>()
    private let core: Mutex<EngineCore>
    private let alarmSnapshot = Mutex<[AlarmRecord]>([])
    private let onlineSnapshot: Mutex<[String: Bool]>
    private let thread: Mutex<WorkerThread?> = Mutex(nil)
    private let running = Atomic<Bool>(true)
    private let heartbeatMillis = Atomic<Int64>(0)
    private let clock: any FieldClock

    /// - Parameters:
    ///   - routes: where writes and bus commands go (bus workers, the GPIO worker).
    ///   - factories: the apps by name, as profiles name them.
    ///   - issues: app settings errors are reported here, with their JSON paths.
    ///   - restoredAlarms: the alarms active at the platform before a restart (`AlarmStateStore`).
    package init(site: Site, factories: [String: any DeviceAppFactory], routes: EngineRoutes, sink: any EngineSink,
                clock: any FieldClock, points: PointTable = PointTable(), issues: JSONReader, restoredAlarms: [AlarmRecord] = []) {
        self.points = points
        self.clock = clock
        let core = EngineCore(site: site, factories: factories, routes: routes, sink: sink, clock: clock, points: points, issues: issues,
                              restoredAlarms: restoredAlarms)
        onlineSnapshot = Mutex(core.online)
        alarmSnapshot.withLock { $0 = core.alarmTable.all }
        self.core = Mutex(core)
    }

    /// Starts the engine's thread (ticks once a second).
    package func start() throws(WorkerThreadError) {
        heartbeatMillis.store(monotonicMilliseconds(), ordering: .relaxed)
        let t = try WorkerThread(name: "engine") { [self] in run() }
        thread.withLock { $0 = t }
    }

    package func stop() {
        running.store(false, ordering: .relaxed)
        queue.close()
        thread.withLock { $0 }?.join()
    }

    /// Queues an event; safe from any thread.
    package func post(_ event: EngineEvent) { queue.push(event) }

    /// Runs every queued event now, on the caller's thread (tests drive the engine this way,
    /// with a manual clock, instead of starting its thread).
    package func processPending() {
        for e in queue.drain() { handle(e) }
    }

    package var heartbeat: Int64 { heartbeatMillis.load(ordering: .relaxed) }

    /// Active alarms and cleared-unacknowledged ones, most severe first.
    package var alarms: [AlarmRecord] { alarmSnapshot.withLock { $0 } }

    /// The earliest time an app asked to be ticked between regular ticks.
    package var nextWakeUp: Timestamp? { core.withLock { $0.earliestWakeUp } }

    /// Every setting `device`'s app applies, defaults included (`DeviceApp.settingsInForce`); nil
    /// when the device runs no app (none in its profile, disabled, or its settings were refused).
    package func settingsInForce(_ device: String) -> [String: JSONValue]? {
        core.withLock { $0.settingsInForce(device) }
    }

    /// The commands `device`'s app declares (`DeviceAppFactory.commands`), the schema every app
    /// command is checked against; empty when the device runs no app or is unknown.
    package func appCommands(_ device: String) -> [CommandSpec] {
        core.withLock { $0.appCommands(device) }
    }

    /// Whether each Modbus device answers, by id.
    package var online: [String: Bool] { onlineSnapshot.withLock { $0 } }

    private func run() {
        var nextTick = monotonicMilliseconds() + 1000
        while running.load(ordering: .relaxed) {
            let now = monotonicMilliseconds()
            heartbeatMillis.store(now, ordering: .relaxed)
            if now >= nextTick {
                handle(.tick)
                nextTick += 1000
                if nextTick <= now { nextTick = now + 1000 }
                continue
            }
            // The earliest app wake-up, in monotonic time (apps speak wall-clock time).
            let wake = core.withLock { $0.earliestWakeUp }.map { now + max(0, ($0 - clock.now()).milliseconds) }
            if let wake, wake <= now {
                handle(.wake)
                continue
            }
            if let e = queue.pop(until: min(nextTick, wake ?? nextTick)) { handle(e) }
        }
        for e in queue.drain() { handle(e) }
    }

    private func handle(_ event: EngineEvent) {
        // Most events are readings that change no alarm: the snapshots other threads read are
        // rebuilt (sorted) only when something in them changed.
        let changed = core.withLock { c -> (alarms: [AlarmRecord], online: [String: Bool])? in
            let before = c.revision
            c.handle(event)
            return c.revision == before ? nil : (c.alarmTable.all, c.online)
        }
        guard let changed else { return }
        alarmSnapshot.withLock { $0 = changed.alarms }
        onlineSnapshot.withLock { $0 = changed.online }
    }
}

/// Where the engine sends writes and bus requests.
package struct EngineRoutes: Sendable {
    /// Writes a Modbus point of a device (encode, write, read back) and answers.
    package var writeModbus: @Sendable (_ device: String, _ point: String, PointValue, _ reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) -> Void
    /// Writes a GPIO output signal of a device.
    package var writeSignal: @Sendable (_ device: String, _ signal: String, Bool) -> Result<Void, CommandError>
    /// Raw register reads and writes through a bus's worker.
    package var bus: @Sendable (GatewayCommand, _ reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) -> Void
    /// A profile command's register writes, in order, on a device's bus (at `unit`, or where the
    /// worker polls the device); answers after the last one took or the first one failed.
    package var deviceWrites: @Sendable (_ device: String, _ bus: String, _ unit: Int?, [PointWrite],
                                        _ reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) -> Void
    /// Drives a board output line.
    package var setOutput: @Sendable (_ line: String, Bool, _ revertAfter: Duration?) -> Result<Void, CommandError>
    /// Restarts the gateway (the supervisor puts outputs into their safe state first).
    package var restart: @Sendable () -> Void

    package init(writeModbus: @escaping @Sendable (String, String, PointValue, @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) -> Void,
                writeSignal: @escaping @Sendable (String, String, Bool) -> Result<Void, CommandError>,
                bus: @escaping @Sendable (GatewayCommand, @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) -> Void,
                deviceWrites: @escaping @Sendable (String, String, Int?, [PointWrite], @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) -> Void
                    = { _, bus, _, _, reply in reply(.failure(CommandError(.unavailable, "no bus worker for \(bus)"))) },
                setOutput: @escaping @Sendable (String, Bool, Duration?) -> Result<Void, CommandError>,
                restart: @escaping @Sendable () -> Void) {
        self.writeModbus = writeModbus
        self.writeSignal = writeSignal
        self.bus = bus
        self.deviceWrites = deviceWrites
        self.setOutput = setOutput
        self.restart = restart
    }
}
