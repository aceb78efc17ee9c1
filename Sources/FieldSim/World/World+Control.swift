import FieldCore
import FieldDevices
import FieldHAL

extension World {
    /// What a `DEVICE.NAME` target names.
    enum Target {
        case knob(Knob)
        case point(SimulatedDevice, PointSpec)
        case signal(SimulatedDevice, SignalSpec)
    }

    /// Carries out a control request other than `status` and `accelerate` (the `Simulator`'s).
    func execute(_ request: ControlRequest, now: Timestamp) throws(ControlError) -> JSONValue {
        switch request {
        case .set(let target, let value): return try set(target, value, now: now)
        case .ramp(let target, let from, let to, let over): return try ramp(target, from: from, to: to, over: over, now: now)
        case .release(let target): return try release(target)
        case .fault(let target, let fault): return try inject(fault, into: target, now: now)
        case .clear(let target): return try clear(target)
        case .action(let target, let action, let arguments): return try perform(action, arguments, on: target, now: now)
        case .bounce(let target, let toggles, let interval): return try glitch(target, toggles: toggles, interval: interval)
        case .show(let target): return try show(target)
        case .status, .accelerate: return .null
        }
    }

    // MARK: Targets

    /// - Parameter reported: look for the device's points and signals before its knobs: faults
    ///   act on what a device reports (a cabinet's `door` contact), `set` on its physics (the door).
    func resolve(_ target: String, reported: Bool = false) throws(ControlError) -> Target {
        guard let dot = target.firstIndex(of: "."), dot != target.startIndex, target.index(after: dot) != target.endIndex else {
            throw ControlError("\"\(target)\": expected DEVICE.NAME (a knob, point or signal of a device or system)")
        }
        let owner = String(target[..<dot]), name = String(target[target.index(after: dot)...])
        if let d = device(owner) {
            if !reported, let k = d.model.knobs.named(name) { return .knob(k) }
            if let p = d.point(name) { return .point(d, p) }
            if let s = d.signal(name) { return .signal(d, s) }
            if let k = d.model.knobs.named(name) { return .knob(k) }
            for system in d.model.systems { if let k = system.knobs.named(name) { return .knob(k) } }
            let known = d.model.knobs.map(\.info.name) + (d.bank?.pointNames ?? []) + d.lines.keys.sorted()
                + d.model.systems.flatMap { $0.knobs.map(\.info.name) }
            throw ControlError("\(owner) has no knob, point or signal \"\(name)\"\(Self.suggestion(name, known))")
        }
        if let s = system(owner) {
            if let k = s.knobs.named(name) { return .knob(k) }
            throw ControlError("\(owner) has no knob \"\(name)\"\(Self.suggestion(name, s.knobs.map(\.info.name)))")
        }
        throw ControlError("no device or system \"\(owner)\"\(Self.suggestion(owner, devices.map(\.id) + systems.map(\.id)))")
    }

    func knob(_ target: String) throws(ControlError) -> Knob {
        guard case .knob(let k) = try resolve(target) else { throw ControlError("\(target) is not a knob") }
        return k
    }

    static func suggestion(_ name: String, _ known: [String]) -> String {
        if let near = known.min(by: { editDistance($0, name) < editDistance($1, name) }), editDistance(near, name) <= 3 {
            return " (did you mean \"\(near)\"?)"
        }
        return known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))"
    }

    // MARK: Values

    private func set(_ target: String, _ value: JSONValue, now: Timestamp) throws(ControlError) -> JSONValue {
        switch try resolve(target) {
        case .knob(let k):
            try k.set(value)
            knobRamps[target] = nil
            return ["target": .string(target), "value": k.get()]
        case .point(let d, let spec):
            let v = try pointValue(value, for: spec, target: target)
            if spec.isWritable, let bank = d.bank {
                do {
                    // Checks access and range as the device would for a master's write.
                    _ = try spec.write(v)
                    try bank.set(spec.name, to: v)
                } catch {
                    throw ControlError("\(target): \(error)")
                }
                return ["target": .string(target), "value": v.json]
            }
            d.forced[spec.name] = .hold(v)
            return ["target": .string(target), "forced": v.json]
        case .signal(let d, let s):
            guard s.direction == .input else { throw ControlError("\(target) is an output: the gateway drives it") }
            guard let b = value.boolValue ?? value.numberValue.map({ $0 != 0 }) else {
                throw ControlError("\(target) takes true (\(s.trueMeans)) or false (\(s.falseMeans))")
            }
            d.forced[s.name] = .hold(.bool(b))
            return ["target": .string(target), "forced": .bool(b)]
        }
    }

    private func pointValue(_ value: JSONValue, for spec: PointSpec, target: String) throws(ControlError) -> PointValue {
        if spec.type == .bool || spec.table.isBitTable {
            guard let b = value.boolValue ?? value.numberValue.flatMap({ $0 == 0 ? false : $0 == 1 ? true : nil }) else {
                throw ControlError("\(target) takes true or false, got \(value.serialized())")
            }
            return .bool(b)
        }
        guard let n = value.numberValue ?? value.boolValue.map({ $0 ? 1 : 0 }), n.isFinite else {
            throw ControlError("\(target) takes a number\(spec.engineeringUnit.isEmpty ? "" : " in \(spec.engineeringUnit)"), got \(value.serialized())")
        }
        return .number(n)
    }

    /// A point's present value in engineering units (a loop point's current mapped to its range).
    func engineeringValue(_ d: SimulatedDevice, _ spec: PointSpec) -> PointValue? {
        guard let v = try? d.bank?.get(spec.name) else { return nil }
        if let loop = spec.loop, let mA = v.number { return .number(loop.value(ofCurrent: mA)) }
        return v
    }

    private func ramp(_ target: String, from: Double?, to: Double, over: Duration, now: Timestamp) throws(ControlError) -> JSONValue {
        switch try resolve(target) {
        case .knob(let k):
            guard let start = from ?? k.get().numberValue else { throw ControlError("\(target) is not a number: set it instead") }
            try k.set(.number(to))
            try k.set(.number(start))
            knobRamps[target] = .ramp(from: start, to: to, start: now, duration: over)
            return ["target": .string(target), "from": .number(start), "to": .number(to), "over": .string(formatDuration(over))]
        case .point(let d, let spec):
            guard !spec.isWritable else { throw ControlError("\(target) is a writable register: set it") }
            guard spec.isNumeric, !spec.table.isBitTable else { throw ControlError("\(target) is a state: set it") }
            guard let start = from ?? engineeringValue(d, spec)?.number else { throw ControlError("\(target) has no value to ramp from: give FROM") }
            d.forced[spec.name] = .ramp(from: start, to: to, start: now, duration: over)
            return ["target": .string(target), "from": .number(start), "to": .number(to), "over": .string(formatDuration(over))]
        case .signal:
            throw ControlError("\(target) is a contact: set it")
        }
    }

    private func release(_ target: String) throws(ControlError) -> JSONValue {
        switch try resolve(target, reported: true) {
        case .knob:
            knobRamps[target] = nil
        case .point(let d, let spec):
            d.forced[spec.name] = nil
        case .signal(let d, let s):
            d.forced[s.name] = nil
        }
        return ["released": .string(target)]
    }

    // MARK: Faults

    private func inject(_ fault: SimFault, into target: String, now: Timestamp) throws(ControlError) -> JSONValue {
        if let d = device(target) {
            if case .wire(let w) = fault {
                guard d.bank != nil else { throw ControlError("\(target) has no Modbus side for a wire fault") }
                d.injectedWireFault = w
                d.updateWireFault()
                return ["target": .string(target), "fault": .string(fault.description)]
            }
            let names = d.profile.points.map(\.name).filter { d.point($0).map { applies(fault, to: $0) } ?? false }
                + d.lines.keys.sorted().filter { d.signal($0).map { applies(fault, to: $0) } ?? false }
            guard !names.isEmpty else { throw ControlError("\(target) has no point or contact a \(fault) fault applies to") }
            for n in names { d.faults[n] = valueFault(fault, on: d, n, now: now) }
            return ["target": .string(target), "fault": .string(fault.description), "points": .array(names.map { .string($0) })]
        }
        if let bus = buses[target] {
            guard case .wire(let w) = fault else { throw ControlError("\(target) is a bus: only wire faults apply to it") }
            bus.faults.set(w)
            return ["target": .string(target), "fault": .string(fault.description)]
        }
        guard target.contains(".") else {
            throw ControlError("no device or bus \"\(target)\"\(Self.suggestion(target, devices.map(\.id) + buses.keys.sorted()))")
        }
        if fault.isWire { throw ControlError("wire faults act on a device or a bus, not on \(target)") }
        switch try resolve(target, reported: true) {
        case .point(let d, let spec):
            guard applies(fault, to: spec) else { throw ControlError("a \(fault) fault does not apply to \(target)\(spec.loop == nil && (fault == .loopOpen || fault == .loopShort) ? " (no 4–20 mA loop: the site gives a point a loop range)" : "")") }
            d.faults[spec.name] = valueFault(fault, on: d, spec.name, now: now)
        case .signal(let d, let s):
            guard applies(fault, to: s) else { throw ControlError("a \(fault) fault does not apply to \(target)") }
            d.faults[s.name] = valueFault(fault, on: d, s.name, now: now)
        case .knob:
            throw ControlError("\(target) is a knob: set it")
        }
        return ["target": .string(target), "fault": .string(fault.description)]
    }

    /// A stuck value holds what the point or contact reports at the moment of the fault.
    private func valueFault(_ fault: SimFault, on d: SimulatedDevice, _ name: String, now: Timestamp) -> SimulatedDevice.ValueFault {
        var f = SimulatedDevice.ValueFault(fault: fault, since: now)
        if case .stuck = fault {
            f.held = d.point(name) != nil ? try? d.bank?.get(name) : d.contacts[name].map { .bool($0) }
        }
        return f
    }

    private func applies(_ fault: SimFault, to spec: PointSpec) -> Bool {
        let numeric = spec.isNumeric && !spec.table.isBitTable && !spec.isWritable
        switch fault {
        case .loopOpen, .loopShort: return spec.loop != nil
        case .outOfRange: return numeric && (spec.range != nil || spec.loop != nil)
        case .drift: return numeric
        case .stuck: return !spec.isWritable
        case .wire, .bounce: return false
        }
    }

    private func applies(_ fault: SimFault, to signal: SignalSpec) -> Bool {
        guard signal.direction == .input else { return false }
        switch fault {
        case .stuck, .bounce: return true
        default: return false
        }
    }

    private func clear(_ target: String) throws(ControlError) -> JSONValue {
        if let d = device(target) {
            d.injectedWireFault = nil
            d.updateWireFault()
            d.faults = [:]
            return ["cleared": .string(target)]
        }
        if let bus = buses[target] {
            bus.faults.clear()
            return ["cleared": .string(target)]
        }
        switch try resolve(target, reported: true) {
        case .point(let d, let spec): d.faults[spec.name] = nil
        case .signal(let d, let s): d.faults[s.name] = nil
        case .knob: throw ControlError("\(target) is a knob: set it back")
        }
        return ["cleared": .string(target)]
    }

    // MARK: Actions

    private func perform(_ action: String, _ arguments: [String], on target: String, now: Timestamp) throws(ControlError) -> JSONValue {
        let time = StepTime(now: now, dt: .zero, wall: monotonicMilliseconds())
        if let d = device(target) {
            if d.model.actions.contains(where: { $0.name == action }) { return try d.model.perform(action, arguments, at: time) }
            for s in d.model.systems where s.actions.contains(where: { $0.name == action }) {
                return try s.perform(action, arguments, at: time)
            }
            let all = d.model.actions.map(\.name) + d.model.systems.flatMap { $0.actions.map(\.name) }
            throw ControlError("\(target) has no action \"\(action)\"\(all.isEmpty ? " (it has none)" : " (actions: \(all.joined(separator: ", ")))")")
        }
        if let s = system(target) { return try s.perform(action, arguments, at: time) }
        throw ControlError("no device or system \"\(target)\"\(Self.suggestion(target, devices.map(\.id) + systems.map(\.id)))")
    }

    private func glitch(_ target: String, toggles: Int, interval: Duration) throws(ControlError) -> JSONValue {
        guard case .signal(let d, let s) = try resolve(target, reported: true), s.direction == .input, let line = d.lines[s.name], let gpio else {
            throw ControlError("\(target) is not an input contact")
        }
        gpio.glitch(line, toggles: toggles, interval: interval)
        return ["bounced": .string(target), "toggles": .number(Double(toggles))]
    }

    // MARK: Show

    func show(_ target: String?) throws(ControlError) -> JSONValue {
        guard let target else {
            return ["devices": .array(devices.map(brief)), "systems": .array(systems.map { .string($0.id) })]
        }
        if let d = device(target) { return describe(d) }
        if let s = system(target) { return describe(s) }
        throw ControlError("no device or system \"\(target)\"\(Self.suggestion(target, devices.map(\.id) + systems.map(\.id)))")
    }

    private func brief(_ d: SimulatedDevice) -> JSONValue {
        var o: [String: JSONValue] = ["id": .string(d.id), "profile": .string(d.profile.id)]
        if let bus = d.model.device.bus { o["bus"] = .string(bus) }
        if let unit = d.unit { o["unit"] = .number(Double(unit)) }
        if let f = d.wireFaults.fault { o["wire-fault"] = .string(f.description) }
        return .object(o)
    }

    private func describe(_ d: SimulatedDevice) -> JSONValue {
        var o: [String: JSONValue] = ["device": .string(d.id), "profile": .string(d.profile.id)]
        if let bus = d.model.device.bus { o["bus"] = .string(bus) }
        if let unit = d.unit { o["unit"] = .number(Double(unit)) }
        o["knobs"] = .object(Dictionary(d.model.knobs.map { ($0.info.name, $0.get()) }, uniquingKeysWith: { a, _ in a }))
        if let bank = d.bank {
            var values: [String: JSONValue] = [:]
            for name in bank.pointNames {
                guard let spec = d.point(name), let v = try? bank.get(name) else { continue }
                if let loop = spec.loop, let mA = v.number {
                    values[name] = ["mA": .number((mA * 1000).rounded() / 1000), "value": .number(loop.value(ofCurrent: mA)), "unit": .string(loop.unit)]
                } else {
                    values[name] = v.json
                }
            }
            o["values"] = .object(values)
        }
        if let gpio, !d.lines.isEmpty {
            var contacts: [String: JSONValue] = [:], outputs: [String: JSONValue] = [:]
            for (name, line) in d.lines {
                if d.profile.signal(name)?.direction == .output { outputs[name] = .bool(gpio.level(line)) } else { contacts[name] = .bool(gpio.level(line)) }
            }
            if !contacts.isEmpty { o["contacts"] = .object(contacts) }
            if !outputs.isEmpty { o["outputs"] = .object(outputs) }
        }
        if !d.forced.isEmpty {
            o["forced"] = .object(d.forced.mapValues { f in
                switch f {
                case .hold(let v): .string("hold \(v)")
                case .ramp(let a, let b, _, let over): .string("ramp \(formatNumber(a)) → \(formatNumber(b)) over \(formatDuration(over))")
                }
            })
        }
        var faults = d.faults.mapValues { JSONValue.string($0.fault.description) }
        if let w = d.wireFaults.fault { faults["wire"] = .string(d.unpowered && d.injectedWireFault == nil ? "\(w) (no power)" : w.description) }
        if !faults.isEmpty { o["faults"] = .object(faults) }
        let state = d.model.state()
        if !state.isEmpty { o["state"] = .object(state) }
        let actions = d.model.actions + d.model.systems.flatMap(\.actions)
        if !actions.isEmpty { o["actions"] = .array(actions.map { .string($0.usage) }) }
        if !d.model.systems.isEmpty { o["systems"] = .array(d.model.systems.map { .string($0.id) }) }
        return .object(o)
    }

    private func describe(_ s: any SimSystem) -> JSONValue {
        var o: [String: JSONValue] = ["system": .string(s.id)]
        o["knobs"] = .object(Dictionary(s.knobs.map { ($0.info.name, $0.get()) }, uniquingKeysWith: { a, _ in a }))
        let state = s.state()
        if !state.isEmpty { o["state"] = .object(state) }
        if !s.actions.isEmpty { o["actions"] = .array(s.actions.map { .string($0.usage) }) }
        return .object(o)
    }
}
