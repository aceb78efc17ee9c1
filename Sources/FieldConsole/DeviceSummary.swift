import FieldCore
import FieldDevices
import FieldRuntime

/// One device of the site as `devices` lists it.
package struct DeviceSummary: Hashable, Sendable {
    package enum State: String, Sendable {
        /// Answering, every point good.
        case online
        /// Answering, some points not good (sensor fault, warming up, out of range).
        case degraded
        /// Not answering (every Modbus point comm-error).
        case offline
        /// Polling switched off in the site config.
        case disabled
    }

    package var id: String
    package var profile: String
    /// `bus` name and unit `address` for Modbus devices; nil for GPIO-only devices.
    package var bus: String?
    package var address: Int?
    package var state: State
    package var activeAlarms: Int
    /// When a good reading last came in.
    package var lastSeen: Timestamp?

    package init(id: String, profile: String, bus: String? = nil, address: Int? = nil, state: State, activeAlarms: Int = 0,
                lastSeen: Timestamp? = nil) {
        (self.id, self.profile, self.bus, self.address) = (id, profile, bus, address)
        (self.state, self.activeAlarms, self.lastSeen) = (state, activeAlarms, lastSeen)
    }
}

/// One device in full, as `show` prints it.
package struct DeviceDetail: Hashable, Sendable {
    package var summary: DeviceSummary
    package var points: [PointSnapshot]
    /// The device's `settings` object from the site file (app settings), if any.
    package var settings: JSONValue?
    /// The commands its profile declares (maintenance: set-address, zero, …).
    package var commands: [CommandSpec]

    package init(summary: DeviceSummary, points: [PointSnapshot], settings: JSONValue? = nil, commands: [CommandSpec] = []) {
        (self.summary, self.points, self.settings, self.commands) = (summary, points, settings, commands)
    }
}
