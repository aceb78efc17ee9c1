import FieldCore
import FieldDevices
import FieldRuntime

/// Board lines through the GPIO worker; lamps, lifts and maintenance windows through the apps.
extension GatewayBackend {
    /// The apps that take a `maintenance` command (`{"action": "start"|"end", "for": …}`).
    static let maintenanceApps: Set<String> = ["pole-cabinet", "lift", "pressure", "tank-level", "pump-room"]

    package func gpioLines() -> [GPIOLineInfo] {
        var wiring: [String: [String]] = [:]
        for d in started.site.devices {
            for (signal, line) in d.signals { wiring[line, default: []].append("\(d.id).\(signal)") }
        }
        return started.board.lines.map {
            GPIOLineInfo(name: $0.name, isOutput: $0.direction == .output, location: "\($0.chip):\($0.offset)",
                         wiredTo: wiring[$0.name].map { $0.sorted().joined(separator: ", ") })
        }
    }

    package func gpioGet(_ line: String) throws(BackendError) -> GPIOLineState {
        let l = try boardLine(line)
        if l.direction == .input, !isWired(line) {
            throw .rejected("\(line) is an input no device of the site uses, so the gateway does not read it")
        }
        guard let gpio = gateway.gpio else { throw .unavailable("this gateway has no GPIO lines in use") }
        switch gpio.value(of: line) {
        case .success(let active):
            return GPIOLineState(name: line, active: active, isOutput: l.direction == .output, revertsAt: revertTime(line))
        case .failure(let e):
            throw BackendError(e)
        }
    }

    package func gpioSet(_ line: String, active: Bool, revertAfter: Duration?, by actor: String) throws(BackendError) -> GPIOLineState {
        let l = try boardLine(line)
        guard l.direction == .output else { throw .rejected("\(line) is an input; only outputs can be set") }
        guard gateway.gpio != nil else { throw .unavailable("this gateway has no GPIO lines in use") }
        // The platform's path: a GatewayCommand through the engine, answered once the line is driven.
        _ = try command(.setOutput(line: line, value: active, revertAfter: revertAfter), by: actor, "gpio set \(line)")
        let until = revertAfter.map { clock.now() + $0 }
        reverts.withLock { $0[line] = until }
        log.notice("\(actor): \(line) \(active ? "on" : "off")" + (revertAfter.map { " for \(formatDuration($0))" } ?? ""))
        return GPIOLineState(name: line, active: active, isOutput: true, revertsAt: until)
    }

    private func boardLine(_ name: String) throws(BackendError) -> BoardLine {
        guard let l = started.board.line(name) else {
            throw .notFound(kind: "line", name: name, suggestions: closest(name, among: started.board.lines.map(\.name)))
        }
        return l
    }

    private func isWired(_ line: String) -> Bool {
        started.site.devices.contains { $0.enabled && $0.signals.values.contains(line) }
    }

    private func revertTime(_ line: String) -> Timestamp? {
        let now = clock.now()
        return reverts.withLock { r in
            guard let t = r[line], t > now else {
                r[line] = nil
                return nil
            }
            return t
        }
    }

    package func liftStatus(_ device: String?) throws(BackendError) -> [LiftStatus] {
        let lifts: [DeviceConfig]
        if let device {
            lifts = [try appDevice(device, app: "lift", kind: "lift")]
        } else {
            lifts = started.site.devices.filter { $0.enabled && $0.profile.app == "lift" }
        }
        let alarms = gateway.engine.alarms.filter(\.active)
        return lifts.map { d in
            let points = gateway.engine.points
            func value(_ name: String) -> PointValue? {
                points.reading(PointRef(device: d.id, point: name)).flatMap { $0.quality.isGood ? $0.value : nil }
            }
            let direction = value("direction").flatMap { v -> LiftStatus.Direction? in
                if case .text(let t) = v { return LiftStatus.Direction(rawValue: t) }
                return nil
            }
            let doors: Bool? = {
                if case .text(let t)? = value("door-state") { return t == "closed" }
                return value("doors-closed")?.bool
            }()
            let mode: String? = { if case .text(let t)? = value("mode") { return t } else { return nil } }()
            return LiftStatus(device: d.id, floor: (value("car-floor") ?? value("floor"))?.number.flatMap { Int(exactly: $0.rounded()) }, direction: direction,
                              inDoorZone: value("door-zone")?.bool, doorsClosed: doors, occupied: (value("occupied") ?? value("occupancy"))?.bool,
                              mode: mode, safetyCircuitClosed: value("safety-circuit")?.bool, mainsPresent: value("mains")?.bool,
                              speed: (value("speed") ?? value("car-speed"))?.number,
                              activeAlarms: alarms.filter { $0.id.device == d.id }.map(\.id))
        }
    }

    package func maintenance(_ action: MaintenanceAction, by actor: String) throws(BackendError) -> [MaintenanceWindow] {
        let scope: String?
        switch action {
        case .start(let s, _), .end(let s): scope = s
        }
        let targets: [DeviceConfig]
        if let scope {
            let d = try appDevice(scope, app: nil, kind: "device")
            guard let app = d.profile.app, GatewayBackend.maintenanceApps.contains(app) else {
                throw .rejected("\(scope) takes no maintenance window (pole cabinets and lifts do)")
            }
            targets = [d]
        } else {
            targets = started.site.devices.filter { $0.enabled && $0.profile.app.map(GatewayBackend.maintenanceApps.contains) == true }
            guard !targets.isEmpty else { throw .rejected("no device of this site takes a maintenance window (pole cabinets and lifts do)") }
        }
        var arguments: [String: JSONValue] = [:]
        switch action {
        case .start(_, let duration):
            arguments["action"] = "start"
            if let duration { arguments["for"] = .string(formatDuration(duration)) }
        case .end:
            arguments["action"] = "end"
        }
        var latest: Timestamp?
        // Ending: was any window open (one the console opened, or one an app had, e.g. from the platform)?
        var wasOpen = windows.withLock { w in scope.map { w[$0] != nil } ?? !w.isEmpty }
        for d in targets {
            let reply = try command(.app(device: d.id, command: "maintenance", arguments: .object(arguments)), by: actor, "maintenance \(d.id)")
            if let t = reply["until"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }) { latest = max(latest ?? t, t) }
            if reply["was-active"]?.boolValue == true { wasOpen = true }
        }
        let now = clock.now()
        if case .end = action, !wasOpen { throw .rejected("no maintenance window open") }
        windows.withLock { w in
            switch action {
            case .start:
                w[scope ?? ""] = MaintenanceWindow(scope: scope, startedBy: actor, since: now, until: latest)
            case .end:
                if scope == nil { w.removeAll() } else { w[scope!] = nil }
            }
        }
        return maintenanceWindows(now: now)
    }

    /// Open windows, oldest first; expired ones are dropped.
    func maintenanceWindows(now: Timestamp) -> [MaintenanceWindow] {
        windows.withLock { w in
            w = w.filter { $0.value.until.map { $0 > now } ?? true }
            return w.values.sorted { $0.since < $1.since }
        }
    }

    /// A device of the site whose profile runs `app` (any device when nil).
    private func appDevice(_ id: String, app: String?, kind: String) throws(BackendError) -> DeviceConfig {
        guard let d = started.site.device(id) else {
            let candidates = started.site.devices.filter { app == nil || $0.profile.app == app }.map(\.id)
            throw .notFound(kind: kind, name: id, suggestions: closest(id, among: candidates))
        }
        if let app, d.profile.app != app { throw .rejected("\(id) is not a \(kind) (profile \(d.profile.id))") }
        guard d.enabled else { throw .rejected("\(id) is disabled in the site config") }
        return d
    }
}
