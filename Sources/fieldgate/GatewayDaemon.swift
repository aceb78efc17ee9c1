#if canImport(Glibc)
import Glibc
#endif
import FieldApps
import FieldCore
import FieldRuntime
import FoundationEssentials

/// `fieldgate run`: load, start, supervise, stop.
enum GatewayDaemon {
    static func run(sitePath: String, stateDirectory: String, mqtt: String?,
                    loadConfiguration: (String, String) throws(ConfigError) -> GatewayConfiguration) -> Int32 {
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
        let gateway: Gateway
        do {
            gateway = try Gateway(configuration: configuration, stateDirectory: stateDirectory, factories: BuiltinApps.factories,
                                  sink: LogOnlySink())
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
        log.notice("fieldgate \(FieldgateVersion.string) running; local API \(stateDirectory)/fieldgate.sock")
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
        gateway.stop()
        // A restart is an exit the service manager (systemd Restart=always) turns into a new start.
        return exit == .restart ? 75 : 0
    }
}

/// Logs alarm events and audit entries while the gateway has no outbox.
final class LogOnlySink: EngineSink {
    private let log = Logger("alarms")
    func alarm(_ event: AlarmEvent) { log.notice("\(event.kind.rawValue) \(event.id) [\(event.severity.rawValue)] \(event.message)") }
    func telemetry(_ readings: [(PointRef, Reading)]) {}
    func audit(_ command: GatewayCommand, origin: CommandOrigin, result: Result<JSONValue, CommandError>) {
        Logger("audit").notice("\(origin.user) (\(origin.channel.rawValue)): \(command) → \(result)")
    }
}
