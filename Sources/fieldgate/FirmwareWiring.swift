import FieldCore
import FieldRuntime

/// The daemon's part of firmware updates (docs/install.md, "Firmware updates").
extension GatewayDaemon {
    /// Families whose active alarms hold an update back: a restart must not blind a lift's
    /// trapped-passenger watch or a fire-water alarm.
    static let familiesHoldingUpdates: Set<String> = ["elevator", "fire-water", "electrical-fire"]

    /// The active alarms that forbid starting an update now.
    static func updateBlockers(gateway: Gateway) -> [String] {
        gateway.engine.alarms.filter { record in
            guard record.active, let family = gateway.configuration.site.device(record.id.device)?.profile.family.rawValue else { return false }
            return familiesHoldingUpdates.contains(family)
        }.map { "alarm \($0.id.rawValue) is active" }
    }
}
