import FieldCore
import FieldDevices

/// What can change while the gateway runs, and how.
///
/// Live: a device's `address` (its bus worker polls the new unit from the next poll), its
/// `name`, `settings` and `alarms` (its app and generic alarm rules are rebuilt), the site's
/// `name`, and the console's `users`, `terminal` and `idleLogout` (read at every login and
/// session). Everything else is built when the gateway starts (buses, read plans, GPIO lines,
/// profiles, the outbox, the uplink, the apps' place and time zone) and needs a restart.
extension ConfigStore {
    /// Keys of a device that can change live.
    static let liveDeviceKeys: Set<String> = ["address", "name", "settings", "alarms"]

    func effect(of key: ConfigKey, to next: GatewayConfiguration) -> ConfigEffect {
        let c = key.components
        // Back to what the gateway was started with: nothing to restart for.
        if next.document.value(at: c) == started.document.value(at: c), !isLiveArea(c) { return .immediate }
        switch (c.first, c.dropFirst().first) {
        case (.key("site"), .key("name")?):
            return .immediate
        case (.key("console"), .key("users")?), (.key("console"), .key("terminal")?), (.key("console"), .key("idleLogout")?):
            return .immediate
        case (.key("console"), _):
            return .restartNeeded("the console port is opened at start")
        case (.key("site"), _):
            return .restartNeeded("the apps take the site's place and time zone at start")
        case (.key("buses"), _):
            return .restartNeeded("buses are opened at start")
        case (.key("profiles"), _):
            return .restartNeeded("profiles are read at start")
        case (.key("storage"), _):
            return .restartNeeded("the outbox is opened at start")
        case (.key("uplink"), _):
            return .restartNeeded("the uplink connects at start")
        case (.key("board"), _):
            return .restartNeeded("the board's lines and ports are opened at start")
        case (.key("devices"), .index(let i)?):
            guard c.count >= 3, case .key(let field) = c[2], ConfigStore.liveDeviceKeys.contains(field) else {
                return .restartNeeded("devices are set up on their buses and lines at start")
            }
            if let why = whyNotLive(device: i, in: next, field: field) { return .restartNeeded(why) }
            return target.withLock { $0 } == nil ? .restartNeeded("no running gateway to apply it to") : .immediate
        default:
            return .restartNeeded("it is read at start")
        }
    }

    private func isLiveArea(_ c: [JSONPath.Component]) -> Bool {
        guard case .key("devices")? = c.first, c.count >= 3, case .key(let field) = c[2] else { return false }
        return ConfigStore.liveDeviceKeys.contains(field)
    }

    /// Why device `i` of `next` cannot take a change of `field` live, or nil when it can.
    func whyNotLive(device i: Int, in next: GatewayConfiguration, field: String) -> String? {
        let name = "devices[\(i)]"
        guard i < next.site.devices.count, i < started.site.devices.count else { return "\(name) is not running yet" }
        let new = next.site.devices[i], old = started.site.devices[i]
        guard new.id == old.id, fixedPart(of: next.document, device: i) == fixedPart(of: started.document, device: i) else {
            return "\(name) has other changes that need a restart"
        }
        guard new.enabled else { return "\(name) is disabled" }
        if field == "address" {
            guard new.profile.usesModbus, new.bus != nil else { return "\(name) is not polled over Modbus" }
        }
        return nil
    }

    /// A device's entry without the keys that can change live.
    private func fixedPart(of document: JSONValue, device i: Int) -> JSONValue? {
        guard case .object(var o)? = document.value(at: [.key("devices"), .index(i)]) else { return nil }
        for k in ConfigStore.liveDeviceKeys { o[k] = nil }
        return .object(o)
    }

    /// Makes the running gateway follow `next` where it can: new unit addresses, rebuilt apps.
    func applyLive(from current: GatewayConfiguration, to next: GatewayConfiguration) {
        guard let target = target.withLock({ $0 }) else { return }
        for (i, d) in next.site.devices.enumerated() where i < current.site.devices.count {
            let before = current.site.devices[i]
            if d.address != before.address, let unit = d.address, whyNotLive(device: i, in: next, field: "address") == nil {
                _ = target.readdress(device: d.id, unit: unit)
            }
            let appPart = { (doc: JSONValue) in ["name", "settings", "alarms"].map { doc.value(at: [.key("devices"), .index(i), .key($0)]) } }
            if appPart(next.document) != appPart(current.document), whyNotLive(device: i, in: next, field: "settings") == nil {
                target.reconfigure(device: d, index: i, site: next.site.info)
                log.notice("\(d.id): app and alarm rules rebuilt with the new settings")
            }
        }
    }
}
