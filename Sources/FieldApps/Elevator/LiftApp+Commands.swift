import FieldCore

extension LiftApp {
    /// The commands the lift takes (docs/elevator.md):
    /// - `status`: direction, floor, door, occupancy, mode, active alarms;
    /// - `stats`: trips, door cycles, running hours, faults by type;
    /// - `restore-stats` `{…a stats reply…}`: the runtime gives back what it kept across a restart;
    /// - `maintenance` `{"action": "start"|"end", "for": "2h"}`: a technician's window (the lift is
    ///   out of service, faults a technician causes are not reported);
    /// - `set-floor` `{"floor": 3}`: the technician tells the counter where the stopped car is.
    mutating func perform(_ command: AppCommand, now: Timestamp) throws(AppError) -> JSONValue {
        let args = CommandFields(command)
        switch command.name {
        case "status":
            try args.only()
            return statusReport(now: now)
        case "stats":
            try args.only()
            return stats.json
        case "restore-stats":
            stats = try LiftStatistics(restoring: command.arguments)
            return stats.json
        case "maintenance":
            try args.only("action", "for")
            guard let action = try args.string("action", main: true, oneOf: ["start", "end"]) else {
                throw AppError("maintenance: say start or end")
            }
            let duration = try args.duration("for")
            let wasActive = maintenanceUntil.map { $0 > now } ?? false
            if action == "start" {
                maintenanceUntil = now + (duration ?? settings.maintenanceDuration)
            } else {
                if duration != nil { throw AppError("maintenance: end takes no duration") }
                maintenanceUntil = nil
            }
            return .object([
                "maintenance": .bool(maintenanceUntil != nil),
                "was-active": .bool(wasActive),
                "until": maintenanceUntil.map { .string($0.iso8601(offsetMinutes: context.site.utcOffsetMinutes)) } ?? .null,
            ])
        case "set-floor":
            try args.only("floor")
            guard let label = try args.int("floor", main: true) else { throw AppError("set-floor: which floor?") }
            guard counter != nil else {
                throw AppError("set-floor: floors are not counted on this lift (no \"floors\" setting, or the door zone was never read)")
            }
            guard let index = settings.index(ofLabel: label) else {
                throw AppError("set-floor: the lift does not serve floor \(label)")
            }
            guard run == nil, contacts[.doorZone] == true else {
                throw AppError("set-floor: the car must be stopped in a door zone")
            }
            counter?.set(landing: index)
            floorLost = false
            return statusReport(now: now)
        default:
            throw AppError("unknown command \"\(command.name)\" (the lift takes: status, stats, restore-stats, maintenance, set-floor)")
        }
    }
}
