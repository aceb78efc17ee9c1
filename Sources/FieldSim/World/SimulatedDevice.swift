import FieldCore
import FieldDevices
import FieldHAL

/// One device of the simulated site as the world holds it: its model, its registers on its bus,
/// its GPIO lines, and what the control layer laid over them — forced values and ramps, value
/// faults, its wire fault switch.
final class SimulatedDevice {
    /// A value the control layer serves instead of the model's.
    enum Forcing {
        case hold(PointValue)
        /// Linear from `from` to `to` between `start` and `start + duration` (simulated time),
        /// then `to`.
        case ramp(from: Double, to: Double, start: Timestamp, duration: Duration)

        func value(at now: Timestamp) -> PointValue {
            switch self {
            case .hold(let v): return v
            case .ramp(let from, let to, let start, let duration):
                let f = duration <= .zero ? 1 : min(1, max(0, (now - start).inSeconds / duration.inSeconds))
                return .number(from + (to - from) * f)
            }
        }
    }

    /// A value fault in force on one point or contact.
    struct ValueFault {
        var fault: SimFault
        var since: Timestamp
        /// The value a `stuck` fault holds.
        var held: PointValue?
    }

    let model: any DeviceModel
    let bank: RegisterBank?
    /// The device's bus or TCP endpoint, and its unit there (which a set-address write moves).
    var bus: (any SimulatedBus)?
    var unit: UInt8?
    let wireFaults = WireFaults()
    /// The wire fault a person injected; nil when healthy.
    var injectedWireFault: WireFault?
    /// The model says the device has no power: silent on the wire.
    var unpowered = false
    var forced: [String: Forcing] = [:]
    var faults: [String: ValueFault] = [:]
    /// Signal name → board line.
    let lines: [String: BoardLine]
    /// Input contacts as last driven (logical).
    var contacts: [String: Bool] = [:]
    /// Writable points the model reads back, by name (the profile's and the commands' registers).
    let writable: [PointSpec]

    var id: String { model.device.id }
    var profile: DeviceProfile { model.device.profile }

    init(model: any DeviceModel, bank: RegisterBank?, lines: [String: BoardLine]) {
        self.model = model
        self.bank = bank
        self.lines = lines
        writable = bank.map { b in b.pointNames.compactMap { try? b.point($0) }.filter(\.isWritable) } ?? []
    }

    /// The served point's spec (profile points and command registers).
    func point(_ name: String) -> PointSpec? { try? bank?.point(name) }

    func signal(_ name: String) -> SignalSpec? { lines[name] != nil ? profile.signal(name) : nil }

    /// Keeps the wire fault switch in step with the injected fault and the model's power.
    func updateWireFault() {
        let effective = injectedWireFault ?? (unpowered ? .noResponse : nil)
        if wireFaults.fault != effective { wireFaults.set(effective) }
    }

    /// What a point reports after forcing and value faults, from the model's `value` (the unit of
    /// the point's registers: mA for a loop point; forced values are engineering values).
    func served(_ name: String, _ value: PointValue?, spec: PointSpec, at now: Timestamp) -> PointValue? {
        var v = value
        if let f = forced[name] {
            let forcedValue = f.value(at: now)
            if let loop = spec.loop, let n = forcedValue.number {
                v = .number(loop.current(for: n))
            } else {
                v = forcedValue
            }
        }
        guard var fault = faults[name] else { return v }
        switch fault.fault {
        case .stuck:
            if fault.held == nil {
                fault.held = v
                faults[name] = fault
            }
            return fault.held ?? v
        case .drift(let perHour):
            guard let n = v?.number else { return v }
            var shift = perHour * (now - fault.since).inSeconds / 3600
            if let loop = spec.loop { shift *= (CurrentLoop.spanHigh - CurrentLoop.spanLow) / (loop.high - loop.low) }
            return .number(n + shift)
        case .outOfRange:
            if spec.loop != nil { return .number(SimFault.ambiguousHighCurrent) }
            guard let r = spec.range else { return v }
            return .number(r.upperBound + 0.1 * (r.upperBound - r.lowerBound))
        case .loopOpen: return .number(SimFault.openLoopCurrent)
        case .loopShort: return .number(SimFault.shortedLoopCurrent)
        case .wire, .bounce: return v
        }
    }

    /// What an input contact reports after forcing and a stuck fault.
    func contact(_ name: String, _ level: Bool) -> Bool {
        var v = level
        if let f = forced[name], let b = f.value(at: .epoch).bool { v = b }
        if var fault = faults[name], case .stuck = fault.fault {
            if fault.held == nil {
                fault.held = .bool(contacts[name] ?? v)
                faults[name] = fault
            }
            return fault.held?.bool ?? v
        }
        return v
    }

    /// The bounce a changing contact makes, if a bounce fault is in force.
    func bounce(_ name: String) -> (toggles: Int, interval: Duration)? {
        if case .bounce(let n, let i)? = faults[name]?.fault { return (n, i) }
        return nil
    }
}

extension PointSpec {
    /// `value` brought inside what the point's registers can hold (a u16 cannot go negative), so
    /// a model or a fault never makes the registers refuse a value.
    func representable(_ value: PointValue) -> PointValue {
        guard type != .bool, !table.isBitTable, bits == nil, let n = value.number else { return value }
        let limits = RegisterCodec.limits(of: type)
        let raw = (n - offset) / scale
        guard !limits.contains(raw) else { return value }
        return .number(min(max(raw, limits.lowerBound), limits.upperBound) * scale + offset)
    }
}
