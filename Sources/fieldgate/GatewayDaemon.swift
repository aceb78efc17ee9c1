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
    static func run(sitePath: String, stateDirectory: String, mqtt: MQTTURL?,
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
        let site = configuration.site
        let outbox: Outbox
        do {
            outbox = try Outbox(storage: site.storage, stateDirectory: stateDirectory)
        } catch {
            writeStandardError("fieldgate: not starting: cannot open the outbox: \(error)\n")
            return 1
        }
        let audit = openAuditLog(outbox)
        let sink = OutboxSink(audit: audit)
        let gateway: Gateway
        do {
            gateway = try Gateway(configuration: configuration, stateDirectory: stateDirectory, factories: BuiltinApps.factories,
                                  sink: sink)
        } catch {
            writeStandardError("fieldgate: not starting: \(error)\n")
            return 1
        }
        let uplink = startUplink(gateway: gateway, outbox: outbox, sink: sink, override: mqtt)
        let monitor = RuntimeUplinkMonitor(uplink: uplink, outbox: outbox,
                                           configured: (mqtt ?? site.uplink?.url).map(\.description))
        gateway.setStatusProvider { monitor.json }
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
        let console = startConsole(gateway: gateway, store: store, audit: audit, stateDirectory: stateDirectory, monitor: monitor)
        log.notice("fieldgate \(FieldgateVersion.string) running; local API \(stateDirectory)/fieldgate.sock, console \(stateDirectory)/console.sock")
        // A worker is hung when it has not gone round its loop for 20 s (a poll of a silent
        // device ends after one response timeout; every loop turns at least once a second).
        let feeder = WatchdogFeeder(board: configuration.board.watchdog, environment: ProcessInfo.processInfo.environment) {
            gateway.staleWorker(maxAge: 20_000)
        }
        feeder.ready(status: "site \(configuration.site.info.id): \(configuration.site.devices.count) device\(configuration.site.devices.count == 1 ? "" : "s")")
        var ticks = 0
        let exit = Supervisor.run(restart: restart) {
            feeder.tick()
            ticks += 1
            if ticks % 60 == 0 { uplink?.publish(health: gateway.health(now: SystemClock().now())) }
        }
        feeder.stop()
        switch exit {
        case .signal(let s): log.notice("stopping on signal \(s)")
        case .restart: log.notice("restarting on request")
        }
        console?.stop()
        gateway.stop()
        uplink?.stop()
        outbox.close()
        // A restart is an exit the service manager (systemd Restart=always) turns into a new start.
        return exit == .restart ? 75 : 0
    }

    /// The audit trail in the state database, written by the outbox's writer thread (one writer
    /// per file). Without it the gateway still runs; changes are then only logged.
    private static func openAuditLog(_ outbox: Outbox) -> AuditLog? {
        do {
            return try AuditLog(database: outbox.database)
        } catch {
            Logger("audit").error("cannot open the audit trail: \(error); changes are only logged")
            return nil
        }
    }

    /// Connects to the platform when the site or `--mqtt` names a broker. An uplink that cannot
    /// start (an unreadable TLS file) is logged: the gateway runs on, storing for later.
    private static func startUplink(gateway: Gateway, outbox: Outbox, sink: OutboxSink, override: MQTTURL?) -> Uplink? {
        let site = gateway.configuration.site
        guard let settings = UplinkSettings.resolve(site: site.uplink, override: override) else {
            Logger("uplink").notice("no uplink configured: readings and alarms stay on the gateway")
            return nil
        }
        do {
            let uplink = try Uplink(settings: settings, identity: UplinkIdentity(site: site), devices: site.devices.map(UplinkDevice.init),
                                    outbox: outbox, commands: UplinkCommandHandler { command, origin, reply in
                                        gateway.execute(command, origin: origin, reply: reply)
                                    })
            sink.attach(uplink, points: gateway.engine.points)
            try uplink.start()
            return uplink
        } catch {
            Logger("uplink").error("cannot start the uplink to \(settings.url): \(error)")
            return nil
        }
    }

    /// The technician's console on the board's console line and on `console.sock`. A line that
    /// cannot be opened is logged; the gateway runs on without it.
    private static func startConsole(gateway: Gateway, store: ConfigStore, audit: AuditLog?, stateDirectory: String,
                                     monitor: RuntimeUplinkMonitor) -> ConsoleService? {
        let log = Logger("console")
        let site = gateway.configuration.site
        let backend = GatewayBackend(gateway: gateway, store: store, audit: audit, uplink: monitor)
        let service: ConsoleService
        do {
            service = try ConsoleService(backend: backend, line: .from(board: gateway.configuration.board.console, settings: site.console),
                                         socketPath: stateDirectory + "/console.sock", settings: { store.running.site.console })
        } catch {
            log.error("console not available: \(error)")
            return nil
        }
        do {
            _ = try service.startLine()
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
