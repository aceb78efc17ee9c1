import FieldCore

/// Where one of the site's points (or a whole device) sits in the centre's model: a component
/// of a building fire facility system (site file `uplinks.gb26875.points`, docs/gb26875.md).
package struct GB26875PointMapping: Sendable, Hashable {
    /// The point; nil for a device-level entry (its device's alarms that name no mapped point).
    package var point: PointRef?
    package var device: String
    package var system: GB26875System
    package var component: GB26875ComponentRef
    /// A numeric point's analogue type (table 7) and the factor from the point's unit to it
    /// (MPa → 0.1 kPa: 10000); nil: the value is not sent.
    package var analog: (type: UInt8, scale: Double)?
    /// A state point's bits while it is true (a pump's run contact: `started`); nil: not sent.
    package var whenTrue: GB26875State?
    /// Alarm type → the state bits it sets, overriding the default (docs/gb26875.md).
    package var alarms: [String: GB26875State]

    package init(point: PointRef?, device: String, system: GB26875System, component: GB26875ComponentRef,
                analog: (type: UInt8, scale: Double)? = nil, whenTrue: GB26875State? = nil, alarms: [String: GB26875State] = [:]) {
        (self.point, self.device, self.system, self.component) = (point, device, system, component)
        (self.analog, self.whenTrue, self.alarms) = (analog, whenTrue, alarms)
    }

    package static func == (a: Self, b: Self) -> Bool {
        let place = a.point == b.point && a.device == b.device && a.system == b.system && a.component == b.component
        let analog = a.analog?.type == b.analog?.type && a.analog?.scale == b.analog?.scale
        return place && analog && a.whenTrue == b.whenTrue && a.alarms == b.alarms
    }

    package func hash(into h: inout Hasher) {
        h.combine(point)
        h.combine(device)
        h.combine(component)
    }

    /// The state bits an alarm type sets when the mapping does not say: faults of the sensor or
    /// the link are `fault`, a fire alarm is `fireAlarm`, everything else (low pressure, a closed
    /// valve, a low tank) is `supervisory` (监管).
    package func bits(forAlarm type: String) -> GB26875State {
        if let b = alarms[type] { return b }
        let t = type.lowercased()
        if t.hasPrefix("fire") && !t.hasPrefix("fire-pump") { return .fireAlarm }
        if ["fault", "sensor", "comm", "offline", "stale", "open-circuit", "short-circuit", "loop"].contains(where: { t.contains($0) }) { return .fault }
        return .supervisory
    }
}

/// One record for the centre: a data unit with one object, and whether it is an event (stored
/// durably, sent first) or an analogue sample.
package struct GB26875Record: Sendable, Hashable {
    package var event: Bool
    package var unit: GB26875DataUnit
    /// What it is about, for the outbox's topic column and the log (`component-status main-pt.pressure`).
    package var subject: String
}

/// Turns the gateway's alarm events and readings into GB 26875.3 data units through the site's
/// mapping. Keeps the state bits of every mapped component (the alarms active on it, its state
/// points), because a state object carries the component's whole state, not one change.
/// Not thread-safe: one caller (the engine's sink) at a time.
package final class GB26875Translator {
    package let mappings: [GB26875PointMapping]
    /// Local time's offset east of UTC: time labels are local time.
    package let utcOffsetMinutes: Int
    /// The shortest time between two analogue values of one point.
    package let analogInterval: Duration
    /// The centre's time sync, shared with the link: every time label is on the device's clock.
    package let timeSync: GB26875TimeSync
    private var active: [GB26875ComponentRef: [String: GB26875State]] = [:]
    private var systemBits: [GB26875System: GB26875State] = [:]
    private var lastAnalog: [PointRef: Timestamp] = [:]
    /// A component's state bits as last sent (or restored), and when its bits or a system's
    /// last changed (the time label of a read's answer).
    private var componentBits: [GB26875ComponentRef: GB26875State] = [:]
    private var changed: [GB26875ComponentRef: Timestamp] = [:]
    private var systemChanged: [GB26875System: Timestamp] = [:]
    private let log = Logger("gb26875")

    /// - Parameter timeSync: the link's (`GB26875Link.timeSync`), so the records and answers
    ///   the translator labels and the link's frames share one clock.
    package init(mappings: [GB26875PointMapping], utcOffsetMinutes: Int, analogInterval: Duration = .seconds(60),
                timeSync: GB26875TimeSync = GB26875TimeSync()) {
        self.mappings = mappings
        self.utcOffsetMinutes = utcOffsetMinutes
        self.analogInterval = analogInterval
        self.timeSync = timeSync
    }

    /// The mapping an alarm belongs to: its point's; else the entry of its device that names its
    /// type in `alarms`; else its device's entry without a point; else its device's first entry.
    package func mapping(forAlarm id: AlarmID) -> GB26875PointMapping? {
        let source = String(id.rawValue.prefix { $0 != "/" })
        let device = id.device
        return mappings.first { $0.point?.description == source }
            ?? mappings.first { $0.device == device && $0.alarms[id.type] != nil }
            ?? mappings.first { $0.point == nil && $0.device == device }
            ?? mappings.first { $0.device == device }
    }

    /// Takes the alarms that were active before a restart (the gateway restores them without new
    /// events) into the components' states, so the next state sent for a component still
    /// carries them. Sends nothing: the centre got their raise before the restart.
    package func restore(active ids: [AlarmID]) {
        for id in ids {
            guard let m = mapping(forAlarm: id) else { continue }
            active[m.component, default: [:]]["alarm:" + id.rawValue] = m.bits(forAlarm: id.type)
        }
        for component in Set(mappings.map(\.component)) { componentBits[component] = stateOf(component: component) }
        for system in Set(mappings.map(\.system)) { systemBits[system] = systemState(system) }
    }

    /// The component state (and, when it changed, the system state) an alarm event leads to; an
    /// acknowledgement is an operation record (confirm). Unmapped alarms give nothing.
    package func alarm(_ e: AlarmEvent) -> [GB26875Record] {
        guard let m = mapping(forAlarm: e.id) else { return [] }
        let key = "alarm:" + e.id.rawValue
        switch e.kind {
        case .raise: active[m.component, default: [:]][key] = m.bits(forAlarm: e.id.type)
        case .clear: active[m.component]?[key] = nil
        case .acknowledge:
            return build(e.time, subject: "operation \(e.id)") { t throws(GB26875Error) in
                GB26875DataUnit(.operationRecord, objects: [try GB26875Object.operationRecord(m.system, operations: .confirm, operatorNumber: 0, time: t)])
            }
        }
        return stateRecords(m, time: e.time, description: m.point?.description ?? e.id.rawValue)
    }

    /// The operation flags a console or platform command sets in an operation record, by the
    /// command's name (a profile's `reset`, `silence`, `self-test`; an app's `silence`); nil: the
    /// command is no operation of table 8.2.1.4 and is not sent.
    package static func operations(forCommand name: String) -> GB26875Operations? {
        switch name {
        case "reset": .reset
        case "silence": .silence
        case "self-test": .selfTest
        default: nil
        }
    }

    /// The facility operation record (type 4) of a command run on a device from the console or
    /// the platform: the device's system (its entry without a point, else its first entry),
    /// operator 0. Unmapped devices and commands that are no operation give nothing.
    /// - Parameters:
    ///   - unit: the unit id the command was sent to when it was not the device's own
    ///     (`modbus calibrate DEVICE reset --from UNIT`: a replacement sensor on its factory
    ///     address); nil: the device's.
    ///   - deviceUnit: the device's configured unit id. A command sent to another unit reset
    ///     (silenced, tested) that unit, not the mapped device: it gives nothing.
    package func operation(device: String, command: String, at time: Timestamp, unit: Int? = nil, deviceUnit: Int? = nil) -> [GB26875Record] {
        if let unit, unit != deviceUnit { return [] }
        guard let operations = Self.operations(forCommand: command),
              let m = mappings.first(where: { $0.point == nil && $0.device == device }) ?? mappings.first(where: { $0.device == device })
        else { return [] }
        return build(time, subject: "operation \(device) \(command)") { t throws(GB26875Error) in
            GB26875DataUnit(.operationRecord, objects: [try GB26875Object.operationRecord(m.system, operations: operations, operatorNumber: 0, time: t)])
        }
    }

    /// The transmission device's own operation record (type 24): the gateway restarted on a
    /// console or platform command is `reset`.
    package func deviceOperation(_ operations: GB26875Operations, at time: Timestamp) -> [GB26875Record] {
        build(time, subject: "device-operation \(operations.rawValue)") { t throws(GB26875Error) in
            GB26875DataUnit(.deviceOperation, objects: [try GB26875Object.deviceOperation(operations, operatorNumber: 0, time: t)])
        }
    }

    /// What readings lead to: a state point's change is a component state (an event); a numeric
    /// point's value an analogue value, at most one per `analogInterval` per point.
    package func readings(_ readings: [(PointRef, Reading)]) -> [GB26875Record] {
        var out: [GB26875Record] = []
        for (ref, reading) in readings {
            guard let m = mappings.first(where: { $0.point == ref }), let value = reading.value, reading.quality == .good else { continue }
            if let bits = m.whenTrue, case .bool(let on) = value {
                let key = "point:" + ref.description
                let was = active[m.component]?[key] != nil
                guard was != on else { continue }
                active[m.component, default: [:]][key] = on ? bits : nil
                out += stateRecords(m, time: reading.time, description: ref.description)
            } else if let (type, scale) = m.analog, let v = value.number {
                if let last = lastAnalog[ref], reading.time - last < analogInterval { continue }
                lastAnalog[ref] = reading.time
                guard let raw = Self.analogRaw(v, scale: scale) else {
                    log.warning("analog \(ref): \(v) × \(scale) does not fit the signed 2-byte field (−32768…32767): not sent")
                    continue
                }
                out += build(reading.time, subject: "analog \(ref)", event: false) { t throws(GB26875Error) in
                    GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(m.system, m.component, analogType: type,
                                                                                         value: Int(raw), time: t)])
                }
            }
        }
        return out
    }

    /// A reading in the unit of its analogue type: `value × scale` rounded to the nearest whole
    /// number (halves away from zero); nil when that is not finite or not in the signed 2-byte
    /// field's −32768…32767. The one check for the values sent and the values read.
    package static func analogRaw(_ value: Double, scale: Double) -> Int16? {
        Int16(exactly: (value * scale).rounded())
    }

    /// The device's running state for a heartbeat: monitoring, with fault and fire-alarm bits
    /// while any mapped component has them.
    package func deviceState() -> GB26875DeviceState {
        var s: GB26875DeviceState = .monitoring
        let all = active.values.flatMap(\.values).reduce(GB26875State()) { $0.union($1) }
        if all.contains(.fault) { s.insert(.fault) }
        if all.contains(.fireAlarm) { s.insert(.fireAlarm) }
        return s
    }

    /// A component's whole state now: normal, with the bits of its active alarms and true state points.
    func stateOf(component c: GB26875ComponentRef) -> GB26875State {
        (active[c]?.values.reduce(GB26875State()) { $0.union($1) } ?? []).union(.normal)
    }

    func stateOf(system s: GB26875System) -> GB26875State { systemState(s) }

    /// When the component's or the system's state last changed; nil when it has not since the start.
    func changedAt(_ c: GB26875ComponentRef) -> Timestamp? { changed[c] }
    func systemChangedAt(_ s: GB26875System) -> Timestamp? { systemChanged[s] }

    /// The time label for `t`: the site's local time, on the device's clock (with the centre's
    /// time sync applied, as the link's own labels are).
    package func civil(_ t: Timestamp) -> CivilTime { timeSync.civil(t, utcOffsetMinutes: utcOffsetMinutes) }

    private func stateRecords(_ m: GB26875PointMapping, time: Timestamp, description: String) -> [GB26875Record] {
        let bits = stateOf(component: m.component)
        // A second alarm with the same bits, or one of two cleared, changes nothing a read shows:
        // the time of the component's last change stays.
        if componentBits[m.component, default: .normal] != bits {
            componentBits[m.component] = bits
            changed[m.component] = time
        }
        var out = build(time, subject: "component-status \(description)") { t throws(GB26875Error) in
            GB26875DataUnit(.componentStatus, objects: [try GB26875Object.componentStatus(m.system, m.component, state: bits,
                                                                                         description: description, time: t)])
        }
        let system = systemState(m.system)
        if systemBits[m.system] != system {
            systemBits[m.system] = system
            systemChanged[m.system] = time
            out += build(time, subject: "system-status \(m.system.type)/\(m.system.address)") { t throws(GB26875Error) in
                GB26875DataUnit(.systemStatus, objects: [try GB26875Object.systemStatus(m.system, state: system, time: t)])
            }
        }
        return out
    }

    /// A system's state: normal, with every bit any of its components has.
    private func systemState(_ s: GB26875System) -> GB26875State {
        let components = Set(mappings.filter { $0.system == s }.map(\.component))
        return components.reduce(GB26875State.normal) { $0.union(stateOf(component: $1)) }
    }

    private func build(_ time: Timestamp, subject: String, event: Bool = true,
                       _ make: (CivilTime) throws(GB26875Error) -> GB26875DataUnit) -> [GB26875Record] {
        do {
            return [GB26875Record(event: event, unit: try make(civil(time)), subject: subject)]
        } catch {
            log.error("\(subject) not sent to the centre: \(error)")
            return []
        }
    }
}
