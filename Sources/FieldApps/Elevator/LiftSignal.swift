import FieldCore

/// The lift's contacts as the `fg-lift` profile names them, each `true` in the state its doc says.
package enum LiftSignal: String, CaseIterable, Sendable {
    /// True while the car is inside a landing's door (levelling) zone.
    case doorZone = "door-zone"
    /// True while the car and landing doors are closed and locked.
    case doorsClosed = "doors-closed"
    /// True while the car runs up.
    case up
    /// True while the car runs down.
    case down
    /// True while the car's alarm button is pressed.
    case alarmButton = "alarm-button"
    /// True while the car's PIR sees motion.
    case occupancy
    /// True while the inspection (maintenance travel) switch is on.
    case inspection
    /// True while the safety circuit is closed (healthy).
    case safetyCircuit = "safety-circuit"
    /// True while mains power is present.
    case mains

    /// The debounce against contact bounce (the hold of the PIR is a setting of its own). The door
    /// zone's is short: a vane passed at 2.5 m/s is a pulse of about 60 ms.
    package var defaultDebounce: Duration {
        switch self {
        case .doorZone: .milliseconds(20)
        case .doorsClosed: .milliseconds(500)
        case .up, .down: .milliseconds(100)
        case .alarmButton: .milliseconds(300)
        case .occupancy: .zero
        case .inspection, .mains: .seconds(1)
        case .safetyCircuit: .milliseconds(200)
        }
    }
}

/// Which way the car is going.
package enum LiftDirection: String, CaseIterable, Sendable {
    case up, down, stopped

    /// +1 up, −1 down, nil when stopped.
    var step: Int? {
        switch self {
        case .up: 1
        case .down: -1
        case .stopped: nil
        }
    }
}

/// The lift's service mode (GB/T 24476's real-time status).
package enum LiftMode: String, CaseIterable, Sendable {
    case normal, inspection
    case fireReturn = "fire-return"
    case firefighter
    case outOfService = "out-of-service"
}
