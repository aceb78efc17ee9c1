import FieldCore

/// The lift safety gateway (`lift`): debounced contacts, the car's position (from the controller's
/// `floor` register, or counted from door-zone edges), its status as derived values, every fault of
/// GB/T 24476's list with a configurable threshold, and maintenance statistics. A pure state
/// machine over readings, commands and time.
public struct LiftApp: DeviceApp {
    let context: AppContext
    let settings: LiftSettings
    var contacts: LiftContacts
    var counter: FloorCounter?
    /// The controller's registers (profile `fg-lift-ctl`: floor number, status word, speed in m/s,
    /// fault code), good readings only.
    var controllerFloor: Int?
    var controllerMode: LiftMode?
    var controllerSpeed: Double?
    var controllerFaultCode: Int?
    var run: Run?
    /// The last run's end in a door zone, until the doors open or the car runs again.
    var arrivedAt: Timestamp?
    /// The doors have closed at least once since the car stopped (so a next opening is a reopening).
    var closedDuringStop = false
    var reopenings: [Timestamp] = []
    /// The doors opened while the car ran outside a door zone; until they close or the car stops in one.
    var openedWhileRunning = false
    /// The PIR saw motion after the doors closed: someone is in the car until they open again.
    var latchedOccupied = false
    var maintenanceUntil: Timestamp?
    /// The count was contradicted; clears after `floorLostClearRuns` runs ending in a zone.
    var floorLost = false
    var runsSinceFloorLost = 0
    var stats = LiftStatistics()
    var conditions: [LiftFault: DelayedCondition] = [:]
    var active: Set<LiftFault> = []
    var derived = DerivedValues()

    /// One run: the car moving one way without stopping.
    struct Run: Hashable, Sendable {
        var start: Timestamp
        var direction: LiftDirection
        var leftZone: Bool
        var lastEntry: Timestamp?
        var lastExit: Timestamp?
        /// The latest speed from floor timing, m/s.
        var speed: Double?
    }

    /// The controller's points in `fg-lift-ctl`.
    static let controllerPoints = ["floor", "status", "speed", "fault-code"]

    init(context: AppContext, settings: LiftSettings) {
        self.context = context
        self.settings = settings
        contacts = LiftContacts(settings: settings)
    }

    public var subscriptions: Set<PointRef> {
        Set((LiftSignal.allCases.map(\.rawValue) + Self.controllerPoints).filter { context.points[$0] != nil }.map(context.ref))
    }

    var hasControllerFloor: Bool { context.points["floor"] != nil }
    var hasControllerSpeed: Bool { context.points["speed"] != nil }

    /// The next contact debounce or fault delay to run out: the alarm button raises when its
    /// debounce ends, not at the next regular tick.
    public var wakeUp: Timestamp? {
        [contacts.nextChange, conditions.values.compactMap(\.pendingUntil).min()].compactMap { $0 }.min()
    }

    public mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        switch input {
        case .reading(let ref, let reading) where ref.device == context.deviceID:
            if let signal = LiftSignal(rawValue: ref.point) {
                let motionBefore = contacts.raw(.occupancy)
                for change in contacts.record(signal, reading, now: now) { apply(change) }
                // Motion that starts while the doors are closed is someone in the car.
                if signal == .occupancy, reading.goodBool == true, motionBefore != true, contacts[.doorsClosed] == true {
                    latchedOccupied = true
                }
            } else {
                for change in contacts.advance(to: now) { apply(change) }
                controller(ref.point, reading)
            }
        case .reading:
            break
        case .tick:
            for change in contacts.advance(to: now) { apply(change) }
        case .command(let command):
            for change in contacts.advance(to: now) { apply(change) }
            effects.append(.reply(Result { () throws(AppError) in try perform(command, now: now) }))
        }
        effects += evaluate(now: now)
        effects += status(now: now)
        return effects
    }

    // MARK: - Inputs

    private mutating func controller(_ point: String, _ reading: Reading) {
        let n = reading.goodNumber
        switch point {
        case "floor":
            // A controller's register may hold anything (a float profile, a garbled value): past Int it is no floor.
            controllerFloor = n.flatMap { Int(exactly: $0.rounded()) }
            if let label = controllerFloor, let index = settings.index(ofLabel: label), run == nil, contacts[.doorZone] == true,
               counter?.landing != index {
                counter?.set(landing: index)
            }
        case "status":
            // fg-lift-ctl's status word: the service mode in bits 8–11.
            controllerMode = n.flatMap { Int(exactly: $0.rounded(.down)) }.flatMap { settings.statusCodes[($0 >> 8) & 0x0F] }
        case "speed": controllerSpeed = n.map(abs)
        case "fault-code": controllerFaultCode = n.flatMap { Int(exactly: $0.rounded(.down)) }
        default: break
        }
    }

    /// The run's direction, else what the direction contacts say right now, else nil.
    private var step: Int? {
        if let run { return run.direction.step }
        if contacts.raw(.up) == true, contacts.raw(.down) != true { return 1 }
        if contacts.raw(.down) == true, contacts.raw(.up) != true { return -1 }
        return nil
    }

    /// Takes one debounced contact change into the lift's state.
    private mutating func apply(_ change: ContactChange) {
        switch change.signal {
        case .doorZone:
            guard let inZone = change.value else { return }
            doorZone(inZone, first: change.isFirst, at: change.at)
        case .doorsClosed:
            guard let closed = change.value, !change.isFirst else { return }
            doors(closed: closed, at: change.at)
        case .up, .down:
            let up = contacts[.up] == true, down = contacts[.down] == true
            // Both at once is not a direction: keep the run as it is.
            guard !(up && down) else { return }
            let direction: LiftDirection = up ? .up : down ? .down : .stopped
            guard direction != (run?.direction ?? .stopped) else { return }
            if run != nil { endRun(at: change.at) }
            if direction != .stopped { startRun(direction, at: change.at) }
        case .alarmButton, .occupancy, .inspection, .safetyCircuit, .mains:
            break
        }
    }

    private mutating func doorZone(_ inZone: Bool, first: Bool, at t: Timestamp) {
        if let floors = settings.floors, counter == nil {
            counter = FloorCounter(floors: floors, inZone: inZone)
            return
        }
        if first {
            counter?.reconcile(inZone: inZone)
            return
        }
        let direction = step
        if counter?.edge(entered: inZone, step: direction) == .contradiction {
            floorLost = true
            runsSinceFloorLost = 0
        }
        guard var r = run else { return }
        if !inZone { r.leftZone = true }
        // Floor timing: one floor height between two entries (or two exits) of the same run.
        let previous = inZone ? r.lastEntry : r.lastExit
        if let previous, t > previous {
            r.speed = settings.floorHeight / (t - previous).inSeconds
        }
        if inZone { r.lastEntry = t } else { r.lastExit = t }
        run = r
    }

    private mutating func doors(closed: Bool, at t: Timestamp) {
        latchedOccupied = false
        if closed {
            openedWhileRunning = false
            if run == nil { closedDuringStop = true }
            return
        }
        stats.doorCycles += 1
        arrivedAt = nil
        if run != nil, contacts[.doorZone] == false { openedWhileRunning = true }
        if run == nil, closedDuringStop { reopenings.append(t) }
    }

    private mutating func startRun(_ direction: LiftDirection, at t: Timestamp) {
        run = Run(start: t, direction: direction, leftZone: contacts[.doorZone] == false)
        arrivedAt = nil
        closedDuringStop = false
        reopenings = []
    }

    private mutating func endRun(at t: Timestamp) {
        guard let r = run else { return }
        run = nil
        stats.runningSeconds += max(0, (t - r.start).inSeconds)
        if r.leftZone { stats.trips += 1 }
        if contacts[.doorZone] == true {
            arrivedAt = t
            openedWhileRunning = false
            if floorLost, counter?.isKnown == true {
                runsSinceFloorLost += 1
                if runsSinceFloorLost >= settings.floorLostClearRuns { floorLost = false }
            }
        }
    }
}
