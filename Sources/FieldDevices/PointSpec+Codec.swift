import FieldCore
import FieldHAL

/// A point's value as it goes on the wire.
package enum EncodedValue: Sendable, Hashable {
    /// All of the point's registers, in wire order (function 0x06 for one, 0x10 for more).
    case registers([UInt16])
    /// Bits inside one register: set the `mask` bits to `bits`, leave the others as they are
    /// (read-modify-write, or function 0x16 with AND = ~mask, OR = bits).
    case field(mask: UInt16, bits: UInt16)
    /// One coil (function 0x05).
    case coil(Bool)

    /// `word` with this value stored in it (for `.field`; `.registers` gives its first register).
    package func merged(into word: UInt16) -> UInt16 {
        switch self {
        case .field(let mask, let bits): (word & ~mask) | (bits & mask)
        case .registers(let r): r.first ?? word
        case .coil(let b): b ? 1 : 0
        }
    }
}

/// One write for a bus worker to carry out: a point's encoded value at its table and address.
package struct PointWrite: Sendable, Hashable, CustomStringConvertible {
    /// The point's name (a bare register of a command: `holding@31`).
    package var point: String
    package var table: RegisterTable
    package var address: Int
    package var value: EncodedValue

    package init(point: String, table: RegisterTable, address: Int, value: EncodedValue) {
        self.point = point
        self.table = table
        self.address = address
        self.value = value
    }

    package var description: String {
        let where_ = "\(point) (\(table) \(hex(address)))"
        switch value {
        case .registers(let r): return "\(where_) ← \(r.map(hex).joined(separator: " "))"
        case .field(let mask, let bits): return "\(where_) ← bits \(hex(Int(bits))) under mask \(hex(Int(mask)))"
        case .coil(let b): return "\(where_) ← \(b ? "on" : "off")"
        }
    }
}

/// Why a value cannot be encoded or written.
package struct CodecError: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Reason: Sendable, Hashable {
        /// The point (or its table) cannot be written.
        case readOnly
        /// A number was given for a state, text for a number, …
        case wrongKind(expected: String, got: PointValue)
        /// Outside the point's valid range (engineering units).
        case outOfRange(value: Double, range: ClosedRange<Double>)
        /// After scale and offset the raw value does not fit the type or bit field.
        case overflow(raw: Double, limits: ClosedRange<Double>)
        /// A decode was given the wrong number of registers.
        case wrongLength(expected: Int, got: Int)
    }

    package var point: String
    package var table: RegisterTable
    package var address: Int
    package var reason: Reason

    package init(point: String, table: RegisterTable, address: Int, reason: Reason) {
        self.point = point
        self.table = table
        self.address = address
        self.reason = reason
    }

    package var description: String {
        let why: String
        switch reason {
        case .readOnly: why = "is read-only"
        case .wrongKind(let expected, let got): why = "expected \(expected), got \"\(got)\""
        case .outOfRange(let v, let r): why = "\(formatNumber(v)) is out of range (expected \(formatNumber(r.lowerBound))…\(formatNumber(r.upperBound)))"
        case .overflow(let raw, let l): why = "raw value \(formatNumber(raw)) does not fit (\(formatNumber(l.lowerBound))…\(formatNumber(l.upperBound)))"
        case .wrongLength(let e, let g): why = "expected \(e) registers, got \(g)"
        }
        return "\(point) (\(table) \(hex(address))): \(why)"
    }
}

extension PointSpec {
    /// The point's value from its registers: `count` registers from `start`, the first being the
    /// register at `address`. The value is in `unit` (`raw × scale + offset`); loop, range and
    /// status are the read plan's business. `registers` must hold them (a precondition, as for
    /// an array subscript); `decode(registers:)` checks the length instead.
    package func decode(_ registers: [UInt16], at start: Int = 0) -> PointValue {
        PointCodec(self).value(registers, at: start)
    }

    /// The point's value from exactly its registers.
    /// - Throws: `CodecError` (`wrongLength`) when `registers` is not `count` long.
    package func decode(registers: [UInt16]) throws(CodecError) -> PointValue {
        guard !table.isBitTable, registers.count == count else {
            throw error(.wrongLength(expected: table.isBitTable ? 0 : count, got: registers.count))
        }
        return decode(registers, at: 0)
    }

    /// The point's value from its coil or discrete input.
    package func decode(bit: Bool) -> PointValue { .bool(bit) }

    /// Encodes a value given in `unit` (for a loop point: mA) as the point's registers, bit
    /// field or coil: scale and offset undone, rounded for integer types, laid out in the word
    /// order. Does not check access or `range`: the simulator serves input registers and
    /// out-of-range values with it. Writes from the gateway go through `write(_:)`.
    /// - Throws: `CodecError` when the value is of the wrong kind or does not fit the type.
    package func encode(_ value: PointValue) throws(CodecError) -> EncodedValue {
        if type == .bool {
            let b: Bool
            switch value {
            case .bool(let v): b = v
            case .number(let n) where n == 0 || n == 1: b = n == 1
            default: throw error(.wrongKind(expected: "true or false", got: value))
            }
            if table.isBitTable { return .coil(b) }
            let mask = (bits ?? BitField(lowest: 0)).mask
            return .field(mask: mask, bits: b ? mask : 0)
        }
        guard let n = value.number, n.isFinite else {
            throw error(.wrongKind(expected: "a number", got: value))
        }
        let raw = (n - offset) / scale
        if let bits {
            let r = raw.rounded()
            let limit = Double((1 << bits.width) - 1)
            guard r >= 0, r <= limit else { throw error(.overflow(raw: r, limits: 0...limit)) }
            return .field(mask: bits.mask, bits: UInt16(r) << UInt16(bits.lowest))
        }
        guard let pattern = RegisterCodec.pattern(of: raw, as: type) else {
            throw error(.overflow(raw: type.isFloat ? raw : raw.rounded(), limits: RegisterCodec.limits(of: type)))
        }
        return .registers(RegisterCodec.registers(pattern, count: type.registerCount, order: wordOrder))
    }

    /// The write that sets the point to `value` (in `unit`), for a bus worker to carry out.
    /// - Throws: `CodecError` when the point is read-only, the value is outside `range` or does
    ///   not fit the type.
    package func write(_ value: PointValue) throws(CodecError) -> PointWrite {
        guard isWritable, table.isWritable else { throw error(.readOnly) }
        if let range, loop == nil, let n = value.number, !range.contains(n) {
            throw error(.outOfRange(value: n, range: range))
        }
        return PointWrite(point: name, table: table, address: address, value: try encode(value))
    }

    func error(_ reason: CodecError.Reason) -> CodecError {
        CodecError(point: name, table: table, address: address, reason: reason)
    }
}

/// `0x001F`: register addresses and raw words as vendors print them.
func hex(_ v: Int) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, 4 - s.count)) + s
}

func hex(_ v: UInt16) -> String { hex(Int(v)) }

extension PointSpec {
    /// Stores a value (in `unit`) into a block of registers that starts at register `base`, as a
    /// device (or the simulator) holds them: a bit field changes only its bits.
    /// - Throws: `CodecError` when the value does not fit, or the point lies outside the block.
    package func store(_ value: PointValue, in registers: inout [UInt16], base: Int = 0) throws(CodecError) {
        let start = address - base
        guard !table.isBitTable, start >= 0, start + count <= registers.count else {
            throw error(.wrongLength(expected: start + count, got: registers.count))
        }
        switch try encode(value) {
        case .registers(let words):
            for (i, w) in words.enumerated() { registers[start + i] = w }
        case let field:
            registers[start] = field.merged(into: registers[start])
        }
    }

    /// Stores a state into a block of coils or discrete inputs that starts at `base`.
    /// - Throws: `CodecError` when the point is not a coil or discrete input of the block.
    package func store(_ value: Bool, in bits: inout [Bool], base: Int = 0) throws(CodecError) {
        let i = address - base
        guard table.isBitTable, i >= 0, i < bits.count else {
            throw error(.wrongLength(expected: i + 1, got: bits.count))
        }
        bits[i] = value
    }
}
