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
    ///   - healthWindow: how long a configuration the platform pushed has to prove healthy.
    ///   - updateDuringAlarms: start a firmware update even while a lift or fire alarm is active.
    static func run(sitePath: String, stateDirectory: String, mqtt: MQTTURL?, centre endpoint: (host: String, port: Int)? = nil,
                    healthWindow: Duration, updateDuringAlarms: Bool,
                    loadConfiguration: (String, String) throws(ConfigError) -> GatewayConfiguration,
                    validate: @escaping ConfigStore.Validator) -> Int32 {
        Supervisor.blockSignals()
        let log = Logger("main")
        if let problem = StateDirectory.prepare(stateDirectory) {
            writeStandardError("fieldgate: state directory \(stateDirectory): \(problem.message)\n")
            // A file where the directory should be is a broken installation: say so and stop. A
            // directory that cannot be made (read-only or full disk) is not a reason to stop
            // monitoring: the outbox falls back to memory (below) and a gateway alarm says so.
            if problem.isFile { return 1 }
            log.error("state directory \(stateDirectory): \(problem.message)")
        }
        let configuration: GatewayConfiguration
        let trial: ConfigTrialRecord?
        do {
            (configuration, trial) = try loadCountingTrial(sitePath: sitePath, stateDirectory: stateDirectory, load: loadConfiguration)
        } catch {
            writeStandardError("fieldgate: not starting: the configuration has errors\n\(error.description)\n")
            return 1
        }
        let site = configuration.site
        guard let (outbox, storageTrouble) = openOutbox(site.storage, stateDirectory: stateDirectory) else { return 1 }
        let audit = openAuditLog(outbox)
        let settings = UplinkSettings.resolve(site: site.uplink, override: mqtt)
        let identity = UplinkIdentity(site: site, board: configuration.board.id)
        let encoder = settings.map { UplinkEncoder(topics: UplinkTopics(prefix: $0.topicPrefix, gateway: identity.gateway), identity: identity) }
        let sink = OutboxSink(audit: audit, outbox: outbox, encoder: encoder)
        outbox.onIncident { sink.gatewayAlarm($0.kind.rawValue, $0.message) }
        if let storageTrouble { sink.gatewayAlarm("storage-unavailable", storageTrouble) }
        let centre = CentreUplink.start(site: site, endpoint: endpoint, stateDirectory: stateDirectory) { sink.gatewayAlarm($0, $1) }
        let restored = restoreAlarms(outbox)
        centre?.restore(active: restored)
        let gateway: Gateway
        do {
            gateway = try Gateway(configuration: configuration, stateDirectory: stateDirectory, factories: BuiltinApps.factories,
                                  sink: centre.map { CentreTeeSink(main: sink, centre: $0) } ?? sink, restoredAlarms: restored)
        } catch {
            writeStandardError("fieldgate: not starting: \(error)\n")
            return 1
        }
        let points = gateway.engine.points
        centre?.readCurrentValues { points.reading($0) }
        let configuredUplink = addUplink(to: gateway, settings: settings, outbox: outbox, sink: sink)
        let restart = RestartFlag()
        gateway.onRestart { restart.request() }
        do {
            try gateway.start()
        } catch {
            writeStandardError("fieldgate: not starting: \(error)\n")
            gateway.stop()
            return 1
        }
        let uplink = configuredUplink.flatMap { gateway.workers.isRunning($0) ? $0 : nil }
        let monitor = RuntimeUplinkMonitor(uplink: uplink, outbox: outbox,
                                           configured: (mqtt ?? site.uplink?.url).map(\.description))
        gateway.setStatusProvider {
            var status = monitor.json
            if let centre { status["gb26875"] = centre.statusJSON }
            return status
        }
        let store = ConfigStore(configuration: configuration, validate: validate)
        store.attach(gateway)
        let remote = RemoteConfigService(store: store, files: ConfigTrialFiles(stateDirectory: stateDirectory), audit: audit, trial: trial,
                                         window: healthWindow) { restart.request() }
        do {
            try remote.start()
            uplink?.add(remote)
        } catch {
            log.error("remote configuration not available: \(error)")
        }
        var firmwareSettings = FirmwareService.Settings()
        firmwareSettings.window = healthWindow
        let firmware = FirmwareService(stateDirectory: stateDirectory, settings: firmwareSettings, environment: ProcessInfo.processInfo.environment,
                                       blockers: { updateDuringAlarms ? [] : updateBlockers(gateway: gateway) }) { restart.request() }
        do {
            try firmware.start()
            uplink?.add(firmware)
        } catch {
            log.error("firmware updates not available: \(error)")
        }
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
            remote.tick { unmetHealth(gateway: gateway, uplink: uplink, uplinkConfigured: settings != nil) }
            firmware.tick { unmetHealth(gateway: gateway, uplink: uplink, uplinkConfigured: settings != nil) }
            ticks += 1
            if ticks % 60 == 0 { uplink?.publish(health: gateway.health(now: SystemClock().now())) }
        }
        feeder.stop()
        switch exit {
        case .signal(let s): log.notice("stopping on signal \(s)")
        case .restart: log.notice("restarting on request")
        }
        console?.stop()
        remote.stop()
        firmware.stop()
        // The gateway's workers in the reverse order of their start, the uplink last.
        gateway.stop()
        centre?.stop()
        outbox.close()
        // A restart is an exit the service manager (systemd Restart=always) turns into a new start.
        return exit == .restart ? 75 : 0
    }

    /// The outbox in the state directory. When the file cannot be opened at all (the directory is
    /// missing or read-only, an I/O error), an outbox in memory, so alarms are kept (in memory and
    /// in the log) and sent while the gateway runs; the reason, for a gateway alarm. A damaged
    /// file is not such a case: the outbox replaces it itself. Nil only when not even memory works.
    private static func openOutbox(_ storage: StorageConfig, stateDirectory: String) -> (Outbox, String?)? {
        do {
            return (try Outbox(storage: storage, stateDirectory: stateDirectory), nil)
        } catch {
            let problem = "cannot open the outbox: \(error); alarms and readings are kept in memory and in the log until the gateway restarts with the disk back"
            Logger("outbox").error(problem)
            do {
                return (try Outbox(path: ":memory:", maxBytes: storage.maxBytes), problem)
            } catch {
                writeStandardError("fieldgate: not starting: cannot open the outbox, not even in memory: \(error)\n")
                return nil
            }
        }
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

    /// The alarms the platform had active when the gateway last stopped (however it stopped).
    /// Without the table the gateway still runs; an alarm that ended meanwhile then stays raised
    /// at the platform until it is raised and cleared again, so say so.
    private static func restoreAlarms(_ outbox: Outbox) -> [AlarmRecord] {
        do {
            let (alarms, problems) = try AlarmStateStore(database: outbox.database).load()
            for p in problems { Logger("alarms").warning(p) }
            if !alarms.isEmpty {
                Logger("alarms").notice("\(alarms.count) alarms were active before the restart: \(alarms.map(\.id.rawValue).joined(separator: ", "))")
            }
            return alarms
        } catch {
            Logger("alarms").error("cannot read or keep the platform's alarm state (\(error)); alarms that end while the gateway is down will not be cleared at the platform")
            return []
        }
    }

    /// Connects to the platform when the site or `--mqtt` names a broker: the uplink becomes the
    /// gateway's first worker (started first, stopped last, so a stopping engine's last alarms
    /// still go out). An uplink that cannot be made or started (an unreadable TLS file, a topic
    /// libmosquitto refuses) is logged and raised as a gateway alarm: the gateway runs on,
    /// storing for later.
    private static func addUplink(to gateway: Gateway, settings: UplinkSettings?, outbox: Outbox, sink: OutboxSink) -> Uplink? {
        let site = gateway.configuration.site
        guard let settings else {
            Logger("uplink").notice("no uplink configured: readings and alarms stay on the gateway")
            return nil
        }
        @Sendable func unavailable(_ error: any Error) {
            Logger("uplink").error("cannot start the uplink to \(settings.url): \(error)")
            sink.gatewayAlarm("uplink-unavailable", "the uplink to \(settings.url) cannot start: \(error); records wait in the outbox")
        }
        do {
            let uplink = try Uplink(settings: settings, identity: UplinkIdentity(site: site, board: gateway.configuration.board.id), devices: site.devices.map(UplinkDevice.init),
                                    outbox: outbox, commands: UplinkCommandHandler { command, origin, reply in
                                        gateway.execute(command, origin: origin, reply: reply)
                                    })
            sink.attach(uplink, points: gateway.engine.points)
            gateway.workers.prepend([.optional(uplink) { error in unavailable(error) }])
            return uplink
        } catch {
            unavailable(error)
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
                                         socketPath: stateDirectory + "/console.sock", settings: { store.running.site.console },
                                         loginFailures: stateDirectory + "/login-failures.json")
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
