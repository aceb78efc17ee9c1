import FieldCore

/// Maintenance statistics (GB/T 24476's statistics data): trips, door cycles, running time and
/// faults by type, counted since the gateway started or since the runtime restored them.
struct LiftStatistics: Hashable, Sendable {
    /// Runs that left a door zone (a re-levelling inside the zone is not a trip).
    var trips = 0
    /// Door openings.
    var doorCycles = 0
    var runningSeconds = 0.0
    var faults: [LiftFault: Int] = [:]

    var runningHours: Double { runningSeconds / 3600 }
    var totalFaults: Int { faults.values.reduce(0, +) }

    var json: JSONValue {
        var byType: [String: JSONValue] = [:]
        for (fault, n) in faults { byType[fault.rawValue] = .number(Double(n)) }
        return .object([
            "trips": .number(Double(trips)),
            "door-cycles": .number(Double(doorCycles)),
            "running-hours": .number((runningHours * 1000).rounded() / 1000),
            "faults": .object(byType),
        ])
    }

    /// Reads statistics in the shape `json` writes (what the runtime kept from a `stats` reply).
    init(restoring value: JSONValue) throws(AppError) {
        func count(_ v: JSONValue?, _ name: String) throws(AppError) -> Int {
            guard let n = v?.numberValue, n == n.rounded(), AppCommands.counts.contains(n) else {
                throw AppError("restore-stats: \(name) must be a whole number ≥ 0")
            }
            return Int(n)
        }
        guard case .object(let o) = value else { throw AppError("restore-stats: expected the object a stats reply gives") }
        for key in o.keys where !["trips", "door-cycles", "running-hours", "faults"].contains(key) {
            throw AppError("restore-stats: unknown field \"\(key)\"")
        }
        trips = try count(o["trips"] ?? 0, "trips")
        doorCycles = try count(o["door-cycles"] ?? 0, "door-cycles")
        guard let hours = (o["running-hours"] ?? 0).numberValue, AppCommands.counts.contains(hours) else {
            throw AppError("restore-stats: running-hours must be a number ≥ 0")
        }
        runningSeconds = hours * 3600
        for (key, n) in o["faults"]?.objectValue ?? [:] {
            guard let fault = LiftFault(rawValue: key) else { throw AppError("restore-stats: unknown fault type \"\(key)\"") }
            faults[fault] = try count(n, "faults.\(key)")
        }
    }

    init() {}
}
