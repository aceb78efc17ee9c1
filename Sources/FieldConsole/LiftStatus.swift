import FieldCore

/// One lift's state, as its app sees it (`lift status`). Unknown values are nil.
public struct LiftStatus: Hashable, Sendable {
    public enum Direction: String, Sendable {
        case stopped, up, down
    }

    public var device: String
    public var floor: Int?
    public var direction: Direction?
    public var inDoorZone: Bool?
    public var doorsClosed: Bool?
    public var occupied: Bool?
    /// `normal`, `inspection`, `fire-return`, `firefighter`, `out-of-service`.
    public var mode: String?
    public var safetyCircuitClosed: Bool?
    public var mainsPresent: Bool?
    /// m/s.
    public var speed: Double?
    public var activeAlarms: [AlarmID]

    public init(device: String, floor: Int? = nil, direction: Direction? = nil, inDoorZone: Bool? = nil, doorsClosed: Bool? = nil,
                occupied: Bool? = nil, mode: String? = nil, safetyCircuitClosed: Bool? = nil, mainsPresent: Bool? = nil,
                speed: Double? = nil, activeAlarms: [AlarmID] = []) {
        (self.device, self.floor, self.direction, self.inDoorZone, self.doorsClosed) = (device, floor, direction, inDoorZone, doorsClosed)
        (self.occupied, self.mode, self.safetyCircuitClosed, self.mainsPresent) = (occupied, mode, safetyCircuitClosed, mainsPresent)
        (self.speed, self.activeAlarms) = (speed, activeAlarms)
    }
}
