import FieldCore
import FieldRuntime

/// The daemon's part of remote configuration (docs/uplink.md, "Remote configuration"): the
/// trial counted before the site file is read, and what "healthy" means for it.
extension GatewayDaemon {
    /// Loads the site file; when a pushed configuration on trial does not load (a board file it
    /// names is gone), puts the previous one back and loads that.
    static func loadCountingTrial(sitePath: String, stateDirectory: String,
                                  load: (String, String) throws(ConfigError) -> GatewayConfiguration) throws(ConfigError) -> (GatewayConfiguration, ConfigTrialRecord?) {
        let files = ConfigTrialFiles(stateDirectory: stateDirectory)
        let trial = ConfigTrialStartup.begin(files: files, sitePath: sitePath)
        do {
            return (try load(sitePath, stateDirectory), trial)
        } catch {
            guard trial != nil, ConfigTrialStartup.rollBack(files: files, sitePath: sitePath, reason: "the new configuration did not load: \(error.description)") else {
                throw error
            }
            return (try load(sitePath, stateDirectory), nil)
        }
    }

    /// What keeps the gateway from being healthy: the uplink (when one is configured) is not
    /// connected, or a bus has had no answer from any of its devices since the start.
    static func unmetHealth(gateway: Gateway, uplink: Uplink?, uplinkConfigured: Bool) -> [String] {
        var unmet: [String] = []
        if uplinkConfigured {
            if let uplink {
                if !uplink.status.connected { unmet.append("the uplink to \(uplink.settings.url) is not connected" + (uplink.status.lastError.map { " (\($0))" } ?? "")) }
            } else {
                unmet.append("the uplink could not start")
            }
        }
        for (name, worker) in gateway.buses.sorted(by: { $0.key < $1.key }) {
            let devices = worker.statistics.devices
            if !devices.isEmpty, !devices.values.contains(where: { $0.answered > 0 }) {
                unmet.append("no device on bus \(name) has answered")
            }
        }
        return unmet
    }
}
