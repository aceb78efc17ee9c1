import FieldCore

/// The lift safety gateway (`lift`): debounced contacts, the car's position (from the controller's
/// `floor` register, or counted from door-zone edges), its status as derived values, every fault of
/// GB/T 24476's list with a configurable threshold, and maintenance statistics. A pure state
/// machine over readings, commands and time.
package struct LiftApp: DeviceApp {
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
    /// Evidence that someone is shut in the car, gathered since the doors last closed (all reset
    /// when they open): what a trapped-passenger alarm needs beyond "doors closed, car stopped".
    var shutIn = ShutInEvidence()
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
        /// The landings of those edges, when the count knows them (for per-floor heights).
        var lastEntryLanding: Int?
        var lastExitLanding: Int?
        /// The latest speed from floor timing, m/s.
        var speed: Double?
    }

    /// Why the gateway believes someone is shut in the car (docs/elevator.md, Occupancy). One PIR
    /// blip in a parked car is none of these: a relay output flickers, a spider walks over the lens.
    struct ShutInEvidence: Hashable, Sendable {
        /// The start and the latest motion of the PIR's current episode with the doors closed.
        var firstMotion: Timestamp?
        var lastMotion: Timestamp?
        /// Motion seen again (or still) `presence-confirm` after the first: a person, not a blip.
        var presenceConfirmed = false
        /// The car stopped after a run with motion seen in it since the doors closed (within
        /// `presence-window` of the stop), and the doors have not opened since.
        var carried = false
        /// The alarm button was pressed in the stopped car with the doors closed.
        var alarmButton = false

        var any: Bool { presenceConfirmed || carried || alarmButton }
    }

    /// The controller's points in `fg-lift-ctl`.
    static let controllerPoints = ["floor", "status", "speed", "fault-code"]

    init(context: AppContext, settings: LiftSettings) {
        self.context = context
        self.settings = settings
        contacts = LiftContacts(settings: settings)
    }

    package var subscriptions: Set<PointRef> {
        Set((LiftSignal.allCases.map(\.rawValue) + Self.controllerPoints).filter { context.points[$0] != nil }.map(context.ref))
    }

    var hasControllerFloor: Bool { context.points["floor"] != nil }
    var hasControllerSpeed: Bool { context.points["speed"] != nil }

    /// The next contact debounce or fault delay to run out: the alarm button raises when its
    /// debounce ends, not at the next regular tick.
    package var wakeUp: Timestamp? {
        [contacts.nextChange, conditions.values.compactMap(\.pendingUntil).min()].compactMap { $0 }.min()
    }

    package mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        switch input {
        case .reading(let ref, let reading) where ref.device == context.deviceID:
            if let signal = LiftSignal(rawValue: ref.point) {
                for change in contacts.record(signal, reading, now: now) { apply(change) }
                if signal == .occupancy, reading.goodBool == true { motion(at: now) }
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
        // Floor timing: the height between two entries (or two exits) of the same run — that floor's
        // own height when the count knows the landings, else the typical floor height.
        let landing: Int? = inZone ? counter?.landing
            : counter?.nearestLandingBelow.map { direction == -1 ? $0 + 1 : $0 }
        let previous = inZone ? r.lastEntry : r.lastExit
        let previousLanding = inZone ? r.lastEntryLanding : r.lastExitLanding
        if let previous, t > previous {
            let height = landing.flatMap { l in previousLanding.map { settings.height(from: $0, to: l) } } ?? settings.floorHeight
            r.speed = height / (t - previous).inSeconds
        }
        if inZone {
            (r.lastEntry, r.lastEntryLanding) = (t, landing)
        } else {
            (r.lastExit, r.lastExitLanding) = (t, landing)
        }
        run = r
    }

    /// The PIR sees motion now, with the doors closed. Motions each within `presence-window` of the
    /// one before form one episode; an episode that lasts `presence-confirm` is a person. A blip
    /// (and any chatter of it) is over long before.
    mutating func motion(at t: Timestamp) {
        guard contacts[.doorsClosed] == true else { return }
        if let last = shutIn.lastMotion, t - last <= settings.presenceWindow, let first = shutIn.firstMotion {
            if t - first >= settings.presenceConfirm { shutIn.presenceConfirmed = true }
        } else {
            shutIn.firstMotion = t
        }
        shutIn.lastMotion = t
    }

    private mutating func doors(closed: Bool, at t: Timestamp) {
        shutIn = ShutInEvidence()
        if closed {
            openedWhileRunning = false
            if run == nil { closedDuringStop = true }
            // Someone moving in the car as the doors close is inside with them.
            if contacts.raw(.occupancy) == true { motion(at: t) }
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
        // Someone moved in the shut car shortly before the run ended (the PIR's hold alone is not
        // enough: it outlasts a passenger who stepped out just before the doors closed).
        if contacts[.doorsClosed] == true, let last = shutIn.lastMotion, t - last <= settings.presenceWindow { shutIn.carried = true }
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
