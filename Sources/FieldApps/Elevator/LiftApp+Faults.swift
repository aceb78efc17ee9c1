import FieldCore

extension LiftApp {
    /// Whether a technician has the lift: inspection travel, or a maintenance window from the
    /// console. Faults a technician causes on purpose are not reported then.
    func technicianPresent(at now: Timestamp) -> Bool {
        contacts[.inspection] == true || controllerMode == .inspection || isUnderMaintenance(at: now)
    }

    func isUnderMaintenance(at now: Timestamp) -> Bool {
        maintenanceUntil.map { now < $0 } ?? false
    }

    /// Someone is in the car: the PIR (held `pir-hold` after the last motion), or evidence that
    /// someone is shut in since the doors closed (a person cannot leave a closed car, even when
    /// standing still).
    var isOccupied: Bool { contacts[.occupancy] == true || shutIn.any }

    /// The speed the overspeed check uses: the controller's when it has one, else floor timing.
    var speed: Double? { hasControllerSpeed ? controllerSpeed : run?.speed }

    /// Evaluates every fault at `now`.
    mutating func evaluate(now: Timestamp) -> [AppEffect] {
        if let until = maintenanceUntil, now >= until { maintenanceUntil = nil }
        reopenings.removeAll { now - $0 > settings.delays[.repeatedDoorReopening]! }
        gatherShutInEvidence(now: now)

        let inZone = contacts[.doorZone], closed = contacts[.doorsClosed]
        let running = run != nil
        let technician = technicianPresent(at: now)
        let fireService = controllerMode == .fireReturn || controllerMode == .firefighter
        let mainsLost = contacts[.mains] == false
        // Trapped: shut in a stopped car with evidence of a person (vendor practice, docs/elevator.md).
        let trappedBase = shutIn.any && closed == true && !running && !technician
        // A firefighter drives the car and holds its doors shut at floors on purpose.
        let firefighter = controllerMode == .firefighter
        let doorsOpenInZone = closed == false && inZone == true
        let rated = settings.ratedSpeed * settings.overspeedFactor
        let delays = settings.delays
        let delay = { (f: LiftFault) in formatDuration(delays[f]!) }
        let reopened = reopenings.count

        var effects: [AppEffect?] = []
        effects.append(judge(.trappedPassenger, trappedBase && inZone == true && !firefighter, clearWhen: doorsOpenInZone, now: now,
                             { "passenger trapped \($0.location): doors closed, car stopped in the door zone for \(delay(.trappedPassenger))" }))
        effects.append(judge(.trappedPassengerOutOfZone, trappedBase && inZone == false, clearWhen: doorsOpenInZone, now: now,
                             { "passenger trapped \($0.location): car stopped outside the door zone for \(delay(.trappedPassengerOutOfZone))" }))
        effects.append(judge(.alarmButton, contacts[.alarmButton] == true, offDelay: settings.alarmButtonClear, now: now,
                             { "alarm button pressed in the car \($0.location)" }))
        effects.append(judge(.stoppedOutsideDoorZone, !running && inZone == false && !technician, now: now,
                             { "car stopped outside a door zone \($0.location) for \(delay(.stoppedOutsideDoorZone))" }))
        let direction = run?.direction.rawValue ?? "stopped"
        // Latched until the car stops or the doors close: passing a floor's door zone on the way
        // does not make a car moving with open doors safe.
        effects.append(judge(.movingWithDoorsOpen, running && inZone == false && closed == false && !openedWhileRunning && !technician,
                             clearWhen: !running || closed == true, now: now,
                             { "car moving \(direction) outside the door zone with the doors open \($0.location)" }))
        effects.append(judge(.doorsOpenedWhileRunning, openedWhileRunning && !technician, now: now,
                             { "doors opened while the car was running \(direction) outside the door zone \($0.location)" }))
        let top = settings.floors.map { settings.label(ofIndex: $0 - 1) }, bottom = settings.bottomFloor
        effects.append(judge(.overrunTop, counter?.isBeyondTop == true && !technician, now: now,
                             { _ in "car ran past the top landing (floor \(top.map(String.init) ?? "?"))" }))
        effects.append(judge(.overrunBottom, counter?.isBeyondBottom == true && !technician, now: now,
                             { _ in "car ran past the bottom landing (floor \(bottom))" }))
        let v = speed ?? 0
        effects.append(judge(.overspeed, running && v > rated, now: now, value: .number(v),
                             { _ in "speed \(formatNumber(v, decimals: 2)) m/s above \(formatNumber(rated, decimals: 2)) m/s for \(delay(.overspeed))" }))
        let limit = settings.delays[.runTimeLimit]!
        effects.append(judge(.runTimeLimit, run.map { now - $0.start >= limit } == true && !technician, now: now, immediate: true,
                             { _ in "car running \(direction) for more than \(formatDuration(limit)) without stopping" }))
        let powerLossExcused = isUnderMaintenance(at: now) || (settings.inspectionSuppressesPowerLoss && technician)
        effects.append(judge(.powerLoss, mainsLost && !powerLossExcused, now: now) { "mains power lost \($0.location)" })
        effects.append(judge(.safetyCircuitOpen, contacts[.safetyCircuit] == false && !mainsLost && !technician, now: now,
                             { "safety circuit open \($0.location)" }))
        effects.append(judge(.doorFailsToOpen, arrivedAt != nil && closed == true && !running && inZone == true && shutIn.carried
                                 && !technician && !fireService, now: now,
                             { "doors did not open within \(delay(.doorFailsToOpen)) of arriving \($0.location) with a passenger inside" }))
        effects.append(judge(.doorFailsToClose, closed == false && !running && isOccupied && !technician && !fireService, now: now,
                             { "doors open for \(delay(.doorFailsToClose)) \($0.location) with a passenger inside: doors fail to close" }))
        effects.append(judge(.repeatedDoorReopening, reopened >= settings.reopenCount && !technician && !fireService, now: now,
                             immediate: true, value: .number(Double(reopened)),
                             { "doors reopened \(reopened) times \($0.location) within \(delay(.repeatedDoorReopening))" }))
        effects.append(judge(.longDoorOpen, closed == false && !technician && !fireService, now: now,
                             { "doors open for \(delay(.longDoorOpen)) \($0.location)" }))
        effects.append(judge(.floorPositionLost, floorLost, now: now,
                             { "the door-zone count contradicted itself: floor position corrected to \($0.location)" }))
        let code = controllerFaultCode ?? 0
        effects.append(judge(.controllerFault, code != 0, now: now, value: .number(Double(code))) { _ in "controller fault code \(code)" })
        return effects.compactMap { $0 }
    }

    /// Adds what the contacts say now to the evidence that someone is shut in the car.
    private mutating func gatherShutInEvidence(now: Timestamp) {
        guard contacts[.doorsClosed] == true else { return }
        // A PIR that keeps seeing motion past the confirmation (no new edge needed).
        if contacts.raw(.occupancy) == true { motion(at: now) }
        if run == nil, contacts[.alarmButton] == true { shutIn.alarmButton = true }
    }

    /// Raises `fault` when `condition` has held for its delay; clears it when the condition is gone
    /// (after `offDelay`), or, for a latched fault, only when `clearWhen` holds.
    /// - Parameter immediate: the condition already includes its own time (a run's length, a count
    ///   within a window).
    private mutating func judge(_ fault: LiftFault, _ condition: Bool, clearWhen: Bool? = nil, offDelay: Duration = .zero,
                                now: Timestamp, immediate: Bool = false, value: PointValue? = nil,
                                _ message: (LiftApp) -> String) -> AppEffect? {
        let raw = condition && !settings.disabled.contains(fault)
        var c = conditions[fault] ?? DelayedCondition(onDelay: immediate ? .zero : settings.delays[fault]!, offDelay: offDelay)
        _ = c.update(raw, now: now)
        defer { conditions[fault] = c }
        if !active.contains(fault) {
            guard c.isActive else { return nil }
            active.insert(fault)
            stats.faults[fault, default: 0] += 1
            return .alarm(AlarmID(device: context.deviceID, type: fault.rawValue), fault.severity, .raise(value: value, message: message(self)))
        }
        guard clearWhen ?? !c.isActive else { return nil }
        active.remove(fault)
        c.reset(to: false)
        return .alarm(AlarmID(device: context.deviceID, type: fault.rawValue), fault.severity, .clear(value: value))
    }

    /// Where the car is, for messages: "at floor 3", "between floors 3 and 4", "at an unknown floor".
    var location: String {
        if let label = controllerFloor, hasControllerFloor, contacts[.doorZone] != false { return "at floor \(label)" }
        guard let counter, counter.isKnown else {
            if let label = controllerFloor { return "near floor \(label)" }
            return "at an unknown floor"
        }
        if counter.isBeyondTop { return "above the top landing" }
        if counter.isBeyondBottom { return "below the bottom landing" }
        if let landing = counter.landing { return "at floor \(settings.label(ofIndex: landing))" }
        let below = counter.low / 2
        return "between floors \(settings.label(ofIndex: below)) and \(settings.label(ofIndex: below + 1))"
    }
}
