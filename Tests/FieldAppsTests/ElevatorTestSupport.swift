import Foundation
import Testing
import FieldCore
@testable import FieldApps

/// The fg-lift profile's signals, as the runtime describes them to the app.
let liftPoints: [String: AppPointInfo] = Dictionary(uniqueKeysWithValues: LiftSignal.allCases.map {
    ($0.rawValue, AppPointInfo(isSignal: true))
})

/// fg-lift-ctl: the same contacts plus the controller's register block.
let liftControllerPoints: [String: AppPointInfo] = liftPoints.merging([
    "floor": AppPointInfo(), "status": AppPointInfo(), "speed": AppPointInfo(unit: "m/s"), "fault-code": AppPointInfo(),
]) { a, _ in a }

/// 2026-03-02 00:00 China time.
let liftDayStart = CivilTime(year: 2026, month: 3, day: 2).timestamp(offsetMinutes: 480)

func makeLift(_ settings: String, points: [String: AppPointInfo] = liftPoints) throws -> (app: LiftApp, issues: [ConfigIssue]) {
    let (app, issues) = try liftFactoryResult(settings, points: points)
    return (try #require(app, "\(issues)"), issues)
}

/// What the factory makes of `settings`: an app only when they had no error.
func liftFactoryResult(_ settings: String, points: [String: AppPointInfo] = liftPoints) throws -> (app: LiftApp?, issues: [ConfigIssue]) {
    let reader = JSONReader()
    let object = reader.object(try JSONValue.parse(settings))
    let context = AppContext(deviceID: "lift-1", profileID: "fg-lift", points: points, site: SiteInfo(id: "tower"))
    let app = LiftFactory().make(context: context, settings: object)
    object?.finish()
    return (app as? LiftApp, reader.issues)
}

/// A lift on the bench: the test sets contacts and lets time pass (ticks every second, as the
/// runtime does), and reads what the app said.
struct LiftRig {
    var app: LiftApp
    var t: Timestamp
    var effects: [AppEffect] = []

    /// A lift at rest at its bottom landing: in the door zone, doors closed, empty, healthy.
    init(_ settings: String = #"{"floors": 10}"#, points: [String: AppPointInfo] = liftPoints, start: Timestamp = liftDayStart + .hours(9)) throws {
        let (app, issues) = try makeLift(settings, points: points)
        #expect(issues.isEmpty, "\(issues)")
        self.app = app
        t = start
        for (signal, value) in [(LiftSignal.doorZone, true), (.doorsClosed, true), (.up, false), (.down, false), (.alarmButton, false),
                                (.occupancy, false), (.inspection, false), (.safetyCircuit, true), (.mains, true)] {
            set(signal, value)
        }
    }

    mutating func set(_ signal: LiftSignal, _ value: Bool) {
        effects += app.handle(.reading(PointRef(device: "lift-1", point: signal.rawValue), .bool(value, at: t)), now: t)
    }

    mutating func setNumber(_ point: String, _ value: Double) {
        effects += app.handle(.reading(PointRef(device: "lift-1", point: point), .number(value, at: t)), now: t)
    }

    /// Lets `d` pass, ticking on every whole second.
    mutating func wait(_ d: Duration) {
        let end = t + d
        var next = Timestamp(milliseconds: (t.milliseconds / 1000 + 1) * 1000)
        while next <= end {
            t = next
            effects += app.handle(.tick, now: t)
            next += .seconds(1)
        }
        t = end
    }

    mutating func command(_ name: String, _ arguments: JSONValue = .object([:])) -> Result<JSONValue, AppError>? {
        let e = app.handle(.command(AppCommand(name: name, arguments: arguments, by: "tech")), now: t)
        effects += e
        return e.reply
    }

    var raised: [String] { effects.raisedAlarmTypes }
    var cleared: [String] { effects.alarms.filter { !$0.raised }.map(\.type) }

    mutating func forget() { effects = [] }

    /// A run of `floors` landings at `secondsPerFloor` (cruise): direction on, the zone left 1 s
    /// later, every landing's zone passed (0.4 s), the last one entered, stop 0.8 s after.
    /// `stopShort` stops 1 s after leaving the last landing passed instead (outside a zone).
    mutating func run(_ direction: LiftDirection, floors: Int, secondsPerFloor: Double = 3, stopShort: Bool = false) {
        let signal: LiftSignal = direction == .up ? .up : .down
        set(signal, true)
        wait(.seconds(1))
        set(.doorZone, false)
        for k in 1...floors {
            wait(.milliseconds(Int64((secondsPerFloor - 0.4) * 1000)))
            if k == floors && stopShort {
                wait(.seconds(1))
                break
            }
            set(.doorZone, true)
            if k == floors {
                wait(.milliseconds(800))
                break
            }
            wait(.milliseconds(400))
            set(.doorZone, false)
        }
        set(signal, false)
    }

    /// Doors open, a passenger walks in (PIR), doors close.
    mutating func board(dwell: Duration = .seconds(6)) {
        set(.doorsClosed, false)
        wait(.seconds(1))
        set(.occupancy, true)
        wait(dwell - .seconds(2))
        set(.occupancy, false)
        wait(.seconds(1))
        set(.doorsClosed, true)
    }

    /// The passenger inside moves (a PIR pulse).
    mutating func fidget() {
        set(.occupancy, true)
        wait(.seconds(1))
        set(.occupancy, false)
    }
}

/// A seeded generator (FieldCore's SplitMix64), so the simulated day is the same on every run.
struct ElevatorTestRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func uniform(_ range: ClosedRange<Double>) -> Double { range.lowerBound + unit() * (range.upperBound - range.lowerBound) }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

    /// Exponential with mean `mean`.
    mutating func exponential(mean: Double) -> Double { -mean * log1p(-unit()) }
}
