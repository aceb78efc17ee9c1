import FieldCore
import FieldHAL

extension PointSpec {
    /// Reads one point of a profile's `points`, reporting every problem with its JSON path.
    /// With `base`, reads a site's override of that point: only how the value is scaled and
    /// judged may change (`description`, `wordOrder`, `scale`, `offset`, `unit`, `range`,
    /// `deadband`, `priority`, `loop`, `statusFrom`, `warmUp`, `decimals`), never where it lives; the rest
    /// comes from `base`. Unknown keys are reported by the caller's `finish()`.
    /// References to other points (`statusFrom`) are checked by the profile.
    static func read(_ o: JSONObjectReader, base: PointSpec? = nil) -> PointSpec? {
        let r = o.reader
        let before = r.issues.count
        o.allow("$comment")
        let name: String?, table: RegisterTable?, address: Int?, access: PointAccess?
        var bits: BitField?, type: ValueType?
        if let base {
            (name, table, address, access, bits, type) = (base.name, base.table, base.address, base.access, base.bits, base.type)
        } else {
            name = o.identifier("name", required: true)
            table = o.enumeration("table", RegisterTable.self, required: true)
            address = o.int("address", required: true, range: ModbusLimits.addresses)
            access = o.enumeration("access", PointAccess.self) ?? (o.has("access") ? nil : .read)
            let bit = o.int("bit", range: 0...15)
            let width = o.int("width", range: 1...16)
            type = o.enumeration("type", ValueType.self)
            if let bit {
                bits = BitField(lowest: bit, width: width ?? 1)
            } else if width != nil {
                r.report(o.path.key("width"), "\"width\" needs \"bit\" (the field's lowest bit)")
            }
            if type == nil, !o.has("type"), let table {
                if table.isBitTable {
                    type = .bool
                } else if let bits {
                    type = bits.width == 1 ? .bool : .u16
                } else if !o.has("bit") {
                    r.report(o.path.key("type"), "missing (required for a register: one of \(ValueType.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
        }
        let description = o.string("description") ?? base?.description ?? ""
        let wordOrder = o.enumeration("wordOrder", WordOrder.self) ?? base?.wordOrder ?? .abcd
        let scale = o.double("scale") ?? base?.scale ?? 1
        let offset = o.double("offset") ?? base?.offset ?? 0
        let unit = o.string("unit") ?? base?.unit ?? ""
        let range = readRange(o, "range") ?? base?.range
        let deadband = o.double("deadband", range: 0...Double.greatestFiniteMagnitude) ?? base?.deadband ?? 0
        let priority = o.enumeration("priority", PointPriority.self) ?? base?.priority ?? .normal
        let loop = o.object("loop").flatMap { l in
            defer { l.finish() }
            return CurrentLoop.read(l)
        } ?? base?.loop
        let statusFrom = o.object("statusFrom").flatMap { s in
            defer { s.finish() }
            return StatusSource.read(s)
        } ?? base?.statusFrom
        let warmUp = o.duration("warmUp", range: .milliseconds(1)...Duration.seconds(86_400)) ?? base?.warmUp
        let alias = base?.alias ?? o.bool("alias") ?? false
        let decimals = o.int("decimals", range: 0...9) ?? base?.decimals

        guard let name, let table, let address, let access, let type else { return nil }
        let p = PointSpec(name: name, description: description, table: table, address: address, type: type, bits: bits,
                          wordOrder: wordOrder, scale: scale, offset: offset, unit: unit, access: access, range: range,
                          deadband: deadband, priority: priority, loop: loop, statusFrom: statusFrom, warmUp: warmUp,
                          alias: alias, decimals: decimals)
        p.checkShape(o)
        return r.issues.count == before ? p : nil
    }

    /// Reports combinations of keys that make no sense for this point, at the offending key.
    func checkShape(_ o: JSONObjectReader) {
        let r = o.reader
        func at(_ key: String) -> JSONPath { o.path.key(key) }
        if table.isBitTable {
            if type != .bool { r.report(at("type"), "a \(table) is a single bit: type must be bool, not \(type.rawValue)") }
            if o.has("bit") { r.report(at("bit"), "\"bit\" applies to registers (holding, input), not to a \(table)") }
        } else if let bits {
            if type != .bool && type != .u16 {
                r.report(at("type"), "a bit field is part of one 16-bit register: type must be bool or u16, not \(type.rawValue)")
            }
            if type == .bool && bits.width != 1 { r.report(at("width"), "a bool is one bit: width must be 1") }
            if bits.lowest + bits.width > 16 {
                r.report(at("width"), "bits \(bits.lowest)…\(bits.lowest + bits.width - 1) run past bit 15 of the register")
            }
        } else if type == .bool {
            r.report(at("type"), "a bool in a \(table) register needs \"bit\" (which bit of the register, 0–15)")
        }
        if o.has("wordOrder"), table.isBitTable || bits != nil {
            r.report(at("wordOrder"), "word order applies to whole registers, not to \(table.isBitTable ? "a \(table)" : "a bit field")")
        }
        let last = address + count - 1
        if last > ModbusLimits.addresses.upperBound {
            r.report(at("address"), "a \(type.rawValue) at \(address) needs registers \(address)…\(last), past the last register (\(ModbusLimits.addresses.upperBound))")
        }
        if isWritable, !table.isWritable {
            r.report(at("access"), "a\(table == .input ? "n" : "") \(table) cannot be written (only coils and holding registers can)")
        }
        if !isNumeric {
            for key in ["scale", "offset", "range", "deadband", "loop", "unit", "decimals"] where o.has(key) {
                r.report(at(key), "\"\(key)\" applies to numbers, not to a bool point")
            }
        }
        if scale == 0 { r.report(at("scale"), "must not be 0") }
        if loop != nil {
            if isWritable { r.report(at("loop"), "a 4–20 mA input cannot be written (access must be read)") }
            if bits != nil { r.report(at("loop"), "a 4–20 mA input is a number, not a bit field") }
        }
        if !isReadable {
            for key in ["statusFrom", "warmUp", "priority", "deadband"] where o.has(key) {
                r.report(at(key), "\"\(key)\" applies to points the gateway reads; this one is write-only")
            }
        }
    }

    /// Reads `[low, high]`.
    static func readRange(_ o: JSONObjectReader, _ key: String) -> ClosedRange<Double>? {
        o.decode(key) { v, p in
            guard let (lo, hi) = numberPair(v) else {
                o.reader.report(p, "expected [low, high] (two numbers), got \(v.kindDescription)")
                return nil
            }
            guard lo <= hi else {
                o.reader.report(p, "low end \(formatNumber(lo)) is above high end \(formatNumber(hi))")
                return nil
            }
            return lo...hi
        }
    }
}

func numberPair(_ v: JSONValue) -> (Double, Double)? {
    guard case .array(let a) = v, a.count == 2, let lo = a[0].numberValue, let hi = a[1].numberValue,
          lo.isFinite, hi.isFinite else { return nil }
    return (lo, hi)
}

extension CurrentLoop {
    /// Reads a point's `loop`: `{"range": [at 4 mA, at 20 mA], "unit": "MPa"}` plus optional NE43
    /// limits `faultBelow`, `validFrom`, `validTo`, `faultAbove` (mA).
    static func read(_ o: JSONObjectReader) -> CurrentLoop? {
        let r = o.reader
        let before = r.issues.count
        o.allow("$comment")
        let ends: (Double, Double)? = o.decode("range", required: true) { v, p in
            guard let pair = numberPair(v) else {
                r.report(p, "expected [value at 4 mA, value at 20 mA] (two numbers), got \(v.kindDescription)")
                return nil
            }
            guard pair.0 != pair.1 else {
                r.report(p, "the values at 4 mA and 20 mA must differ")
                return nil
            }
            return pair
        }
        let unit = o.string("unit", required: true)
        let mA = 0.0...30.0
        let faultBelow = o.double("faultBelow", range: mA) ?? 3.6
        let validFrom = o.double("validFrom", range: mA) ?? 3.8
        let validTo = o.double("validTo", range: mA) ?? 20.5
        let faultAbove = o.double("faultAbove", range: mA) ?? 21
        if !(faultBelow <= validFrom && validFrom <= CurrentLoop.spanLow) {
            r.report(o.path, "NE43 limits must satisfy faultBelow ≤ validFrom ≤ 4 mA (got \(formatNumber(faultBelow)), \(formatNumber(validFrom)))")
        }
        if !(CurrentLoop.spanHigh <= validTo && validTo <= faultAbove) {
            r.report(o.path, "NE43 limits must satisfy 20 mA ≤ validTo ≤ faultAbove (got \(formatNumber(validTo)), \(formatNumber(faultAbove)))")
        }
        guard let ends, let unit, r.issues.count == before else { return nil }
        return CurrentLoop(low: ends.0, high: ends.1, unit: unit, faultBelow: faultBelow, validFrom: validFrom,
                           validTo: validTo, faultAbove: faultAbove)
    }
}

extension StatusSource {
    /// Reads a point's `statusFrom`: `{"point": "meter-status", "sensorFault": [0, 1], "outOfRange": [5],
    /// "warmingUp": [7]}` (bit numbers of the status point).
    static func read(_ o: JSONObjectReader) -> StatusSource? {
        let r = o.reader
        o.allow("$comment")
        let point = o.identifier("point", required: true)
        func mask(_ key: String) -> UInt64 {
            let bits = o.array(key) { v, p -> Int? in
                guard let n = v.numberValue, n == n.rounded(), n >= 0, n <= 63 else {
                    r.report(p, "expected a bit number 0–63, got \(v.numberValue.map { formatNumber($0) } ?? v.kindDescription)")
                    return nil
                }
                return Int(n)
            } ?? []
            return bits.reduce(0) { $0 | 1 << UInt64($1) }
        }
        let s = StatusSource(point: point ?? "", sensorFault: mask("sensorFault"), outOfRange: mask("outOfRange"),
                             warmingUp: mask("warmingUp"))
        if s.sensorFault | s.outOfRange | s.warmingUp == 0 {
            r.report(o.path, "names no bits: give at least one of sensorFault, outOfRange, warmingUp")
            return nil
        }
        return point == nil ? nil : s
    }
}
