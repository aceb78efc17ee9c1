import FieldCore
import FieldDevices

/// The console's live config changes reach the running workers here (`ConfigStore.attach`).
extension Gateway: LiveConfigTarget {
    package func readdress(device: String, unit: Int) -> Bool {
        guard let bus = configuration.site.device(device)?.bus, let worker = buses[bus], let u = UInt8(exactly: unit) else { return false }
        return worker.readdress(device: device, unit: u)
    }

    package func reconfigure(device: DeviceConfig, index: Int, site: SiteDetails) {
        engine.post(.reconfigure(device, index: index, site: site))
    }
}
