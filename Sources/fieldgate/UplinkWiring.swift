import FieldConsole
import FieldCore
import FieldDevices
import FieldRuntime
import Synchronization

/// The engine's results on their way out: alarm events durable in the outbox before the engine
/// goes on, telemetry batched into it, and the platform's and local API's commands in the audit
/// trail (the console audits its own). The outbox takes them whether or not the uplink could
/// start: an uplink that cannot start is a gateway alarm, and the records wait for it.
final class OutboxSink: EngineSink {
    private let uplink = Mutex<(uplink: Uplink, points: PointTable)?>(nil)
    /// Points whose unit has been considered for the attributes.
    private let announced = Mutex<Set<PointRef>>([])
    private let auditLog: AuditLog?
    /// The outbox and the encoder of the configured uplink; nil without an uplink configured
    /// (nothing is stored for a platform there is none of).
    private let store: (outbox: Outbox, encoder: UplinkEncoder)?
    private let log = Logger("alarms")

    init(audit: AuditLog?, outbox: Outbox, encoder: UplinkEncoder?) {
        auditLog = audit
        store = encoder.map { (outbox, $0) }
    }

    /// Connects the sink to the uplink once it exists (it needs the gateway for its commands),
    /// and to the point table the units of derived values come from.
    func attach(_ u: Uplink, points: PointTable) { uplink.withLock { $0 = (u, points) } }

    func alarm(_ event: AlarmEvent) {
        log.notice("\(event.kind.rawValue) \(event.id) [\(event.severity.rawValue)] \(event.message)")
        guard let (outbox, encoder) = store else { return }
        do throws(OutboxError) {
            try outbox.appendAndWait(encoder.alarm(event), as: .alarm)
        } catch {
            // The outbox could not keep it: the event is in the log above; say loudly why.
            log.error("alarm \(event.id) \(event.kind.rawValue) not stored for the platform: \(error)")
        }
    }

    /// Raises an alarm of the gateway itself (`gateway/<type>`: the outbox recovered from a
    /// damaged file, the uplink cannot start). Never waits: callable from the outbox's thread.
    func gatewayAlarm(_ type: String, _ message: String) {
        let event = AlarmEvent(kind: .raise, id: AlarmID(device: "gateway", type: type), severity: .major,
                               time: SystemClock().now(), value: nil, message: message)
        log.notice("\(event.kind.rawValue) \(event.id) [\(event.severity.rawValue)] \(event.message)")
        guard let (outbox, encoder) = store else { return }
        outbox.post(encoder.alarm(event), as: .alarm, durable: true)
    }

    func telemetry(_ readings: [TelemetryPoint]) {
        guard let (u, points) = uplink.withLock({ $0 }) else {
            // No uplink running: the readings wait in the outbox like the alarms.
            if let (outbox, encoder) = store, let m = encoder.telemetry(TelemetrySample.samples(readings)) { outbox.post([m]) }
            return
        }
        announceUnits(of: readings, from: points, to: u)
        u.publish(telemetry: TelemetrySample.samples(readings))
    }

    /// Derived values (a lamp's kWh today, a rolling average) get their points when an app first
    /// derives them, after the attributes went out with the profiles' units: each one's unit is
    /// added to its device's attributes the first time the value is sent, so the platform never
    /// gets a value whose unit it was not told (docs/uplink.md: units are in the attributes).
    private func announceUnits(of readings: [TelemetryPoint], from points: PointTable, to u: Uplink) {
        let fresh = announced.withLock { seen in readings.map(\.ref).filter { seen.insert($0).inserted } }
        var units: [String: [String: JSONValue]] = [:]
        for ref in fresh {
            guard let info = points.point(ref)?.info, info.source == .derived, !info.unit.isEmpty else { continue }
            units[ref.device, default: [:]]["unit.\(ref.point)"] = .string(info.unit)
        }
        for (device, attributes) in units.sorted(by: { $0.key < $1.key }) { u.updateAttributes(device: device, attributes) }
    }

    func audit(_ command: GatewayCommand, origin: CommandOrigin, result: Result<JSONValue, FieldRuntime.CommandError>) {
        guard origin.channel != .console else { return }
        let outcome: String = switch result {
        case .success(let v): v.serialized()
        case .failure(let e): "refused: \(e.message)"
        }
        Logger("audit").notice("\(origin.user) (\(origin.channel.rawValue)): \(command) → \(outcome)")
        do {
            try auditLog?.record(AuditRecord(time: SystemClock().now(), user: origin.user, channel: origin.channel.rawValue,
                                             action: "command", target: "\(command)", new: outcome))
        } catch {
            Logger("audit").error("cannot store the audit entry: \(error)")
        }
    }
}

/// What the console's `status` and the local API show of the uplink and the outbox.
struct RuntimeUplinkMonitor: UplinkMonitor {
    var uplink: Uplink?
    var outbox: Outbox?
    /// The broker named on the command line or in the site file, shown while there is no uplink.
    var configured: String?

    func uplinkStatus() -> FieldConsole.UplinkStatus {
        guard let uplink else {
            return FieldConsole.UplinkStatus(state: .disabled, broker: configured ?? "(none configured)",
                                             lastError: configured == nil ? nil : "the uplink could not be started (see the log)")
        }
        let s = uplink.status
        return FieldConsole.UplinkStatus(state: s.connected ? .connected : .connecting, broker: s.broker, since: s.since,
                                         lastError: s.lastError)
    }

    func outboxStatus() -> OutboxStatus {
        guard let stats = outbox?.stats else { return OutboxStatus(pending: 0) }
        return OutboxStatus(pending: stats.depth.values.reduce(0, +))
    }

    /// The same, for the local API's `status`.
    var json: [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        if let uplink {
            let s = uplink.status
            var u: [String: JSONValue] = ["broker": .string(s.broker), "connected": .bool(s.connected), "reconnects": .number(Double(s.reconnects))]
            if let e = s.lastError { u["lastError"] = .string(e) }
            o["uplink"] = .object(u)
        } else {
            o["uplink"] = ["broker": configured.map { .string($0) } ?? .null, "connected": false]
        }
        if let stats = outbox?.stats {
            o["outbox"] = [
                "pending": .number(Double(stats.depth.values.reduce(0, +))),
                "bytes": .number(Double(stats.bytes)), "maxBytes": .number(Double(stats.maxBytes)),
                "dropped": .number(Double(stats.dropped.values.reduce(0, +))), "inFlight": .number(Double(stats.inFlight)),
                "memory": .number(Double(stats.memory)), "diskFull": .bool(stats.diskFull),
            ]
        }
        return o
    }
}

extension Gateway {
    /// Gateway health for the platform: per-bus utilisation and errors, per-device state.
    func health(now: Timestamp) -> GatewayHealth {
        let online = engine.online
        let stats = buses.values.map(\.statistics)
        let devices = stats.flatMap { bus in
            bus.devices.map { id, d in DeviceHealth(id: id, online: online[id] ?? d.online, errors: d.failures) }
        }.sorted { $0.id < $1.id }
        return GatewayHealth(time: now, uptime: now - startedAt,
                             buses: stats.map { b in
                                 BusHealth(name: b.name, utilisation: b.utilisation, transactions: b.devices.values.reduce(0) { $0 + $1.requests },
                                           errors: b.devices.values.reduce(0) { $0 + $1.failures })
                             }.sorted { $0.name < $1.name },
                             devices: devices)
    }
}
