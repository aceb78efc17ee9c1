#if canImport(Glibc)
import Glibc
#endif
import FieldApps
import FieldConsole
import FieldCore
import FieldDevices
import FieldRuntime
import FoundationEssentials

/// `fieldgate run`: load, start, supervise, stop.
enum GatewayDaemon {
    /// - Parameters:
    ///   - loadConfiguration: loads and validates the site file (path, state directory).
    ///   - validate: validates an edited site document the same way (the console's config store).
    static func run(sitePath: String, stateDirectory: String, mqtt: String?,
                    loadConfiguration: (String, String) throws(ConfigError) -> GatewayConfiguration,
                    validate: @escaping ConfigStore.Validator) -> Int32 {
        Supervisor.blockSignals()
        let log = Logger("main")
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            writeStandardError("fieldgate: cannot create the state directory \(stateDirectory): \(error)\n")
            return 1
        }
        let configuration: GatewayConfiguration
        do {
            configuration = try loadConfiguration(sitePath, stateDirectory)
        } catch {
            writeStandardError("fieldgate: not starting: the configuration has errors\n\(error.description)\n")
            return 1
        }
        let audit = openAuditLog(configuration.site.storage, stateDirectory: stateDirectory)
        let gateway: Gateway
        do {
            gateway = try Gateway(configuration: configuration, stateDirectory: stateDirectory, factories: BuiltinApps.factories,
                                  sink: LogOnlySink(audit: audit))
        } catch {
            writeStandardError("fieldgate: not starting: \(error)\n")
            return 1
        }
        let restart = RestartFlag()
        gateway.onRestart { restart.request() }
        do {
            try gateway.start()
        } catch {
            writeStandardError("fieldgate: cannot start: \(error)\n")
            gateway.stop()
            return 1
        }
        let store = ConfigStore(configuration: configuration, validate: validate)
        store.attach(gateway)
        let console = startConsole(gateway: gateway, store: store, audit: audit, stateDirectory: stateDirectory, mqtt: mqtt)
        log.notice("fieldgate \(FieldgateVersion.string) running; local API \(stateDirectory)/fieldgate.sock, console \(stateDirectory)/console.sock")
        // A worker is hung when it has not gone round its loop for 20 s (a poll of a silent
        // device ends after one response timeout; every loop turns at least once a second).
        let feeder = WatchdogFeeder(board: configuration.board.watchdog, environment: ProcessInfo.processInfo.environment) {
            gateway.staleWorker(maxAge: 20_000)
        }
        feeder.ready(status: "site \(configuration.site.info.id): \(configuration.site.devices.count) devices")
        let exit = Supervisor.run(restart: restart) { feeder.tick() }
        feeder.stop()
        switch exit {
        case .signal(let s): log.notice("stopping on signal \(s)")
        case .restart: log.notice("restarting on request")
        }
        console?.stop()
        gateway.stop()
        // A restart is an exit the service manager (systemd Restart=always) turns into a new start.
        return exit == .restart ? 75 : 0
    }

    /// The audit trail in the state database (`storage.path`, default `outbox.db`). Without it
    /// the gateway still runs; changes are then only logged.
    private static func openAuditLog(_ storage: StorageConfig, stateDirectory: String) -> AuditLog? {
        let path = storage.path ?? stateDirectory + "/outbox.db"
        do {
            return try AuditLog(path: path)
        } catch {
            Logger("audit").error("cannot open the audit trail in \(path): \(error); changes are only logged")
            return nil
        }
    }

    /// The technician's console on the board's console line and on `console.sock`. A line that
    /// cannot be opened is logged; the gateway runs on without it.
    private static func startConsole(gateway: Gateway, store: ConfigStore, audit: AuditLog?, stateDirectory: String, mqtt: String?) -> ConsoleService? {
        let log = Logger("console")
        let site = gateway.configuration.site
        let backend = GatewayBackend(gateway: gateway, store: store, audit: audit,
                                     uplink: UplinkNotBuilt(url: mqtt ?? site.uplink.map { $0.url.description }))
        let service: ConsoleService
        do {
            service = try ConsoleService(backend: backend, line: .from(board: gateway.configuration.board.console, settings: site.console),
                                         socketPath: stateDirectory + "/console.sock", settings: { store.running.site.console })
        } catch {
            log.error("console not available: \(error)")
            return nil
        }
        do {
            if let path = try service.startLine() { log.notice("console pty \(path): picocom \(path)") }
        } catch {
            log.error("\(error); the console socket still works")
        }
        do {
            try service.startSocket()
        } catch {
            log.error("\(error)")
        }
        return service
    }
}

/// What `status` shows of the uplink while this firmware has none (the MQTT uplink and its
/// outbox are being built, issue 5): the broker the site names, and no messages stored.
struct UplinkNotBuilt: UplinkMonitor {
    var url: String?
    func uplinkStatus() -> UplinkStatus {
        UplinkStatus(state: .disabled, broker: url ?? "(none configured)", lastError: url == nil ? nil : "no uplink in this firmware yet")
    }
    func outboxStatus() -> OutboxStatus { OutboxStatus(pending: 0) }
}

/// Logs alarm events while the gateway has no outbox, and keeps the platform's and the local
/// API's commands in the audit trail (the console audits its own).
final class LogOnlySink: EngineSink {
    private let log = Logger("alarms")
    private let auditLog: AuditLog?

    init(audit: AuditLog?) { auditLog = audit }

    func alarm(_ event: AlarmEvent) { log.notice("\(event.kind.rawValue) \(event.id) [\(event.severity.rawValue)] \(event.message)") }
    func telemetry(_ readings: [(PointRef, Reading)]) {}
    func audit(_ command: GatewayCommand, origin: CommandOrigin, result: Result<JSONValue, CommandError>) {
        guard origin.channel != .console else { return }
        Logger("audit").notice("\(origin.user) (\(origin.channel.rawValue)): \(command) → \(result)")
        let outcome: String = switch result {
        case .success(let v): v.serialized()
        case .failure(let e): "refused: \(e.message)"
        }
        try? auditLog?.record(AuditRecord(time: SystemClock().now(), user: origin.user, channel: origin.channel.rawValue,
                                          action: "command", target: "\(command)", new: outcome))
    }
}
