import FieldCore
import FieldDevices

/// A lift (`fg-lift`, `fg-lift-ctl`): a car serving `floors` landings at one floor per
/// `travel-time-per-floor`, doors that take `door-time` to open or close and stay open for
/// `dwell`, passengers who call it, ride and leave, and the faults a lift gateway must catch.
///
/// It is seen through contacts: the door-zone sensor (true within ±`zone` of a landing, so a
/// passing car gives one pulse per floor), doors closed and locked, up and down, the alarm
/// button, the car's PIR (someone in the car), inspection, the safety chain and mains; and, for
/// `fg-lift-ctl`, the controller's floor, status word, speed and fault code.
///
/// The shaft's layout comes from the lift app's own settings in the site file (`floors`,
/// `bottom-floor`, `skip-zero`, `travel-time-per-floor`, `floor-height`), so the gateway and
/// the simulator agree on it. Times are simulated time: at an acceleration above 1 the car
/// looks faster to the gateway than its settings say.
final class LiftModel: DeviceModel {
    enum Phase: Hashable {
        case idle
        /// Doors closed, brake lifting before the car moves.
        case departing(remaining: Double)
        case moving(direction: Int)
        case opening
        case open(remaining: Double)
        case closing
        /// Stopped by a fault (stuck, no power, safety chain open) wherever it was.
        case halted
    }

    let device: DeviceConfig
    let floors: Int
    let bottomFloor: Int
    let skipZero: Bool
    var travelTime: Double
    let floorHeight: Double

    var doorTime = 2.0
    var dwell = 3.0
    var departDelay = 1.0
    var zone = 0.08
    var traffic = 0.0
    var stuck = false
    var doorsJammed = false
    var doorsOpenWhileMoving = false
    var overrun = false
    var mains = true
    var safetyCircuit = true
    var inspection = false
    var faultCode = 0.0

    private(set) var position = 0.0
    private(set) var phase = Phase.idle
    private(set) var door = 0.0
    /// Riders in the car by destination landing (nil: no destination, stays on).
    private(set) var riders: [Int?] = []
    /// Passengers waiting at a landing, with where they want to go.
    private(set) var waiting: [Int: [Int]] = [:]
    private(set) var calls: Set<Int> = []
    private var direction = 0
    private var alarmUntil: Timestamp?
    private var overrunTarget: Double?
    private(set) var trips = 0
    private var noise: Noise

    init(device: DeviceConfig) {
        self.device = device
        let s = device.settings
        floors = s?["floors"]?.numberValue.flatMap { Int(exactly: $0.rounded(.down)) }.map { min(max(2, $0), 1000) } ?? 10
        bottomFloor = s?["bottom-floor"]?.numberValue.flatMap { Int(exactly: $0.rounded(.down)) }.map { min(max($0, -1000), 1000) } ?? 1
        skipZero = s?["skip-zero"]?.boolValue ?? true
        travelTime = s?["travel-time-per-floor"]?.stringValue.flatMap(parseDuration)?.inSeconds ?? 3
        floorHeight = s?["floor-height"]?.numberValue ?? 3
        noise = Noise(device.id)
    }

    var knobs: [Knob] {
        [
            .number("passengers", of: self, \.passengerCount, unit: "persons", range: 0...50, "people in the car (set: they ride without a destination)"),
            .number("traffic", of: self, \.traffic, unit: "trips/h", range: 0...3600, "random passengers per hour (half from the bottom landing)"),
            .number("travel-time", of: self, \.travelTime, unit: "s", range: 0.2...60, "time to travel one floor"),
            .number("door-time", of: self, \.doorTime, unit: "s", range: 0.1...30, "time the doors take to open or to close"),
            .number("dwell", of: self, \.dwell, unit: "s", range: 0...300, "time the doors stay open at a stop"),
            .number("depart-delay", of: self, \.departDelay, unit: "s", range: 0...30, "time from doors locked to the car moving"),
            .number("zone", of: self, \.zone, unit: "floors", range: 0.01...0.45, "half-width of a landing's door zone"),
            .flag("stuck", of: self, \.stuck, "the car stops where it is and will not move (between floors if it was travelling)"),
            .flag("doors-jammed", of: self, \.doorsJammed, "the doors do not open when the car arrives"),
            .flag("doors-open-while-moving", of: self, \.doorsOpenWhileMoving, "the car leaves with its doors open (a bridged door lock)"),
            .flag("overrun", of: self, \.overrun, "the car runs past the next terminal landing it stops at"),
            .flag("mains", of: self, \.mains, "mains power present (false: the car stops, the controller goes silent)"),
            .flag("safety-circuit", of: self, \.safetyCircuit, "safety chain closed (false: open, the car stops)"),
            .flag("inspection", of: self, \.inspection, "inspection (maintenance travel) switch on"),
            .number("fault-code", of: self, \.faultCode, range: 0...65535, "the controller's fault code register (0 none)"),
        ]
    }

    var actions: [ActionInfo] {
        [
            ActionInfo(name: "call", synopsis: "FLOOR", summary: "call the car to a floor (a landing call without a passenger)"),
            ActionInfo(name: "ride", synopsis: "FROM TO", summary: "a passenger at FROM calls the car, boards and rides to TO"),
            ActionInfo(name: "press", synopsis: "[DURATION]", summary: "press the car's alarm button (default 3s)"),
            ActionInfo(name: "occupancy", synopsis: "N", summary: "N people in the car, riding without a destination"),
        ]
    }

    /// People in the car, as a knob (setting it replaces the riders with ones without a destination).
    var passengerCount: Double {
        get { Double(riders.count) }
        set { riders = Array(repeating: nil, count: max(0, Int(newValue.rounded()))) }
    }

    // MARK: Floors

    /// The floor number people use for landing `index` (0 = bottom): the lift app's numbering.
    func label(ofIndex index: Int) -> Int { numbering.label(ofIndex: index) }

    func index(ofLabel label: Int) -> Int? { numbering.index(ofLabel: label) }

    private var numbering: FloorNumbering { FloorNumbering(bottomFloor: bottomFloor, skipZero: skipZero, landings: floors) }

    private func landing(_ word: String, _ action: String) throws(ControlError) -> Int {
        guard let floor = Int(word) else { throw ControlError("\(action): \"\(word)\" is not a floor number") }
        guard let i = index(ofLabel: floor) else {
            throw ControlError("\(action): \(id) serves floors \(label(ofIndex: 0))…\(label(ofIndex: floors - 1))\(skipZero && bottomFloor < 0 ? " (no floor 0)" : ""), not \(floor)")
        }
        return i
    }

    func perform(_ action: String, _ arguments: [String], at time: StepTime) throws(ControlError) -> JSONValue {
        switch action {
        case "call":
            guard let word = arguments.first else { throw ControlError("call needs FLOOR") }
            let i = try landing(word, "call")
            calls.insert(i)
            return ["called": .number(Double(label(ofIndex: i)))]
        case "ride":
            guard arguments.count >= 2 else { throw ControlError("ride needs FROM and TO") }
            let from = try landing(arguments[0], "ride"), to = try landing(arguments[1], "ride")
            guard from != to else { throw ControlError("ride: FROM and TO are the same floor") }
            waiting[from, default: []].append(to)
            calls.insert(from)
            return ["waiting-at": .number(Double(label(ofIndex: from))), "going-to": .number(Double(label(ofIndex: to)))]
        case "press":
            let d = try ActionArguments.optionalDuration(arguments, 0, action: "press") ?? .seconds(3)
            alarmUntil = time.now + d
            return ["alarm-button": "pressed", "for": .string(formatDuration(d))]
        case "occupancy":
            let n = try ActionArguments.number(arguments, 0, "N", action: "occupancy")
            guard n >= 0, n <= 50 else { throw ControlError("occupancy: N must be 0…50") }
            passengerCount = n
            return ["passengers": .number(passengerCount)]
        default:
            throw ControlError("\(id) has no action \"\(action)\" (actions: call, ride, press, occupancy)")
        }
    }

    // MARK: Physics

    private var canRun: Bool { mains && safetyCircuit && !stuck }
    private var nearest: Int { Int(position.rounded()) }
    private var atLanding: Bool { abs(position - position.rounded()) < 1e-9 && (0..<floors).contains(nearest) }

    var inDoorZone: Bool { abs(position - position.rounded()) <= zone && (0..<floors).contains(nearest) }
    var doorsClosed: Bool { door <= 0 }
    var isMoving: Bool { if case .moving = phase { true } else { false } }
    var speed: Double { isMoving ? floorHeight / travelTime : 0 }

    func step(_ time: StepTime, io: inout DeviceIO) {
        generateTraffic(time)
        var remaining = time.seconds
        // Short sub-steps so that a fast-forwarded car still stops exactly at its landings.
        while remaining > 0 {
            let h = min(remaining, 0.02)
            advance(h)
            remaining -= h
        }
        serve(time, &io)
    }

    private func generateTraffic(_ time: StepTime) {
        guard traffic > 0 else { return }
        var expected = traffic * time.seconds / 3600
        while expected > 0 {
            if noise.chance(min(1, expected)) {
                let from = noise.chance(0.5) ? 0 : Int(noise.uniform() * Double(floors)) % floors
                var to = Int(noise.uniform() * Double(floors - 1)) % (floors - 1)
                if to >= from { to += 1 }
                waiting[from, default: []].append(to)
                calls.insert(from)
            }
            expected -= 1
        }
    }

    private func advance(_ h: Double) {
        if !canRun {
            if case .moving = phase { phase = .halted }
            if case .departing = phase { phase = .halted }
            return
        }
        switch phase {
        case .halted:
            if atLanding {
                phase = .idle
            } else {
                // Resume to the next landing the way the car was going.
                if direction == 0 { direction = 1 }
                let next = direction > 0 ? Int(position.rounded(.up)) : Int(position.rounded(.down))
                calls.insert(min(max(next, 0), floors - 1))
                phase = .moving(direction: direction)
            }
        case .idle:
            if position > Double(floors - 1) || position < 0 {
                // Beyond a terminal landing after an overrun: back to it once the fault is cleared.
                guard !overrun else { return }
                calls.insert(position > 0 ? floors - 1 : 0)
            }
            if atLanding, calls.contains(nearest) || riders.contains(nearest) {
                calls.remove(nearest)
                if !doorsJammed {
                    phase = .opening
                    exchangePassengers()
                }
            } else if let next = nextDirection() {
                direction = next
                phase = .departing(remaining: departDelay)
            }
        case .departing(let remaining):
            phase = remaining - h <= 0 ? .moving(direction: direction) : .departing(remaining: remaining - h)
        case .moving(let dir):
            move(dir, h)
        case .opening:
            door = min(1, door + h / doorTime)
            if door >= 1 { phase = .open(remaining: dwell) }
        case .open(let remaining):
            if remaining - h > 0 {
                phase = .open(remaining: remaining - h)
            } else if doorsOpenWhileMoving, let next = nextDirection() {
                direction = next
                phase = .moving(direction: next)
            } else {
                phase = .closing
            }
        case .closing:
            door = max(0, door - h / doorTime)
            if door <= 0 { phase = .idle }
        }
    }

    /// Keeps going while calls lie ahead, else turns to the nearest call.
    private func nextDirection() -> Int? {
        let here = position
        let ahead = calls.filter { direction > 0 ? Double($0) > here : direction < 0 ? Double($0) < here : false }
        if !ahead.isEmpty { return direction }
        guard let target = calls.min(by: { abs(Double($0) - here) < abs(Double($1) - here) }) else { return nil }
        if Double(target) == here { return nil }
        return Double(target) > here ? 1 : -1
    }

    private func move(_ dir: Int, _ h: Double) {
        let before = position
        position += Double(dir) * h / travelTime
        if let target = overrunTarget {
            if (dir > 0 && position >= target) || (dir < 0 && position <= target) {
                position = target
                overrunTarget = nil
                stopRun()
            }
            return
        }
        // The landings crossed in this sub-step, in travel order.
        let crossed = dir > 0
            ? Array(stride(from: Int(before.rounded(.down)) + 1, through: Int(position.rounded(.down)), by: 1))
            : Array(stride(from: Int(before.rounded(.up)) - 1, through: Int(position.rounded(.up)), by: -1))
        for landing in crossed where (0..<floors).contains(landing) && calls.contains(landing) {
            let terminal = landing == 0 || landing == floors - 1
            if overrun, terminal {
                overrunTarget = Double(landing) + 0.4 * Double(dir)
                calls.remove(landing)
                return
            }
            position = Double(landing)
            stopRun()
            return
        }
        // Past the shaft's ends without a call (an inconsistent call set): stop at the end.
        if position > Double(floors - 1) || position < 0 {
            position = min(max(position, 0), Double(floors - 1))
            stopRun()
        }
    }

    private func stopRun() {
        trips += 1
        phase = .idle
        if calls.isEmpty, riders.isEmpty { direction = 0 }
    }

    private func exchangePassengers() {
        let here = nearest
        riders.removeAll { $0 == here }
        for destination in waiting.removeValue(forKey: here) ?? [] {
            riders.append(destination)
            calls.insert(destination)
        }
    }

    // MARK: Wire and contacts

    private func serve(_ time: StepTime, _ io: inout DeviceIO) {
        if let until = alarmUntil, time.now >= until { alarmUntil = nil }
        let moving = isMoving && mains
        io.contacts["door-zone"] = inDoorZone
        io.contacts["doors-closed"] = doorsClosed
        io.contacts["up"] = moving && direction > 0
        io.contacts["down"] = moving && direction < 0
        io.contacts["alarm-button"] = alarmUntil != nil
        io.contacts["occupancy"] = !riders.isEmpty
        io.contacts["inspection"] = inspection
        io.contacts["safety-circuit"] = safetyCircuit && mains
        io.contacts["mains"] = mains
        io.powered = mains
        guard device.profile.usesModbus else { return }
        let floorIndex = min(max(nearest, 0), floors - 1)
        var status = moving ? (direction > 0 ? 1 : 2) : 0
        if inDoorZone { status |= 1 << 2 }
        if doorsClosed { status |= 1 << 3 }
        if !riders.isEmpty { status |= 1 << 4 }
        if inspection { status |= 1 << 8 }
        io.values["floor"] = .number(Double(label(ofIndex: floorIndex)))
        io.values["status"] = .number(Double(status))
        io.values["speed"] = .number(moving ? speed : 0)
        io.values["fault-code"] = .number(faultCode)
    }

    func state() -> [String: JSONValue] {
        let location: String
        if inDoorZone {
            location = "at floor \(label(ofIndex: nearest))"
        } else if position > Double(floors - 1) {
            location = "above the top landing"
        } else if position < 0 {
            location = "below the bottom landing"
        } else {
            let below = Int(position.rounded(.down))
            location = "between floors \(label(ofIndex: below)) and \(label(ofIndex: below + 1))"
        }
        let phaseName: String
        switch phase {
        case .idle: phaseName = "idle"
        case .departing: phaseName = "departing"
        case .moving(let d): phaseName = d > 0 ? "moving up" : "moving down"
        case .opening: phaseName = "doors opening"
        case .open: phaseName = "doors open"
        case .closing: phaseName = "doors closing"
        case .halted: phaseName = "halted"
        }
        return [
            "position": .string(location),
            "phase": .string(phaseName),
            "doors": .string(doorsClosed ? "closed" : door >= 1 ? "open" : "moving"),
            "riders": .number(Double(riders.count)),
            "waiting": .number(Double(waiting.values.map(\.count).reduce(0, +))),
            "calls": .array(calls.sorted().map { .number(Double(label(ofIndex: $0))) }),
            "trips": .number(Double(trips)),
        ]
    }
}
