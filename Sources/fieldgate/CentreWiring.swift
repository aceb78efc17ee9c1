import FieldCore
import FieldDevices
import FieldRuntime
import GB26875
import Synchronization

/// The GB 26875.3 link to a fire alarm operations centre, beside the MQTT uplink
/// (docs/gb26875.md): the site's mapping turns alarm events and readings into data units, a
/// second outbox (`centre.db` in the state directory: its own queue, order and bound, so neither
/// link holds the other back) keeps them until the centre confirms them, and the link sends them
/// from its own thread.
final class CentreUplink: Sendable {
    let outbox: Outbox
    let link: GB26875Link
    private let translator: LockedTranslator
    private let readings = CurrentReadings()
    /// Each device's configured Modbus unit id: a command sent to another unit (`--from UNIT`)
    /// is no operation on the mapped device.
    private let units: [String: Int]
    private let thread = Mutex<WorkerThread?>(nil)
    private let log = Logger("gb26875")

    /// - Parameters:
    ///   - endpoint: `--centre HOST:PORT`, replacing the site's host and port.
    ///   - gatewayAlarm: raises the gateway alarm `gateway/centre-unavailable` (type, message) when
    ///     the link cannot start (its outbox file cannot be opened, no thread): the gateway runs on
    ///     without it.
    static func start(site: Site, endpoint: (host: String, port: Int)?, stateDirectory: String,
                      gatewayAlarm: (String, String) -> Void) -> CentreUplink? {
        guard var config = site.centre else { return nil }
        if let endpoint { (config.host, config.port) = endpoint }
        do {
            let u = try CentreUplink(config, site: site, path: stateDirectory + "/centre.db")
            try u.start()
            return u
        } catch {
            Logger("gb26875").error("the link to the centre at \(config.host):\(config.port) cannot start: \(error)")
            gatewayAlarm("centre-unavailable", "the GB 26875.3 link to \(config.host):\(config.port) cannot start: \(error)")
            return nil
        }
    }

    private init(_ config: CentreUplinkConfig, site: Site, path: String) throws {
        outbox = try Outbox(path: path, maxBytes: config.maxBytes, logger: Logger("centre-outbox"))
        let mappings = config.points.map(Self.mapping)
        units = Dictionary(site.devices.compactMap { d in d.address.map { (d.id, $0) } }, uniquingKeysWith: { a, _ in a })
        // One time sync for the link's frames and the translator's labels (docs/gb26875.md, "The link").
        let timeSync = GB26875TimeSync()
        let translator = LockedTranslator(mappings: mappings, utcOffsetMinutes: site.info.utcOffsetMinutes,
                                          analogInterval: config.analogInterval, timeSync: timeSync)
        self.translator = translator
        let settings = GB26875LinkSettings(host: config.host, port: config.port, source: GB26875Address(config.source),
                                           destination: GB26875Address(config.destination), ackTimeout: config.ackTimeout,
                                           retries: config.retries, heartbeat: config.heartbeat)
        let outbox = self.outbox
        let readings = self.readings
        link = try GB26875Link(settings: settings, events: GB26875LinkEvents(
            confirmed: { outbox.confirm($0) },
            rejected: { tag, reason in
                Logger("gb26875").error("record \(tag) given up: \(reason)")
                outbox.confirm(tag)
            },
            ready: { outbox.setReady($0) },
            deviceState: { translator.withLock { $0.deviceState() } },
            // The point table's lock is taken inside the translator's; the point table calls
            // nothing under its own lock, so the order cannot turn round.
            answer: { queries, now in translator.withLock { $0.answer(queries, now: now, current: readings.reading) } }),
            utcOffsetMinutes: site.info.utcOffsetMinutes, timeSync: timeSync)
    }

    private func start() throws {
        // One record in flight: the centre confirms frames one by one, in order.
        outbox.attach(CentreCourier(link: link), window: 1)
        let link = self.link
        let t = try WorkerThread(name: "gb26875") { link.run() }
        thread.withLock { $0 = t }
        log.notice("link to the centre at \(link.settings.endpoint) started; \(translator.withLock { $0.mappings.count }) points mapped")
    }

    func stop() {
        link.stop()
        thread.withLock { t in
            t?.join()
            t = nil
        }
        outbox.close()
    }

    /// The alarms active before a restart, which the gateway takes back without new events.
    func restore(active: [AlarmRecord]) {
        let ids = active.filter(\.active).map(\.id)
        translator.withLock { $0.restore(active: ids) }
    }

    /// Where the answers to the centre's reads of analogue values take the current readings
    /// from (the engine's point table, which exists once the gateway does).
    func readCurrentValues(from source: @escaping @Sendable (PointRef) -> Reading?) {
        readings.attach(source)
    }

    /// Stores the operation record of a console or platform command that was carried out
    /// (a device's reset, silence or self-test; the gateway's restart); returns once it is on
    /// disk. Acknowledgements are not here: they reach the centre as alarm events.
    func command(_ command: GatewayCommand, result: Result<JSONValue, FieldRuntime.CommandError>) {
        guard case .success = result else { return }
        let now = SystemClock().now()
        let units = self.units
        let records: [GB26875Record] = switch command {
        // `--from UNIT`: the command went to that unit, which may not be the mapped device.
        case .deviceCommand(let device, let name, _, let unit):
            translator.withLock { $0.operation(device: device, command: name, at: now, unit: unit, deviceUnit: units[device]) }
        // An app's `silence` with `cancel` lets the buzzer sound again: no silence.
        case .app(let device, let name, let arguments) where arguments["cancel"] != .bool(true):
            translator.withLock { $0.operation(device: device, command: name, at: now) }
        case .restart: translator.withLock { $0.deviceOperation(.reset, at: now) }
        default: []
        }
        for r in records { store(r) }
    }

    /// Stores what an alarm event means for the centre; returns once it is on disk.
    func alarm(_ event: AlarmEvent) {
        let records = translator.withLock { $0.alarm(event) }
        for r in records { store(r) }
    }

    func telemetry(_ readings: [TelemetryPoint]) {
        let records = translator.withLock { t in t.readings(readings.map { ($0.ref, $0.reading) }) }
        for r in records { store(r) }
    }

    private func store(_ r: GB26875Record) {
        do {
            let message = OutboxMessage(topic: "gb26875/" + r.subject, payload: try r.unit.encoded())
            if r.event {
                try outbox.appendAndWait([message], as: .alarm)
            } else {
                outbox.post([message])
            }
        } catch {
            log.error("\(r.subject) not stored for the centre: \(error)")
        }
    }

    var statusJSON: JSONValue {
        let s = link.status
        let o = outbox.stats
        var j: [String: JSONValue] = [
            "centre": .string(link.settings.endpoint), "connected": .bool(s.connected), "sent": .number(Double(s.sent)),
            "confirmed": .number(Double(s.confirmed)), "denied": .number(Double(s.denied)), "timeouts": .number(Double(s.timeouts)),
            "connects": .number(Double(s.connects)), "heartbeats": .number(Double(s.heartbeats)),
            "answered": .number(Double(s.answered)), "refused": .number(Double(s.refused)),
            "pending": .number(Double(o.depth.values.reduce(0, +))), "dropped": .number(Double(o.dropped.values.reduce(0, +))),
        ]
        if let e = s.lastError { j["lastError"] = .string(e) }
        return .object(j)
    }

    static func mapping(_ c: CentrePointConfig) -> GB26875PointMapping {
        func bits(_ names: [String]) -> GB26875State {
            names.reduce(GB26875State()) { acc, n in
                let table: [String: GB26875State] = ["fire-alarm": .fireAlarm, "fault": .fault, "disabled": .disabled, "supervisory": .supervisory,
                                                     "started": .started, "feedback": .feedback, "delayed": .delayed, "power-fault": .powerFault]
                return acc.union(table[n] ?? [])
            }
        }
        return GB26875PointMapping(point: c.point, device: c.device,
                                   system: GB26875System(type: UInt8(c.systemType), address: UInt8(c.systemAddress)),
                                   component: GB26875ComponentRef(type: UInt8(c.componentType), address: UInt32(c.componentAddress)),
                                   analog: c.analogType.map { (UInt8($0), c.analogScale) }, whenTrue: c.whenTrue.map(bits),
                                   alarms: c.alarms.mapValues(bits))
    }
}

/// The translator keeps state (active alarms per component) used by the engine's thread and, for
/// heartbeats, the link's.
final class LockedTranslator: Sendable {
    private let mutex: Mutex<GB26875Translator>

    init(mappings: [GB26875PointMapping], utcOffsetMinutes: Int, analogInterval: Duration, timeSync: GB26875TimeSync) {
        mutex = Mutex(GB26875Translator(mappings: mappings, utcOffsetMinutes: utcOffsetMinutes, analogInterval: analogInterval,
                                        timeSync: timeSync))
    }

    func withLock<R: Sendable>(_ body: (GB26875Translator) -> R) -> R { mutex.withLock { body($0) } }
}

/// The engine's point table as the link's thread sees it: nothing until the gateway is built.
final class CurrentReadings: Sendable {
    private let source = Mutex<(@Sendable (PointRef) -> Reading?)?>(nil)

    func attach(_ s: @escaping @Sendable (PointRef) -> Reading?) { source.withLock { $0 = s } }

    func reading(_ ref: PointRef) -> Reading? { source.withLock { $0 }?(ref) }
}

/// Hands the centre's outbox records to the link; the tag comes back when the centre confirms.
final class CentreCourier: OutboxCourier {
    let link: GB26875Link
    private let tags = Atomic<Int32>(0)

    init(link: GB26875Link) { self.link = link }

    func deliver(_ record: OutboxRecord) -> OutboxHandoff {
        // The outbox hands over one record at a time; a second may come when it gives telemetry
        // in memory up to its file after `spillAfter` (sent twice rather than lost). More than a
        // few waiting means the link is stuck: the outbox keeps them until it moves.
        guard link.queued < 4 else { return .notNow }
        // Unique among the records in flight (one at a time), so wrapping around is harmless.
        let tag = tags.wrappingAdd(1, ordering: .relaxed).newValue
        link.send(tag: tag, data: record.message.payload)
        return .sent(tag: tag)
    }
}

/// The engine's results to the MQTT outbox (first) and to the centre's.
final class CentreTeeSink: EngineSink {
    let main: any EngineSink
    let centre: CentreUplink

    init(main: any EngineSink, centre: CentreUplink) {
        self.main = main
        self.centre = centre
    }

    func alarm(_ event: AlarmEvent) {
        main.alarm(event)
        centre.alarm(event)
    }

    func telemetry(_ readings: [TelemetryPoint]) {
        main.telemetry(readings)
        centre.telemetry(readings)
    }

    func audit(_ command: GatewayCommand, origin: CommandOrigin, result: Result<JSONValue, FieldRuntime.CommandError>) {
        main.audit(command, origin: origin, result: result)
        centre.command(command, result: result)
    }
}
