import FieldCore
import FieldEngine
import FieldStore
import Synchronization

/// The engine's results on their way out: alarm events durable in the outbox before the engine
/// goes on, telemetry batched into it, and the platform's and local API's commands in the audit
/// trail (the console audits its own). The outbox takes them whether or not the uplink could
/// start: an uplink that cannot start is a gateway alarm, and the records wait for it.
///
/// Without an uplink configured (no encoder) nothing is stored for a platform there is none of:
/// an alarm is then only in the log, and `alarm` returns once it is written there.
package final class OutboxSink: EngineSink {
    private let uplink = Mutex<(uplink: Uplink, points: PointTable)?>(nil)
    /// Points whose unit has been considered for the attributes.
    private let announced = Mutex<Set<PointRef>>([])
    private let auditLog: AuditLog?
    /// The outbox and the encoder of the configured uplink; nil without an uplink configured.
    private let store: (outbox: Outbox, encoder: UplinkEncoder)?
    private let clock: any FieldClock
    private let log = Logger("alarms")

    /// - Parameters:
    ///   - encoder: the configured uplink's encoder; nil when no uplink is configured.
    package init(audit: AuditLog?, outbox: Outbox, encoder: UplinkEncoder?, clock: any FieldClock = SystemClock()) {
        auditLog = audit
        store = encoder.map { (outbox, $0) }
        self.clock = clock
    }

    /// Connects the sink to the uplink once it exists (it needs the gateway for its commands),
    /// and to the point table the units of derived values come from.
    package func attach(_ u: Uplink, points: PointTable) { uplink.withLock { $0 = (u, points) } }

    /// Stores the event and its telemetry mirror in the outbox and returns once they are
    /// committed with an fsync, or held in memory while the file cannot take them (the outbox's
    /// notes); with no uplink configured, once it is in the log.
    package func alarm(_ event: AlarmEvent) {
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
    package func gatewayAlarm(_ type: String, _ message: String) {
        let event = AlarmEvent(kind: .raise, id: AlarmID(device: "gateway", type: type), severity: .major,
                               time: clock.now(), value: nil, message: message)
        log.notice("\(event.kind.rawValue) \(event.id) [\(event.severity.rawValue)] \(event.message)")
        guard let (outbox, encoder) = store else { return }
        outbox.post(encoder.alarm(event), as: .alarm, durable: true)
    }

    package func telemetry(_ readings: [TelemetryPoint]) {
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

    package func audit(_ command: GatewayCommand, origin: CommandOrigin, result: Result<JSONValue, CommandError>) {
        guard origin.channel != .console else { return }
        let outcome: String = switch result {
        case .success(let v): v.serialized()
        case .failure(let e): "refused: \(e.message)"
        }
        Logger("audit").notice("\(origin.user) (\(origin.channel.rawValue)): \(command) → \(outcome)")
        do {
            try auditLog?.record(AuditRecord(time: clock.now(), user: origin.user, channel: origin.channel.rawValue,
                                             action: "command", target: "\(command)", new: outcome))
        } catch {
            Logger("audit").error("cannot store the audit entry: \(error)")
        }
    }
}
