import FieldCore

extension LiftApp {
    /// The service mode: a maintenance window, the inspection switch, the controller's own mode,
    /// then no power or an open safety circuit (out of service), else normal.
    func mode(at now: Timestamp) -> LiftMode {
        if isUnderMaintenance(at: now) { return .outOfService }
        if contacts[.inspection] == true { return .inspection }
        if let m = controllerMode, m != .normal { return m }
        if contacts[.mains] == false || contacts[.safetyCircuit] == false { return .outOfService }
        return .normal
    }

    /// The floor number people use: the controller's, else the counted landing the car is at (or
    /// the one below it between floors); nil while unknown.
    var carFloor: Int? {
        if hasControllerFloor, let f = controllerFloor { return f }
        return counter?.nearestLandingBelow.map(settings.label(ofIndex:))
    }

    /// The derived status values that changed since they were last published.
    mutating func status(now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        effects += derived.changed("direction", .text((run?.direction ?? .stopped).rawValue), now: now)
        effects += derived.changed("car-floor", carFloor.map { .number(Double($0)) }, now: now)
        effects += derived.changed("door-state", contacts[.doorsClosed].map { .text($0 ? "closed" : "open") }, now: now)
        effects += derived.changed("occupied", .bool(isOccupied), now: now)
        effects += derived.changed("mode", .text(mode(at: now).rawValue), now: now)
        if !hasControllerSpeed {
            effects += derived.changed("car-speed", .number(((run?.speed ?? 0) * 100).rounded() / 100), unit: "m/s", now: now)
        }
        effects += derived.changed("trips", .number(Double(stats.trips)), now: now)
        effects += derived.changed("door-cycles", .number(Double(stats.doorCycles)), now: now)
        effects += derived.changed("running-hours", .number((stats.runningHours * 1000).rounded() / 1000), unit: "h", now: now)
        effects += derived.changed("faults", .number(Double(stats.totalFaults)), now: now)
        for (fault, n) in stats.faults.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            effects += derived.changed("faults-\(fault.rawValue)", .number(Double(n)), now: now)
        }
        return effects
    }

    /// The `status` command's reply.
    func statusReport(now: Timestamp) -> JSONValue {
        let closed = contacts[.doorsClosed], zone = contacts[.doorZone]
        return .object([
            "direction": .string((run?.direction ?? .stopped).rawValue),
            "floor": carFloor.map { .number(Double($0)) } ?? .null,
            "position": .string(location),
            "in-door-zone": zone.map(JSONValue.bool) ?? .null,
            "door": closed.map { .string($0 ? "closed" : "open") } ?? .null,
            "occupied": .bool(isOccupied),
            "mode": .string(mode(at: now).rawValue),
            "running-for": run.map { .number((now - $0.start).inSeconds.rounded()) } ?? .null,
            "maintenance-until": maintenanceUntil.map { .string($0.iso8601(offsetMinutes: context.site.utcOffsetMinutes)) } ?? .null,
            "active-alarms": .array(LiftFault.allCases.filter(active.contains).map { .string($0.rawValue) }),
            "floor-count": counter.map { .string($0.isKnown ? "synchronised" : "not yet synchronised") } ?? "off",
        ])
    }
}
