import FieldCore
import FieldStore

/// The gateway's health, sent as its own telemetry (`v1/devices/me/telemetry`, docs/uplink.md
/// "Gateway health"). The runtime fills the buses and devices; `Uplink.publish(health:)` adds
/// the outbox's and the connection's figures when they are left nil.
package struct GatewayHealth: Sendable, Hashable {
    package var time: Timestamp
    /// Time since the gateway process started.
    package var uptime: Duration
    package var buses: [BusHealth]
    package var devices: [DeviceHealth]
    package var outbox: OutboxStats?
    package var uplink: UplinkStatus?

    package init(time: Timestamp, uptime: Duration, buses: [BusHealth] = [], devices: [DeviceHealth] = [],
                outbox: OutboxStats? = nil, uplink: UplinkStatus? = nil) {
        self.time = time
        self.uptime = uptime
        self.buses = buses
        self.devices = devices
        self.outbox = outbox
        self.uplink = uplink
    }
}

/// One bus's load and trouble since start.
package struct BusHealth: Sendable, Hashable {
    /// The bus name from the site file (`rs485-1`).
    package var name: String
    /// Measured transactions per second ÷ the bus's physical limit (DOMAIN.md: (8 + 5 + 2N)
    /// characters + 2 × t3.5 + turnaround per read), 0…1.
    package var utilisation: Double
    /// Modbus transactions since start.
    package var transactions: Int
    /// Failed transactions since start (timeouts, CRC errors, exceptions).
    package var errors: Int

    package init(name: String, utilisation: Double, transactions: Int, errors: Int) {
        self.name = name
        self.utilisation = utilisation
        self.transactions = transactions
        self.errors = errors
    }
}

/// One device's state and trouble since start.
package struct DeviceHealth: Sendable, Hashable {
    /// The site's device id.
    package var id: String
    /// False once the device missed `offlineAfter` polls in a row.
    package var online: Bool
    /// Failed polls since start.
    package var errors: Int

    package init(id: String, online: Bool, errors: Int) {
        self.id = id
        self.online = online
        self.errors = errors
    }
}
