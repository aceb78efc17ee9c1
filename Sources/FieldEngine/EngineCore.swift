import FieldApps
import FieldCore
import FieldDevices

/// The engine's state and logic, confined to the engine's thread (or a test's).
struct EngineCore: Sendable {
    private struct DeviceEntry: Sendable {
        var config: DeviceConfig
        var app: (any DeviceApp)?
        var generic: GenericAlarms
        var lastReading: Int64
        /// Readings came, or the bus worker decided the device is offline, since start.
        var heard = false
    }

    private var devices: [String: DeviceEntry] = [:]
    /// The devices' ids in order, for a tick that runs the same way every time.
    private let deviceIDs: [String]
    /// When each app asked to be ticked next (`DeviceApp.wakeUp`).
    private var wakeUps: [String: Timestamp] = [:]
    private var subscribers: [PointRef: [String]] = [:]
    /// Devices with a point some app subscribes to: only their readings are looked up in
    /// `subscribers`.
    private var watchedDevices: Set<String> = []
    /// The alarms each device's app and generic rules have raised, to clear when they are rebuilt.
    private var raisedBy: [String: Set<AlarmID>] = [:]
    private let factories: [String: any DeviceAppFactory]
    private(set) var alarmTable = AlarmTable()
    private(set) var online: [String: Bool] = [:]
    /// Goes up whenever the alarm table or `online` changes (the engine then refreshes what
    /// other threads read).
    private(set) var revision: UInt64 = 0
    private let routes: EngineRoutes
    private let sink: any EngineSink
    private let clock: any FieldClock
    private let points: PointTable
    private let telemetryInterval: Duration
    private var nextTelemetry: Int64
    private var nextFullTelemetry: Int64
    private let log = Logger("engine")
    /// Alarms active before the restart (`AlarmStateStore`) that no app or rule has raised
    /// again yet: cleared at `reconcileAt` if still not, since nothing else would clear them.
    private var unconfirmed: Set<AlarmID> = []
    /// When to settle the restored alarms: `settleTime` after the polled devices were all heard
    /// from, at the latest `maxSettleTime` after start (by the clock, and by monotonic time in
    /// case someone sets the clock back meanwhile).
    private var reconcileAt: Timestamp?
    private let started: (clock: Timestamp, mono: Int64)
    private let settleTime: Int64

    /// The longest the restored alarms wait for their sources to be read again.
    static let maxSettleTime: Int64 = 120_000

    /// How often every point is sent whether it changed or not (modes `changes` and `latest`).
    static let fullTelemetryInterval: Int64 = 600_000
    /// The most samples one telemetry record carries (≈ 100 kB of JSON).
    static let maxPendingSamples = 4000

    /// - Parameter restoredAlarms: alarms active at the platform before a restart; kept active
    ///   (not raised again) and cleared once the devices were read and nothing raised them.
    init(site: Site, factories: [String: any DeviceAppFactory], routes: EngineRoutes, sink: any EngineSink,
         clock: any FieldClock, points: PointTable, issues: JSONReader, restoredAlarms: [AlarmRecord] = []) {
        self.routes = routes
        self.factories = factories
        self.sink = sink
        self.clock = clock
        self.points = points
        telemetryInterval = site.storage.telemetryInterval
        points.mode = site.storage.telemetryMode
        let now = clock.now()
        let mono = monotonicMilliseconds()
        nextTelemetry = mono + max(1, telemetryInterval.milliseconds)
        nextFullTelemetry = mono + EngineCore.fullTelemetryInterval
        for (index, d) in site.devices.enumerated() where d.enabled {
            var units: [String: String] = [:]
            for p in d.profile.points {
                points.declare(PointRef(device: d.id, point: p.name),
                               PointInfo(unit: p.engineeringUnit, source: .modbus, writable: p.isWritable, readable: p.isReadable,
                                         deadband: p.deadband, description: p.description))
                units[p.name] = p.engineeringUnit
            }
            for s in d.profile.signals where d.signals[s.name] != nil {
                points.declare(PointRef(device: d.id, point: s.name),
                               PointInfo(source: .signal, writable: s.direction == .output, description: s.description))
            }
            let app = d.makeApp(factories: factories, site: site.info, index: index, issues: issues)
            if let app {
                for ref in app.subscriptions { subscribers[ref, default: []].append(d.id) }
            }
            if d.profile.usesModbus { online[d.id] = false }
            devices[d.id] = DeviceEntry(config: d, app: app,
                                        generic: GenericAlarms(device: d.id, specs: d.alarms, units: units, startedAt: now),
                                        lastReading: mono)
        }
        deviceIDs = devices.keys.sorted()
        started = (now, mono)
        // Three of the slowest poll, so apps' and rules' short debounces have run; 10 s at least.
        let slowest = site.devices.filter { $0.enabled && $0.profile.usesModbus }.map(\.poll.milliseconds).max() ?? 0
        settleTime = max(10_000, 3 * slowest)
        alarmTable.restore(restoredAlarms)
        unconfirmed = Set(restoredAlarms.map(\.id))
        if !restoredAlarms.isEmpty { revision &+= 1 }
        watchedDevices = Set(subscribers.keys.map(\.device))
        points.configureTrends()
    }

    /// The earliest time an app asked to be ticked.
    var earliestWakeUp: Timestamp? { wakeUps.values.min() }

    mutating func handle(_ event: EngineEvent) {
        let now = clock.now()
        switch event {
        case .readings(let device, let readings):
            accept(device: device, readings, now: now)
            noteHeard(now: now)
        case .online(let device, let isOnline, let reason):
            devices.withValue(forKey: device) { $0.heard = true }
            noteHeard(now: now)
            online[device] = isOnline
            revision &+= 1
            let id = AlarmID(device: device, type: "comm-lost")
            let signal: AlarmSignal = isOnline ? .clear(value: nil) : .raise(value: nil, message: "\(device) does not answer (\(reason))")
            apply(.alarm(id, .major, signal), from: nil, now: now, completion: nil)
            if !isOnline {
                // Apps and rules see the device go silent as comm-error readings (DESIGN rule 5),
                // not as their last good values.
                for p in points.snapshot(device: device) where p.info.source == .modbus && p.reading?.quality != .commError {
                    accept(p.ref, Reading(p.reading?.value, quality: .commError, at: now), now: now)
                }
            } else {
                // A write-only point is never polled, so no reading would ever bring it back: it
                // is good again, with the value last written, as soon as the device answers.
                for p in points.snapshot(device: device) where p.info.source == .modbus && !p.info.readable && p.reading?.quality == .commError {
                    accept(p.ref, Reading(p.reading?.value, quality: .good, at: now), now: now)
                }
            }
        case .command(let command, let origin, let reply):
            execute(command, origin: origin, now: now) { [sink] result in
                sink.audit(command, origin: origin, result: result)
                reply(result)
            }
        case .tick:
            tick(now: now)
        case .reconfigure(let config, let index, let site):
            reconfigure(config, index: index, site: site, now: now)
        case .wake:
            for (device, at) in wakeUps where at <= now {
                feed(device, .tick, now: now, reply: nil)
                // A deadline the app still reports as passed is left to the regular tick rather
                // than woken for again and again.
                if let again = wakeUps[device], again <= now { wakeUps[device] = nil }
            }
        }
    }

    func settingsInForce(_ device: String) -> [String: JSONValue]? {
        devices[device]?.app?.settingsInForce
    }

    func appCommands(_ device: String) -> [CommandSpec] {
        devices[device]?.config.profile.app.flatMap { factories[$0] }?.commands ?? []
    }

    /// Rebuilds a device's app and generic alarm rules. What the old ones raised is cleared (the
    /// new ones raise it again, after their on-delays, if it still holds); the new app is given
    /// the latest readings of what it subscribes to.
    private mutating func reconfigure(_ config: DeviceConfig, index: Int, site: SiteDetails, now: Timestamp) {
        guard var entry = devices[config.id] else { return }
        for id in (raisedBy[config.id] ?? []).sorted() where alarmTable.records[id]?.active == true {
            raiseOrClear(id, alarmTable.records[id]!.severity, .clear(value: nil), now: now)
        }
        raisedBy[config.id] = nil
        for ref in subscribers.keys { subscribers[ref]?.removeAll { $0 == config.id } }
        defer { watchedDevices = Set(subscribers.filter { !$0.value.isEmpty }.keys.map(\.device)) }
        let issues = JSONReader()
        let app = config.makeApp(factories: factories, site: site, index: index, issues: issues)
        for issue in issues.issues { log.error("\(config.id): \(issue)") }
        var units: [String: String] = [:]
        for p in config.profile.points { units[p.name] = p.engineeringUnit }
        entry.config = config
        entry.app = app
        entry.generic = GenericAlarms(device: config.id, specs: config.alarms, units: units, startedAt: now)
        devices[config.id] = entry
        guard let app else { return }
        for ref in app.subscriptions.sorted() {
            subscribers[ref, default: []].append(config.id)
            if let r = points.reading(ref) { feed(config.id, .reading(ref, r), now: now, reply: nil) }
        }
        feed(config.id, .tick, now: now, reply: nil)
    }

    /// One poll's readings of a device: into the point table under one lock, then through the
    /// device's generic rules and to the apps that subscribe, reading by reading. Devices without
    /// rules or subscribers cost no more than the table.
    private mutating func accept(device: String, _ readings: [(String, Reading)], now: Timestamp) {
        let ruled = devices.withValue(forKey: device) { e in
            e.lastReading = monotonicMilliseconds()
            e.heard = true
            return !e.generic.isEmpty
        } ?? false
        if points.update(device: device, readings) >= EngineCore.maxPendingSamples {
            // A long telemetry interval on a big site: send what has gathered rather than hold
            // an unbounded batch in RAM (and one huge outbox record).
            sink.telemetry(points.takeChanged())
        }
        let watched = watchedDevices.contains(device)
        guard ruled || watched else { return }
        for (point, reading) in readings {
            if ruled, let changes = devices.withValue(forKey: device, { $0.generic.evaluate(point: point, reading, now: now) }) {
                for (id, severity, signal) in changes { raiseOrClear(id, severity, signal, now: now, by: device) }
            }
            if watched {
                let ref = PointRef(device: device, point: point)
                for subscriber in subscribers[ref] ?? [] { feed(subscriber, .reading(ref, reading), now: now, reply: nil) }
            }
        }
    }

    private mutating func accept(_ ref: PointRef, _ reading: Reading, now: Timestamp) {
        points.update(ref, reading)
        if let changes = devices.withValue(forKey: ref.device, { $0.generic.evaluate(point: ref.point, reading, now: now) }) {
            for (id, severity, signal) in changes { raiseOrClear(id, severity, signal, now: now, by: ref.device) }
        }
        for device in subscribers[ref] ?? [] {
            feed(device, .reading(ref, reading), now: now, reply: nil)
        }
    }

    private mutating func feed(_ device: String, _ input: AppInput, now: Timestamp,
                               reply: (@Sendable (Result<JSONValue, CommandError>) -> Void)?) {
        // In place: a copy of the device's entry (and its app) per input would cost more than
        // most apps' own work.
        guard let (effects, wakeUp) = devices.withValue(forKey: device, { e -> ([AppEffect], Timestamp?)? in
            guard e.app != nil else { return nil }
            return (e.app!.handle(input, now: now), e.app!.wakeUp)
        }) ?? nil else { return }
        wakeUps[device] = wakeUp
        // A command is answered once its writes took effect on the device, or failed with the
        // device's error, never before.
        let completion = reply.map { CommandCompletion(reply: $0) }
        for effect in effects {
            apply(effect, from: device, now: now, completion: completion)
        }
        completion?.release()
    }

    private mutating func apply(_ effect: AppEffect, from device: String?, now: Timestamp, completion: CommandCompletion?) {
        switch effect {
        case .alarm(let id, let severity, let signal):
            raiseOrClear(id, severity, signal, now: now, by: device)
        case .write(let ref, let value):
            completion?.hold()
            write(ref, value) { [log] result in
                if case .failure(let e) = result { log.warning("\(device ?? "engine") could not write \(ref): \(e)") }
                completion?.settle(ref, result)
            }
        case .derived(let name, var reading, let unit):
            guard let device else { return }
            let ref = PointRef(device: device, point: name)
            if points.point(ref) == nil { points.declare(ref, PointInfo(unit: unit, source: .derived)) }
            if case .number(let n)? = reading.value { reading.value = .number(withoutBinaryNoise(n)) }
            accept(ref, reading, now: now)
        case .reply(let result):
            completion?.answer(result.mapError { CommandError(.invalidArgument, $0.message) })
        }
    }

    private mutating func raiseOrClear(_ id: AlarmID, _ severity: Severity, _ signal: AlarmSignal, now: Timestamp, by device: String? = nil) {
        // An alarm's value is often computed (a drop over a window): no float noise for operators.
        let signal: AlarmSignal = switch signal {
        case .raise(.number(let n)?, let message): .raise(value: .number(withoutBinaryNoise(n)), message: message)
        case .clear(.number(let n)?): .clear(value: .number(withoutBinaryNoise(n)))
        default: signal
        }
        // A restored alarm raised again is still the same raise at the platform (no event); one
        // cleared goes out as a clear like any other.
        if unconfirmed.remove(id) != nil, case .raise = signal {
            if let device { raisedBy[device, default: []].insert(id) }
            return
        }
        guard let event = alarmTable.apply(signal, id: id, severity: severity, now: now) else { return }
        revision &+= 1
        if let device, event.kind == .raise { raisedBy[device, default: []].insert(id) }
        log.notice("alarm \(event.kind.rawValue) \(id) [\(severity.rawValue)]: \(event.message)")
        sink.alarm(event)
    }

    private func write(_ ref: PointRef, _ value: PointValue, reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) {
        guard let d = devices[ref.device]?.config else {
            reply(.failure(CommandError(.notFound, "no device \(ref.device)")))
            return
        }
        if let s = d.profile.signal(ref.point) {
            guard s.direction == .output else {
                reply(.failure(CommandError(.invalidArgument, "\(ref) is an input signal; it cannot be written")))
                return
            }
            guard let b = value.bool else {
                reply(.failure(CommandError(.invalidArgument, "\(ref) takes true or false")))
                return
            }
            reply(routes.writeSignal(ref.device, ref.point, b).map { .bool(b) })
        } else if let p = d.profile.point(ref.point) {
            guard p.isWritable else {
                reply(.failure(CommandError(.invalidArgument, "\(ref) is read-only")))
                return
            }
            routes.writeModbus(ref.device, ref.point, value, reply)
        } else {
            reply(.failure(CommandError(.notFound, "device \(ref.device) has no point \(ref.point)")))
        }
    }

    /// A command the device's profile declares: its arguments checked by the profile's schema,
    /// its writes run on the device's bus.
    private func run(_ name: String, on device: String, arguments: [String: Double], unit: Int?,
                     reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) {
        guard let d = devices[device]?.config else { return reply(.failure(CommandError(.notFound, "no device \(device)"))) }
        guard let spec = d.profile.command(name) else {
            let names = d.profile.commands.map(\.name)
            return reply(.failure(CommandError(.notFound, "the profile \(d.profile.id) of \(device) defines no command \"\(name)\""
                                               + (names.isEmpty ? "" : " (it defines: \(names.joined(separator: ", ")))"))))
        }
        let writes: [PointWrite]
        do {
            writes = try spec.writes(arguments: arguments)
        } catch {
            return reply(.failure(CommandError(.invalidArgument, "\(name): \(error)")))
        }
        guard let bus = d.bus else { return reply(.failure(CommandError(.invalidArgument, "\(device) is not on a bus"))) }
        routes.deviceWrites(device, bus, unit, writes, reply)
    }

    private mutating func execute(_ command: GatewayCommand, origin: CommandOrigin, now: Timestamp,
                                  reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) {
        let profile = command.declaringDevice.flatMap { devices[$0]?.config.profile }
        let needed = command.requiredRole(profileCommands: profile?.commands ?? [],
                                          appCommands: command.declaringDevice.map(appCommands) ?? [], points: profile?.points ?? [])
        guard origin.role >= needed.role else {
            reply(.failure(CommandError(.forbidden, "\(origin.user) (\(origin.role.rawValue)) may not \(needed.what ?? "do this"); it needs the \(needed.role.rawValue) role")))
            return
        }
        switch command {
        case .app(let device, let name, let arguments):
            guard let entry = devices[device] else {
                reply(.failure(CommandError(.notFound, "no device \(device)")))
                return
            }
            guard entry.app != nil else {
                reply(.failure(CommandError(.invalidArgument, "device \(device) (profile \(entry.config.profile.id)) has no app to take \"\(name)\"")))
                return
            }
            // The app's declared schema checks the command once, for the console and the platform.
            let declared = appCommands(device)
            guard let spec = declared.first(where: { $0.name == name }) else {
                let names = declared.map(\.name)
                reply(.failure(CommandError(.invalidArgument, "device \(device) (app \(entry.config.profile.app ?? "none")) has no command \"\(name)\" (it takes "
                                            + (names.isEmpty ? "none" : names.joined(separator: ", ")) + ")")))
                return
            }
            let checked: JSONValue
            do {
                checked = try spec.checked(arguments: arguments)
            } catch {
                reply(.failure(CommandError(.invalidArgument, "\(name): \(error)")))
                return
            }
            feed(device, .command(AppCommand(name: name, arguments: checked, by: origin.user)), now: now, reply: reply)
        case .acknowledge(let named):
            let id: AlarmID
            switch alarm(named) {
            case .success(let found): id = found
            case .failure(let e): return reply(.failure(e))
            }
            if let event = alarmTable.acknowledge(id, by: origin.user, now: now) {
                revision &+= 1
                log.notice("alarm acknowledged \(id) by \(origin.user)")
                sink.alarm(event)
                reply(.success(["alarm": .string(id.rawValue), "by": .string(origin.user)]))
            } else {
                // docs/uplink.md: nothing to acknowledge is `not-found`, whichever the reason.
                reply(.failure(CommandError(.notFound, "alarm \(id) is not active or already acknowledged")))
            }
        case .deviceCommand(let device, let name, let arguments, let unit):
            run(name, on: device, arguments: arguments, unit: unit, reply: reply)
        case .writePoint(let ref, let value):
            write(ref, value, reply: reply)
        case .readRegisters, .writeRegisters:
            routes.bus(command, reply)
        case .setOutput(let line, let value, let revert):
            reply(routes.setOutput(line, value, revert).map { .bool(value) })
        case .restart:
            reply(.success(.string("restarting")))
            routes.restart()
        }
    }

    /// The alarm an acknowledgement names: the id itself, or — for an id without a point, as the
    /// platform's `ackAlarm` on a device sends the type alone — the device's one alarm of that
    /// type on a point (`main-pt/low-pressure` → `main-pt.pressure/low-pressure`).
    private func alarm(_ id: AlarmID) -> Result<AlarmID, CommandError> {
        guard alarmTable.records[id] == nil, !id.rawValue.prefix(while: { $0 != "/" }).contains(".") else { return .success(id) }
        let onPoints = alarmTable.records.keys.filter { $0.device == id.device && $0.type == id.type }.sorted()
        guard onPoints.count <= 1 else {
            let ids = onPoints.map(\.rawValue).joined(separator: ", ")
            return .failure(CommandError(.invalidArgument, "\(id.device) has \(id.type) alarms on several points (\(ids)): name one"))
        }
        return .success(onPoints.first ?? id)
    }

    /// Starts the settle time once every polled device was heard from (while alarms wait for it).
    private mutating func noteHeard(now: Timestamp) {
        guard !unconfirmed.isEmpty, reconcileAt == nil else { return }
        let polled = devices.values.filter { $0.config.enabled && $0.config.profile.usesModbus }
        if polled.allSatisfy(\.heard) { reconcileAt = now + .milliseconds(settleTime) }
    }

    /// Clears the restored alarms nothing raised again, once the devices have been read.
    private mutating func settleRestoredAlarms(mono: Int64, now: Timestamp) {
        guard !unconfirmed.isEmpty else { return }
        let due = (reconcileAt.map { now >= $0 } ?? false) || now >= started.clock + .milliseconds(EngineCore.maxSettleTime)
            || mono >= started.mono + EngineCore.maxSettleTime
        guard due else { return }
        for id in unconfirmed.sorted() {
            guard let record = alarmTable.records[id], record.active else { continue }
            log.notice("alarm \(id) was active before the restart and nothing raised it again: clearing it")
            raiseOrClear(id, record.severity, .clear(value: nil), now: now)
        }
        unconfirmed = []
    }

    private mutating func tick(now: Timestamp) {
        let mono = monotonicMilliseconds()
        settleRestoredAlarms(mono: mono, now: now)
        let points = self.points
        for id in deviceIDs {
            guard let (changes, poll, polled, lastReading) = devices.withValue(forKey: id, { e in
                (e.generic.tick(now: now, latest: { points.reading(PointRef(device: id, point: $0)) }),
                 e.config.poll.milliseconds, e.config.profile.usesModbus, e.lastReading)
            }) else { continue }
            // A device whose bus worker stopped delivering (a hung bus) goes stale rather than
            // showing old values as good.
            if polled, online[id] == true, mono - lastReading > 3 * poll + 2000 {
                for p in points.snapshot(device: id) where p.info.source == .modbus && p.reading?.quality == .good {
                    accept(p.ref, Reading(p.reading?.value, quality: .stale, at: p.reading?.time ?? now), now: now)
                }
            }
            for (alarm, severity, signal) in changes { raiseOrClear(alarm, severity, signal, now: now, by: id) }
            feed(id, .tick, now: now, reply: nil)
        }
        if mono >= nextFullTelemetry, points.mode != .every {
            nextFullTelemetry = mono + EngineCore.fullTelemetryInterval
            nextTelemetry = mono + max(1, telemetryInterval.milliseconds)
            sink.telemetry(points.takeAll())
        } else if mono >= nextTelemetry {
            nextTelemetry = mono + max(1, telemetryInterval.milliseconds)
            let changed = points.takeChanged()
            if !changed.isEmpty { sink.telemetry(changed) }
        }
    }
}
