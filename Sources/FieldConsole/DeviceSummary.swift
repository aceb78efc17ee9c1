import FieldCore
import FieldDevices
import FieldRuntime

/// One device of the site as `devices` lists it.
public struct DeviceSummary: Hashable, Sendable {
    public enum State: String, Sendable {
        /// Answering, every point good.
        case online
        /// Answering, some points not good (sensor fault, warming up, out of range).
        case degraded
        /// Not answering (every Modbus point comm-error).
        case offline
        /// Polling switched off in the site config.
        case disabled
    }

    public var id: String
    public var profile: String
    /// `bus` name and unit `address` for Modbus devices; nil for GPIO-only devices.
    public var bus: String?
    public var address: Int?
    public var state: State
    public var activeAlarms: Int
    /// When a good reading last came in.
    public var lastSeen: Timestamp?

    public init(id: String, profile: String, bus: String? = nil, address: Int? = nil, state: State, activeAlarms: Int = 0,
                lastSeen: Timestamp? = nil) {
        (self.id, self.profile, self.bus, self.address) = (id, profile, bus, address)
        (self.state, self.activeAlarms, self.lastSeen) = (state, activeAlarms, lastSeen)
    }
}

/// One device in full, as `show` prints it.
public struct DeviceDetail: Hashable, Sendable {
    public var summary: DeviceSummary
    public var points: [PointSnapshot]
    /// The device's `settings` object from the site file (app settings), if any.
    public var settings: JSONValue?
    /// The commands its profile declares (maintenance: set-address, zero, …).
    public var commands: [CommandSpec]

    public init(summary: DeviceSummary, points: [PointSnapshot], settings: JSONValue? = nil, commands: [CommandSpec] = []) {
        (self.summary, self.points, self.settings, self.commands) = (summary, points, settings, commands)
    }
}
