import FieldCore
import FieldRuntime

/// The gateway at a glance, as `status` shows it.
public struct GatewayStatus: Hashable, Sendable {
    public var site: String
    public var board: String
    public var time: Timestamp
    /// Local time's offset east of UTC, in minutes.
    public var utcOffsetMinutes: Int
    public var uptime: Duration
    public var buses: [BusStatus]
    public var uplink: UplinkStatus
    public var outbox: OutboxStatus
    public var devicesOnline: Int
    public var devicesTotal: Int
    /// Active alarms by severity.
    public var activeAlarms: [Severity: Int]
    /// Alarms (active or cleared) not yet acknowledged.
    public var unacknowledgedAlarms: Int
    public var maintenance: [MaintenanceWindow]
    /// The GB 26875.3 link to a fire alarm operations centre, when the site has one.
    public var centre: CentreLinkStatus?

    public init(site: String, board: String, time: Timestamp, utcOffsetMinutes: Int, uptime: Duration, buses: [BusStatus],
                uplink: UplinkStatus, outbox: OutboxStatus, devicesOnline: Int, devicesTotal: Int,
                activeAlarms: [Severity: Int], unacknowledgedAlarms: Int, maintenance: [MaintenanceWindow], centre: CentreLinkStatus? = nil) {
        self.centre = centre
        (self.site, self.board, self.time, self.utcOffsetMinutes, self.uptime) = (site, board, time, utcOffsetMinutes, uptime)
        (self.buses, self.uplink, self.outbox) = (buses, uplink, outbox)
        (self.devicesOnline, self.devicesTotal) = (devicesOnline, devicesTotal)
        (self.activeAlarms, self.unacknowledgedAlarms, self.maintenance) = (activeAlarms, unacknowledgedAlarms, maintenance)
    }
}

/// One field bus (RS-485 line or Modbus TCP endpoint) and how it is doing.
public struct BusStatus: Hashable, Sendable {
    public var name: String
    /// Where it goes: `/dev/ttyS1 9600 8N1` or `10.0.0.7:502`.
    public var endpoint: String
    public var devices: Int
    public var devicesOnline: Int
    /// Transactions per second over the last minute.
    public var transactionsPerSecond: Double
    /// Failed transactions since start.
    public var errors: Int
    public var lastError: String?

    public init(name: String, endpoint: String, devices: Int, devicesOnline: Int, transactionsPerSecond: Double = 0,
                errors: Int = 0, lastError: String? = nil) {
        (self.name, self.endpoint, self.devices, self.devicesOnline) = (name, endpoint, devices, devicesOnline)
        (self.transactionsPerSecond, self.errors, self.lastError) = (transactionsPerSecond, errors, lastError)
    }
}

/// The GB 26875.3 link to the centre (docs/gb26875.md), from the same figures as the local API's
/// `status` under `gb26875`.
public struct CentreLinkStatus: Hashable, Sendable {
    /// `host:port` of the centre.
    public var centre: String
    public var connected: Bool
    public var sent: Int
    public var confirmed: Int
    /// Records in `centre.db` not yet confirmed.
    public var pending: Int
    /// The centre's reads answered and denied.
    public var answered: Int
    public var refused: Int
    public var lastError: String?

    public init(centre: String, connected: Bool, sent: Int = 0, confirmed: Int = 0, pending: Int = 0, answered: Int = 0, refused: Int = 0,
                lastError: String? = nil) {
        (self.centre, self.connected, self.sent, self.confirmed, self.pending) = (centre, connected, sent, confirmed, pending)
        (self.answered, self.refused, self.lastError) = (answered, refused, lastError)
    }

    /// From the local API's `gb26875` object; nil without one (no link configured).
    public init?(json: JSONValue?) {
        guard let j = json?.objectValue, let centre = j["centre"]?.stringValue else { return nil }
        func count(_ key: String) -> Int { j[key]?.numberValue.flatMap { Int(exactly: $0) } ?? 0 }
        self.init(centre: centre, connected: j["connected"] == .bool(true), sent: count("sent"), confirmed: count("confirmed"),
                  pending: count("pending"), answered: count("answered"), refused: count("refused"), lastError: j["lastError"]?.stringValue)
    }
}

/// Messages waiting in the outbox for the uplink.
public struct OutboxStatus: Hashable, Sendable {
    public var pending: Int
    public var oldest: Timestamp?

    public init(pending: Int, oldest: Timestamp? = nil) {
        self.pending = pending
        self.oldest = oldest
    }
}

/// Firmware, board and library versions.
public struct VersionInfo: Hashable, Sendable {
    public var firmware: String
    public var board: String
    /// Library name → version (`libmodbus` → `3.1.10`), shown sorted by name.
    public var components: [String: String]

    public init(firmware: String = FieldgateVersion.string, board: String, components: [String: String] = [:]) {
        (self.firmware, self.board, self.components) = (firmware, board, components)
    }
}

/// The wall clock as the gateway sees it.
public struct SystemTime: Hashable, Sendable {
    public var now: Timestamp
    /// Local time's offset east of UTC, in minutes.
    public var utcOffsetMinutes: Int
    /// Where the time comes from: `rtc`, `ntp`, `platform`, `manual`, or `unset` (a board without
    /// RTC after power-up).
    public var source: String

    public init(now: Timestamp, utcOffsetMinutes: Int, source: String) {
        (self.now, self.utcOffsetMinutes, self.source) = (now, utcOffsetMinutes, source)
    }
}
