import FieldCore

/// Every fault and event the lift gateway detects: the alarm type (`lift-1/trapped-passenger`),
/// its severity and its default time threshold (docs/elevator.md gives each one's source).
package enum LiftFault: String, CaseIterable, Sendable {
    case trappedPassenger = "trapped-passenger"
    case trappedPassengerOutOfZone = "trapped-passenger-out-of-zone"
    case alarmButton = "alarm-button"
    case stoppedOutsideDoorZone = "stopped-outside-door-zone"
    case movingWithDoorsOpen = "moving-with-doors-open"
    case doorsOpenedWhileRunning = "doors-opened-while-running"
    case overrunTop = "overrun-top"
    case overrunBottom = "overrun-bottom"
    case overspeed
    case runTimeLimit = "run-time-limit"
    case powerLoss = "power-loss"
    case safetyCircuitOpen = "safety-circuit-open"
    case doorFailsToOpen = "door-fails-to-open"
    case doorFailsToClose = "door-fails-to-close"
    case repeatedDoorReopening = "repeated-door-reopening"
    case longDoorOpen = "long-door-open"
    case floorPositionLost = "floor-position-lost"
    case controllerFault = "controller-fault"

    /// Trapped passengers and the alarm button are critical: a person needs help now.
    package var severity: Severity {
        switch self {
        case .trappedPassenger, .trappedPassengerOutOfZone, .alarmButton: .critical
        case .repeatedDoorReopening, .longDoorOpen, .floorPositionLost: .minor
        default: .major
        }
    }

    /// How long the condition must hold before the alarm is raised (for `repeated-door-reopening`:
    /// the window the reopenings are counted in; `run-time-limit`'s default depends on the travel).
    package var defaultDelay: Duration {
        switch self {
        case .trappedPassenger: .seconds(90)
        case .trappedPassengerOutOfZone, .stoppedOutsideDoorZone: .seconds(15)
        case .alarmButton, .doorsOpenedWhileRunning, .floorPositionLost, .controllerFault: .zero
        case .movingWithDoorsOpen: .seconds(1)
        case .overrunTop, .overrunBottom, .powerLoss: .seconds(5)
        case .overspeed: .seconds(3)
        case .runTimeLimit: .seconds(45)
        case .safetyCircuitOpen: .seconds(2)
        case .doorFailsToOpen: .seconds(10)
        case .doorFailsToClose: .seconds(60)
        case .repeatedDoorReopening: .minutes(2)
        case .longDoorOpen: .minutes(3)
        }
    }
}
