import FieldCore

/// One lift's state, as its app sees it (`lift status`). Unknown values are nil.
package struct LiftStatus: Hashable, Sendable {
    package enum Direction: String, Sendable {
        case stopped, up, down
    }

    package var device: String
    package var floor: Int?
    package var direction: Direction?
    package var inDoorZone: Bool?
    package var doorsClosed: Bool?
    package var occupied: Bool?
    /// `normal`, `inspection`, `fire-return`, `firefighter`, `out-of-service`.
    package var mode: String?
    package var safetyCircuitClosed: Bool?
    package var mainsPresent: Bool?
    /// m/s.
    package var speed: Double?
    package var activeAlarms: [AlarmID]

    package init(device: String, floor: Int? = nil, direction: Direction? = nil, inDoorZone: Bool? = nil, doorsClosed: Bool? = nil,
                occupied: Bool? = nil, mode: String? = nil, safetyCircuitClosed: Bool? = nil, mainsPresent: Bool? = nil,
                speed: Double? = nil, activeAlarms: [AlarmID] = []) {
        (self.device, self.floor, self.direction, self.inDoorZone, self.doorsClosed) = (device, floor, direction, inDoorZone, doorsClosed)
        (self.occupied, self.mode, self.safetyCircuitClosed, self.mainsPresent) = (occupied, mode, safetyCircuitClosed, mainsPresent)
        (self.speed, self.activeAlarms) = (speed, activeAlarms)
    }
}
