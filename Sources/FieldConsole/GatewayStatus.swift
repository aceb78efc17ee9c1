import FieldCore
import FieldRuntime

/// The gateway at a glance, as `status` shows it.
package struct GatewayStatus: Hashable, Sendable {
    package var site: String
    package var board: String
    package var time: Timestamp
    /// Local time's offset east of UTC, in minutes.
    package var utcOffsetMinutes: Int
    package var uptime: Duration
    package var buses: [BusStatus]
    package var uplink: UplinkStatus
    package var outbox: OutboxStatus
    package var devicesOnline: Int
    package var devicesTotal: Int
    /// Active alarms by severity.
    package var activeAlarms: [Severity: Int]
    /// Alarms (active or cleared) not yet acknowledged.
    package var unacknowledgedAlarms: Int
    package var maintenance: [MaintenanceWindow]
    /// The GB 26875.3 link to a fire alarm operations centre, when the site has one.
    package var centre: CentreLinkStatus?

    package init(site: String, board: String, time: Timestamp, utcOffsetMinutes: Int, uptime: Duration, buses: [BusStatus],
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
package struct BusStatus: Hashable, Sendable {
    package var name: String
    /// Where it goes: `/dev/ttyS1 9600 8N1` or `10.0.0.7:502`.
    package var endpoint: String
    package var devices: Int
    package var devicesOnline: Int
    /// Transactions per second over the last minute.
    package var transactionsPerSecond: Double
    /// Failed transactions since start.
    package var errors: Int
    package var lastError: String?

    package init(name: String, endpoint: String, devices: Int, devicesOnline: Int, transactionsPerSecond: Double = 0,
                errors: Int = 0, lastError: String? = nil) {
        (self.name, self.endpoint, self.devices, self.devicesOnline) = (name, endpoint, devices, devicesOnline)
        (self.transactionsPerSecond, self.errors, self.lastError) = (transactionsPerSecond, errors, lastError)
    }
}

/// The GB 26875.3 link to the centre (docs/gb26875.md), from the same figures as the local API's
/// `status` under `gb26875`.
package struct CentreLinkStatus: Hashable, Sendable {
    /// `host:port` of the centre.
    package var centre: String
    package var connected: Bool
    package var sent: Int
    package var confirmed: Int
    /// Records in `centre.db` not yet confirmed.
    package var pending: Int
    /// The centre's reads answered and denied.
    package var answered: Int
    package var refused: Int
    package var lastError: String?

    package init(centre: String, connected: Bool, sent: Int = 0, confirmed: Int = 0, pending: Int = 0, answered: Int = 0, refused: Int = 0,
                lastError: String? = nil) {
        (self.centre, self.connected, self.sent, self.confirmed, self.pending) = (centre, connected, sent, confirmed, pending)
        (self.answered, self.refused, self.lastError) = (answered, refused, lastError)
    }

    /// From the local API's `gb26875` object; nil without one (no link configured).
    package init?(json: JSONValue?) {
        guard let j = json?.objectValue, let centre = j["centre"]?.stringValue else { return nil }
        func count(_ key: String) -> Int { j[key]?.numberValue.flatMap { Int(exactly: $0) } ?? 0 }
        self.init(centre: centre, connected: j["connected"] == .bool(true), sent: count("sent"), confirmed: count("confirmed"),
                  pending: count("pending"), answered: count("answered"), refused: count("refused"), lastError: j["lastError"]?.stringValue)
    }
}

/// Messages waiting in the outbox for the uplink.
package struct OutboxStatus: Hashable, Sendable {
    package var pending: Int
    package var oldest: Timestamp?

    package init(pending: Int, oldest: Timestamp? = nil) {
        self.pending = pending
        self.oldest = oldest
    }
}

/// Firmware, board and library versions.
package struct VersionInfo: Hashable, Sendable {
    package var firmware: String
    package var board: String
    /// Library name → version (`libmodbus` → `3.1.10`), shown sorted by name.
    package var components: [String: String]

    package init(firmware: String = FieldgateVersion.string, board: String, components: [String: String] = [:]) {
        (self.firmware, self.board, self.components) = (firmware, board, components)
    }
}

/// The wall clock as the gateway sees it.
package struct SystemTime: Hashable, Sendable {
    package var now: Timestamp
    /// Local time's offset east of UTC, in minutes.
    package var utcOffsetMinutes: Int
    /// Where the time comes from: `rtc`, `ntp`, `platform`, `manual`, or `unset` (a board without
    /// RTC after power-up).
    package var source: String

    package init(now: Timestamp, utcOffsetMinutes: Int, source: String) {
        (self.now, self.utcOffsetMinutes, self.source) = (now, utcOffsetMinutes, source)
    }
}
