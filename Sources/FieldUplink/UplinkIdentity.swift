import FieldCore
import FieldDevices

/// Who the gateway is on the platform: its id, board, site and firmware, and how its devices are
/// named there.
///
/// ThingsBoard device names are unique per tenant and a city has many gateways with a `lamp-1`,
/// so a device behind the gateway is named `<gateway>.<device>` (`pump-room-7.hydrant-main`).
package struct UplinkIdentity: Sendable, Hashable {
    /// The gateway's id: the site id.
    package var gateway: String
    package var siteName: String
    /// The board file's id (`rpi4-2ch-rs485`).
    package var board: String
    package var firmware: String
    package var latitude: Double?
    package var longitude: Double?

    package init(gateway: String, siteName: String = "", board: String = "", firmware: String = FieldgateVersion.string,
                latitude: Double? = nil, longitude: Double? = nil) {
        self.gateway = gateway
        self.siteName = siteName
        self.board = board
        self.firmware = firmware
        self.latitude = latitude
        self.longitude = longitude
    }

    /// The identity of the gateway a site file describes, on the board with id `board` (the
    /// site's `board` may be a path to the board file).
    package init(site: Site, board: String) {
        self.init(gateway: site.info.id, siteName: site.info.name, board: board,
                  latitude: site.info.latitude, longitude: site.info.longitude)
    }

    /// The platform's name for site device `device`.
    package func platformName(_ device: String) -> String { "\(gateway).\(device)" }

    /// The site device a platform name stands for; nil when it is not one of this gateway's.
    package func deviceID(_ platformName: String) -> String? {
        let head = gateway + "."
        guard platformName.hasPrefix(head), platformName.count > head.count else { return nil }
        return String(platformName.dropFirst(head.count))
    }
}
