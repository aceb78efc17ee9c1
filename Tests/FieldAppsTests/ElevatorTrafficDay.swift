import Foundation
import FieldCore
@testable import FieldApps

/// A simulated day of an office lift, as its contacts see it: 10 landings (floors −1, 1…9; the
/// lobby is floor 1), 1 m/s, 3 m floors. Passengers call the car by a daily pattern (morning and
/// evening peaks, lunch, a quiet night), board and alight with the PIR seeing them move, sometimes
/// hold the doors (a reopening), ride with or without moving; the idle car returns to the lobby
/// and parks with its doors closed; a technician does a short inspection visit at 10:30. The door
/// lock contact bounces when it makes and chatters once in a while during a run, and people's
/// boarding shakes the door-zone sensor: all shorter than the debounce.
///
/// A pure generator: the same seed gives the same day.
struct ElevatorTrafficDay {
    struct Event {
        var at: Timestamp
        var sequence: Int
        var signal: LiftSignal
        var value: Bool
    }

    static let floors = 10
    static let lobby = 1
    static let floorHeight = 3.0
    static let zoneHalfHeight = 0.1

    private(set) var events: [Event] = []
    /// Runs that left a door zone.
    private(set) var trips = 0
    private(set) var doorOpenings = 0
    /// The car's landing (index: 0 is floor −1).
    private(set) var landing = lobby
    private(set) var inspectionVisits = 0
    private var t: Timestamp
    private var rng: ElevatorTestRandom

    private init(seed: UInt64, start: Timestamp) {
        rng = ElevatorTestRandom(seed: seed)
        t = start
    }

    static func generate(seed: UInt64, day start: Timestamp) -> ElevatorTrafficDay {
        var d = ElevatorTrafficDay(seed: seed, start: start)
        for (signal, value) in [(LiftSignal.doorZone, true), (.doorsClosed, true), (.up, false), (.down, false), (.alarmButton, false),
                                (.occupancy, false), (.inspection, false), (.safetyCircuit, true), (.mains, true)] {
            d.emit(signal, value, at: start)
        }
        let end = start + .hours(24) - .minutes(10)
        let inspectionAt = start + .hours(10) + .minutes(30)
        while true {
            let hour = CivilTime(d.t, offsetMinutes: 480).hour
            let call = d.t + .milliseconds(Int64(d.rng.exponential(mean: 3600 / Self.callsPerHour(hour)) * 1000))
            guard call < end else { break }
            if d.inspectionVisits == 0, call >= inspectionAt {
                d.t = max(d.t, inspectionAt)
                d.inspection()
                continue
            }
            // A car idle for 5 minutes away from the lobby goes home by day, empty.
            if call - d.t > .minutes(5), d.landing != Self.lobby, (7...21).contains(hour) {
                d.t += .minutes(5)
                d.travel(to: Self.lobby)
            }
            d.t = max(d.t, call)
            d.serveCall()
        }
        d.events.sort { ($0.at, $0.sequence) < ($1.at, $1.sequence) }
        return d
    }

    static func callsPerHour(_ hour: Int) -> Double {
        switch hour {
        case 0..<6: 2
        case 6: 20
        case 7, 8: 80
        case 9..<12: 40
        case 12, 13: 60
        case 14..<17: 40
        case 17, 18: 80
        case 19..<22: 30
        default: 8
        }
    }

    // MARK: - Passengers

    private mutating func serveCall() {
        let origin: Int, destination: Int
        let r = rng.unit()
        if r < 0.45 {
            origin = Self.lobby
            destination = rng.int(2...Self.floors - 1)
        } else if r < 0.85 {
            origin = rng.int(2...Self.floors - 1)
            destination = Self.lobby
        } else if r < 0.93 {
            (origin, destination) = rng.chance(0.5) ? (0, Self.lobby) : (Self.lobby, 0)
        } else {
            origin = rng.int(2...Self.floors - 1)
            destination = (origin + rng.int(1...Self.floors - 3) - 2) % (Self.floors - 2) + 2
        }
        guard origin != destination else { return }
        if landing != origin {
            wait(rng.uniform(0.5...2))
            travel(to: origin)
        }
        doorCycle()
        wait(rng.uniform(0.8...2))
        // The passenger moves now and then during the ride (or stands still: the hold covers it).
        let rideStart = t
        travel(to: destination)
        motion(from: rideStart + .milliseconds(500), to: t - .milliseconds(500), meanGap: 4)
        doorCycle()
    }

    /// Doors open 1 s after the stop, people move through, doors close (the lock contact bouncing);
    /// sometimes someone holds them and they reopen.
    private mutating func doorCycle() {
        wait(1)
        open()
        let dwell = rng.uniform(5...9)
        motion(from: t + .milliseconds(500), to: t + .milliseconds(Int64((dwell - 1) * 1000)), meanGap: 1)
        if rng.chance(0.1) {
            // Boarding shakes the door-zone sensor for 8 ms.
            emit(.doorZone, false, at: t + .seconds(2))
            emit(.doorZone, true, at: t + .milliseconds(2008))
        }
        wait(dwell)
        close()
        if rng.chance(0.08) {
            wait(rng.uniform(0.6...1.5))
            open()
            wait(4)
            close()
        }
    }

    private mutating func open() {
        emit(.doorsClosed, false, at: t)
        doorOpenings += 1
    }

    private mutating func close() {
        emit(.doorsClosed, true, at: t)
        if rng.chance(0.3) {
            emit(.doorsClosed, false, at: t + .milliseconds(30))
            emit(.doorsClosed, true, at: t + .milliseconds(70))
        }
        wait(0.5)
    }

    /// PIR pulses (the module's output: 0.8–2.5 s per movement) between `a` and `b`.
    private mutating func motion(from a: Timestamp, to b: Timestamp, meanGap: Double) {
        var x = a
        while true {
            let on = x + .milliseconds(Int64(rng.exponential(mean: meanGap) * 1000))
            let off = on + .milliseconds(Int64(rng.uniform(0.8...2.5) * 1000))
            guard off < b else { return }
            emit(.occupancy, true, at: on)
            emit(.occupancy, false, at: off)
            x = off + .milliseconds(300)
        }
    }

    // MARK: - Motion

    private mutating func travel(to target: Int) {
        move(from: Double(landing) * Self.floorHeight, to: Double(target) * Self.floorHeight, speed: 1.0, acceleration: 0.8)
        landing = target
    }

    /// A run from height `h0` to `h1` (m): direction on, brake lifts after 0.6 s, trapezoidal
    /// speed profile, door-zone edges where the car crosses a zone's boundary (±0.1 m around each
    /// landing), direction off 0.4 s after the car stops.
    private mutating func move(from h0: Double, to h1: Double, speed v: Double, acceleration a: Double) {
        let up = h1 > h0
        let direction: LiftSignal = up ? .up : .down
        emit(direction, true, at: t)
        let start = t + .milliseconds(600)
        let distance = abs(h1 - h0)
        let reach = v * v / (2 * a)
        let (vPeak, rampTime) = distance >= 2 * reach ? (v, v / a) : ((a * distance).squareRoot(), (distance / a).squareRoot())
        let rampDistance = vPeak * vPeak / (2 * a)
        let total = distance >= 2 * reach ? distance / v + v / a : 2 * rampTime
        /// Seconds from the start of motion until the car has covered `x` metres.
        func time(at x: Double) -> Double {
            if x <= rampDistance { return (2 * x / a).squareRoot() }
            if x <= distance - rampDistance { return rampTime + (x - rampDistance) / vPeak }
            return total - (2 * (distance - x) / a).squareRoot()
        }
        var boundaries: [(x: Double, entered: Bool)] = []
        for k in 0..<Self.floors {
            for (edge, entersGoingUp) in [(Double(k) * Self.floorHeight - Self.zoneHalfHeight, true), (Double(k) * Self.floorHeight + Self.zoneHalfHeight, false)] {
                let covered = up ? edge - h0 : h0 - edge
                if covered > 0, covered < distance { boundaries.append((covered, up == entersGoingUp)) }
            }
        }
        for b in boundaries.sorted(by: { $0.x < $1.x }) {
            emit(.doorZone, b.entered, at: start + .milliseconds(Int64(time(at: b.x) * 1000)))
        }
        if rng.chance(0.03) {
            // A poorly fitted lock contact chatters for 60 ms mid-run.
            let mid = start + .milliseconds(Int64(total * 500))
            emit(.doorsClosed, false, at: mid)
            emit(.doorsClosed, true, at: mid + .milliseconds(60))
        }
        let stop = start + .milliseconds(Int64(total * 1000))
        t = stop + .milliseconds(400)
        emit(direction, false, at: t)
        if distance > Self.zoneHalfHeight { trips += 1 }
    }

    /// A technician on inspection: stops the pit (safety circuit open), rides up 1.5 floors at
    /// 0.3 m/s, stops between landings for two minutes, rides back, leaves inspection.
    private mutating func inspection() {
        if landing != Self.lobby { travel(to: Self.lobby) }
        wait(5)
        emit(.inspection, true, at: t)
        wait(20)
        emit(.safetyCircuit, false, at: t)
        wait(60)
        emit(.safetyCircuit, true, at: t)
        wait(10)
        let h = Double(landing) * Self.floorHeight
        move(from: h, to: h + 4.5, speed: 0.3, acceleration: 0.3)
        wait(120)
        move(from: h + 4.5, to: h, speed: 0.3, acceleration: 0.3)
        wait(30)
        emit(.inspection, false, at: t)
        wait(5)
        inspectionVisits += 1
    }

    // MARK: - Plumbing

    private mutating func wait(_ seconds: Double) { t += .milliseconds(Int64(seconds * 1000)) }

    private mutating func emit(_ signal: LiftSignal, _ value: Bool, at time: Timestamp) {
        events.append(Event(at: time, sequence: events.count, signal: signal, value: value))
    }
}
