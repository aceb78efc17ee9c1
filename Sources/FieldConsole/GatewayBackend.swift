import FieldCore
import FieldSystem
import FieldDevices
import FieldRuntime
import Synchronization

/// The console's view of the running gateway (`ConsoleBackend`): everything goes through the
/// gateway's own parts, never a second path to the hardware. Raw Modbus reads and writes,
/// profile commands, lamps, maintenance windows, alarm acknowledgements and restarts are
/// `GatewayCommand`s through the engine, answered after they took effect (`execute`, the
/// platform's path); scans are `BusJob`s on the bus's worker, between polls; outputs go through
/// the GPIO worker; config edits through the `ConfigStore`; audit entries into the `AuditLog`.
///
/// Every method runs on the calling console session's thread and may block it while the bus
/// worker or the engine does the work (never longer than `patience`).
package final class GatewayBackend: ConsoleBackend {
    package let gateway: Gateway
    package let store: ConfigStore
    package let audit: AuditLog?
    let uplink: any UplinkMonitor
    let clock: any FieldClock
    /// The longest wait for a bus worker or the engine to answer one request.
    let patience: Duration
    let log = Logger("console")
    /// Maintenance windows opened from the console, by scope (`""`: the whole site).
    let windows = Mutex<[String: MaintenanceWindow]>([:])
    /// When outputs set with `gpio set --for` go back, by line.
    let reverts = Mutex<[String: Timestamp]>([:])
    /// Who set the clock by hand since start, and when.
    let manualClock = Mutex<(user: String, at: Timestamp)?>(nil)

    /// - Parameters:
    ///   - audit: where audit entries go; nil keeps them in the log only (the store did not open).
    ///   - uplink: the uplink's and the outbox's state for `status`.
    package init(gateway: Gateway, store: ConfigStore, audit: AuditLog?, uplink: any UplinkMonitor,
                clock: any FieldClock = SystemClock(), patience: Duration = .seconds(30)) {
        (self.gateway, self.store, self.audit, self.uplink) = (gateway, store, audit, uplink)
        (self.clock, self.patience) = (clock, patience)
    }

    var site: Site { store.running.site }
    /// The configuration the workers were built from.
    var started: GatewayConfiguration { gateway.configuration }

    // MARK: Users

    package func consoleUsers() -> [ConsoleUser] {
        site.console.users
    }

    package func setPasswordHash(user: String, hash: String, by actor: String) throws(BackendError) -> ConfigChange {
        guard let i = site.console.users.firstIndex(where: { $0.name == user }) else {
            throw .notFound(kind: "console user", name: user, suggestions: [])
        }
        return try configSet("console.users[\(i)].hash", to: .string(hash), by: actor)
    }


    /// The origin of a command a console user gives the engine (the role from the site config).
    func origin(_ actor: String) -> CommandOrigin {
        let role = site.console.users.first { $0.name == actor }?.role ?? .viewer
        return CommandOrigin(user: actor, role: role, channel: .console)
    }

    // MARK: Audit

    package func recordAudit(_ entry: AuditEntry) {
        log.info("audit: \(entry.user) (\(entry.channel)) \(entry.action) \(entry.target)" + (entry.old == nil && entry.new == nil ? "" : ": \(entry.old ?? "-") -> \(entry.new ?? "-")"))
        guard let audit else { return }
        do {
            try audit.record(entry)
        } catch {
            log.error("audit entry not stored: \(error)")
        }
    }

    package func auditLog(limit: Int) -> [AuditEntry] {
        guard let audit else { return [] }
        do {
            return try audit.recent(limit: limit)
        } catch {
            log.error("audit trail not readable: \(error)")
            return []
        }
    }

    // MARK: Waiting for workers

    /// Runs `submit` (which hands work to a worker and calls `done` from there) and waits for the
    /// answer on this thread.
    func wait<T: Sendable>(_ what: String, _ submit: (@escaping @Sendable (T) -> Void) -> Bool) throws(BackendError) -> T {
        let answer = BlockingQueue<T>()
        guard submit({ answer.push($0) }) else { throw .unavailable("\(what): the worker is stopping") }
        guard let result = answer.pop(until: monotonicMilliseconds() + patience.milliseconds) else {
            throw .unavailable("\(what): no answer within \(formatDuration(patience))")
        }
        return result
    }

    package func execute(_ command: GatewayCommand, by actor: String) throws(BackendError) -> JSONValue {
        switch command {
        case .readRegisters(let bus, _, _, _, _), .writeRegisters(let bus, _, _, _, _, _):
            _ = try worker(bus)  // a board port typed for a bus gets its hint
        default:
            break
        }
        let answer = try self.command(command, by: actor, "\(command)")
        log.notice("\(actor): \(command) from the console")
        return answer
    }

    /// Runs a command through the engine and waits for its result.
    func command(_ command: GatewayCommand, by actor: String, _ what: String) throws(BackendError) -> JSONValue {
        let result: Result<JSONValue, FieldRuntime.CommandError> = try wait(what) { done in
            gateway.execute(command, origin: origin(actor), reply: done)
            return true
        }
        switch result {
        case .success(let v): return v
        case .failure(let e): throw BackendError(e)
        }
    }

    /// A bus's worker, or `.notFound` with the buses there are.
    func worker(_ bus: String) throws(BackendError) -> BusWorker {
        guard let w = gateway.buses[bus] else {
            // A board port typed for a bus (rs485-2) is the common slip: name the bus on it.
            let onPort = started.site.buses.first { if case .rtu(let l) = $0.link { l.port == bus } else { false } }
            let names = gateway.buses.keys.sorted()
            let hint = onPort.map { "; \(bus) is a board port, the bus on it is \($0.name)" } ?? ""
            throw .rejected("no bus \"\(bus)\" (this site's buses: \(names.isEmpty ? "none" : names.joined(separator: ", "))\(hint))")
        }
        return w
    }
}

extension BackendError {
    init(_ e: FieldRuntime.CommandError) {
        switch e.code {
        case .notFound, .invalidArgument, .forbidden: self = .rejected(e.message)
        case .deviceError: self = .deviceError(e.message)
        case .unavailable: self = .unavailable(e.message)
        }
    }

    init(_ e: ConfigStoreError) {
        switch e {
        case .badKey, .noFactoryFile, .io, .conflict, .forbidden: self = .rejected(e.description)
        case .notFound(let key, let suggestions): self = .notFound(kind: "config key", name: key, suggestions: suggestions)
        case .invalid(let issues): self = .invalid(issues)
        }
    }
}

/// Names close to `name` (a typo), closest first.
func closest(_ name: String, among names: [String]) -> [String] {
    names.map { ($0, editDistance($0.lowercased(), name.lowercased())) }
        .filter { $0.1 <= max(2, name.count / 3) || $0.0.hasPrefix(name) }
        .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        .map(\.0)
}
