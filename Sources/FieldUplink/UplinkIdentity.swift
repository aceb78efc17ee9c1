import FieldCore
import FieldDevices

/// Who the gateway is on the platform: its id, board, site and firmware, and how its devices are
/// named there.
///
/// ThingsBoard device names are unique per tenant and a city has many gateways with a `lamp-1`,
/// so a device behind the gateway is named `<gateway>.<device>` (`pump-room-7.hydrant-main`).
public struct UplinkIdentity: Sendable, Hashable {
    /// The gateway's id: the site id.
    public var gateway: String
    public var siteName: String
    /// The board file's id (`rpi4-2ch-rs485`).
    public var board: String
    public var firmware: String
    public var latitude: Double?
    public var longitude: Double?

    public init(gateway: String, siteName: String = "", board: String = "", firmware: String = FieldgateVersion.string,
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
    public init(site: Site, board: String) {
        self.init(gateway: site.info.id, siteName: site.info.name, board: board,
                  latitude: site.info.latitude, longitude: site.info.longitude)
    }

    /// The platform's name for site device `device`.
    public func platformName(_ device: String) -> String { "\(gateway).\(device)" }

    /// The site device a platform name stands for; nil when it is not one of this gateway's.
    public func deviceID(_ platformName: String) -> String? {
        let head = gateway + "."
        guard platformName.hasPrefix(head), platformName.count > head.count else { return nil }
        return String(platformName.dropFirst(head.count))
    }
}
