import FieldCore

/// The lift gateway's settings: the device's `settings` object in the site file, every value with
/// a default (docs/elevator.md lists them all).
struct LiftSettings: Sendable {
    /// Landings served; without it (and without a controller floor) floors are not counted.
    var floors: Int?
    /// The bottom landing's number as people call it (−2 for a second basement).
    var bottomFloor = 1
    /// Chinese numbering has no floor 0: −1 is followed by 1.
    var skipZero = true
    var travelTimePerFloor: Duration = .seconds(3)
    var floorHeight = 3.0
    /// Per-floor heights (m) from each landing to the next, bottom up (`floors` − 1 of them), for
    /// a lobby or a plant floor taller than the rest; nil: every floor is `floorHeight`.
    var floorHeights: [Double]?
    var overspeedFactor = 1.15
    var reopenCount = 5
    var alarmButtonClear: Duration = .seconds(30)
    var floorLostClearRuns = 5
    var maintenanceDuration: Duration = .hours(2)
    var pirHold: Duration = .seconds(10)
    /// Motion seen again this long after the first motion in a closed car confirms a person.
    var presenceConfirm: Duration = .seconds(10)
    /// Motions further apart than this are separate episodes (two blips half an hour apart are not a person).
    var presenceWindow: Duration = .seconds(60)
    /// The inspection switch excuses a power loss (a technician switching the lift off).
    var inspectionSuppressesPowerLoss = true
    var debounce: [LiftSignal: Duration] = Dictionary(uniqueKeysWithValues: LiftSignal.allCases.map { ($0, $0.defaultDebounce) })
    var delays: [LiftFault: Duration] = Dictionary(uniqueKeysWithValues: LiftFault.allCases.map { ($0, $0.defaultDelay) })
    var disabled: Set<LiftFault> = []
    /// The service-mode codes of the controller's `status` word (bits 8–11) and the modes they mean.
    var statusCodes: [Int: LiftMode] = [0: .normal, 1: .inspection, 2: .fireReturn, 3: .firefighter, 4: .outOfService]

    /// The height (m) between two landings: the per-floor heights summed, else `floorHeight` per floor.
    func height(from a: Int, to b: Int) -> Double {
        let (lo, hi) = (min(a, b), max(a, b))
        if let hs = floorHeights, lo >= 0, hi <= hs.count { return hs[lo..<hi].reduce(0, +) }
        return floorHeight * Double(hi - lo)
    }

    /// Rated speed, m/s: one (typical) floor height per travel time.
    var ratedSpeed: Double { floorHeight / travelTimePerFloor.inSeconds }

    init(settings: JSONObjectReader?) {
        guard let s = settings else {
            delays[.runTimeLimit] = defaultRunTimeLimit
            return
        }
        floors = s.int("floors", range: 2...250)
        bottomFloor = s.int("bottom-floor", range: -20...250) ?? bottomFloor
        skipZero = s.bool("skip-zero") ?? skipZero
        travelTimePerFloor = s.duration("travel-time-per-floor", range: .milliseconds(500)...(.seconds(60))) ?? travelTimePerFloor
        floorHeight = s.double("floor-height", range: 1...20) ?? floorHeight
        floorHeights = s.array("floor-heights") { v, path -> Double? in
            guard let n = v.numberValue, n.isFinite, (1...20).contains(n) else {
                s.reader.report(path, "expected a floor height in metres (1…20)")
                return nil
            }
            return n
        }
        if let hs = floorHeights, hs.count != (floors ?? 1) - 1 {
            let expected = floors.map { "\($0 - 1) (one per floor from each landing to the next, for \($0) floors)" } ?? "floors to be given"
            s.reader.report(s.path.key("floor-heights"), "has \(hs.count) heights; expected \(expected)")
        }
        overspeedFactor = s.double("overspeed-factor", range: 1.01...2) ?? overspeedFactor
        reopenCount = s.int("reopen-count", range: 2...100) ?? reopenCount
        alarmButtonClear = s.duration("alarm-button-clear", range: .zero...(.hours(1))) ?? alarmButtonClear
        floorLostClearRuns = s.int("floor-lost-clear-runs", range: 1...1000) ?? floorLostClearRuns
        maintenanceDuration = s.duration("maintenance-duration", range: .minutes(1)...(.hours(24))) ?? maintenanceDuration
        pirHold = s.duration("pir-hold", range: .zero...(.minutes(10))) ?? pirHold
        presenceConfirm = s.duration("presence-confirm", range: .seconds(1)...(.minutes(10))) ?? presenceConfirm
        presenceWindow = s.duration("presence-window", range: .seconds(1)...(.hours(1))) ?? presenceWindow
        inspectionSuppressesPowerLoss = s.bool("inspection-suppresses-power-loss") ?? inspectionSuppressesPowerLoss
        if let o = s.object("debounce") {
            for signal in LiftSignal.allCases {
                if let d = o.duration(signal.rawValue, range: .zero...(.seconds(10))) { debounce[signal] = d }
            }
            o.finish()
        }
        // The run-time limit's default depends on the travel, read above.
        delays[.runTimeLimit] = defaultRunTimeLimit
        if let o = s.object("delays") {
            for fault in LiftFault.allCases {
                if let d = o.duration(fault.rawValue, range: .zero...(.hours(24))) { delays[fault] = d }
            }
            o.finish()
        }
        if let list = s.array("disabled", { v, path -> LiftFault? in
            guard let name = v.stringValue, let fault = LiftFault(rawValue: name) else {
                s.reader.report(path, "expected an alarm type (one of: \(LiftFault.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
            return fault
        }) {
            disabled = Set(list)
        }
        if let o = s.object("status-codes") {
            var codes: [Int: LiftMode] = [:]
            for key in o.fields.keys.sorted() {
                guard let code = Int(key), (0...15).contains(code) else {
                    s.reader.report(o.path.key(key), "expected a service-mode code (0–15) as the key")
                    o.allow(key)
                    continue
                }
                if let mode = o.enumeration(key, LiftMode.self) { codes[code] = mode }
            }
            o.finish()
            statusCodes = codes
        }
    }

    /// The motor run-time limiter's bound (GB/T 7588.1-2020 / EN 81-20 §5.9.2.7, as we read it):
    /// the lesser of 45 s and the full travel's time plus 10 s, but not under 20 s.
    var defaultRunTimeLimit: Duration {
        guard let floors else { return .seconds(45) }
        let fullTravel = travelTimePerFloor.inSeconds * Double(floors - 1)
        return .milliseconds(Int64(max(20, min(45, fullTravel + 10)) * 1000))
    }

    /// How landings are numbered (shared with the simulator's lift model).
    var numbering: FloorNumbering { FloorNumbering(bottomFloor: bottomFloor, skipZero: skipZero, landings: floors) }

    /// The floor number people use for landing `index` (0 = bottom).
    func label(ofIndex index: Int) -> Int { numbering.label(ofIndex: index) }

    /// The landing index of floor number `label`; nil for a floor the lift does not serve.
    func index(ofLabel label: Int) -> Int? { numbering.index(ofLabel: label) }
}
