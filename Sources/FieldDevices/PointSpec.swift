import FieldCore
import FieldHAL
// The Modbus vocabulary is FieldHAL's; whoever reads profiles names its tables and word orders.
@_exported import enum FieldHAL.RegisterTable
@_exported import enum FieldHAL.WordOrder

/// One Modbus point of a device profile: where it lives (table, address, bits), how its registers
/// become a value (type, word order, scale, offset, 4–20 mA loop) and how far its readings can be
/// trusted (valid range, status bits, warm-up).
///
/// The engineering value of a register point is `raw × scale + offset`; with a `loop`, that value
/// is the loop current in mA and the loop maps it to the engineering range.
package struct PointSpec: Sendable, Hashable {
    /// The point's name within its device (`pressure`, `co2`), an identifier.
    package var name: String
    package var description: String
    package var table: RegisterTable
    /// The first register (or coil) of the point, 0–65535 (protocol address, not a 4xxxx number).
    package var address: Int
    package var type: ValueType
    /// For a point that is part of one register: its lowest bit and width.
    package var bits: BitField?
    package var wordOrder: WordOrder
    package var scale: Double
    package var offset: Double
    /// The unit of `raw × scale + offset` ("V", "mA", "°C"); see `engineeringUnit`.
    package var unit: String
    package var access: PointAccess
    /// Values outside this range (engineering units) read as quality out-of-range, and writes
    /// outside it are refused.
    package var range: ClosedRange<Double>?
    /// A change smaller than this (engineering units) is not a change (telemetry, change events).
    package var deadband: Double
    package var priority: PointPriority
    /// The point is a 4–20 mA loop current mapped to an engineering range with NAMUR NE43 quality.
    package var loop: CurrentLoop?
    /// The point's quality follows bits of another point (a status register).
    package var statusFrom: StatusSource?
    /// How long after the device comes online its readings are quality warming-up.
    package var warmUp: Duration?
    /// The point deliberately shares registers with another point (a second view of the same data).
    package var alias: Bool
    /// Decimal places its values are rounded to (0–9); nil: the resolution `scale` and `offset`
    /// give an integer register (`scale` 0.1 → 1), and an f32's shortest decimal form.
    package var decimals: Int?

    package init(name: String, description: String = "", table: RegisterTable, address: Int, type: ValueType,
                bits: BitField? = nil, wordOrder: WordOrder = .abcd, scale: Double = 1, offset: Double = 0,
                unit: String = "", access: PointAccess = .read, range: ClosedRange<Double>? = nil,
                deadband: Double = 0, priority: PointPriority = .normal, loop: CurrentLoop? = nil,
                statusFrom: StatusSource? = nil, warmUp: Duration? = nil, alias: Bool = false, decimals: Int? = nil) {
        self.name = name
        self.description = description
        self.table = table
        self.address = address
        self.type = type
        self.bits = bits
        self.wordOrder = wordOrder
        self.scale = scale
        self.offset = offset
        self.unit = unit
        self.access = access
        self.range = range
        self.deadband = deadband
        self.priority = priority
        self.loop = loop
        self.statusFrom = statusFrom
        self.warmUp = warmUp
        self.alias = alias
        self.decimals = decimals
    }

    /// Registers (or coils) the point occupies.
    package var count: Int { table.isBitTable || bits != nil ? 1 : type.registerCount }

    /// The addresses the point occupies.
    package var span: Range<Int> { address..<(address + count) }

    /// The unit of the point's readings: the loop's engineering unit, or `unit`.
    package var engineeringUnit: String { loop?.unit ?? unit }

    /// True for points whose reading is a number (not a state).
    package var isNumeric: Bool { type != .bool }

    package var isReadable: Bool { access != .write }
    package var isWritable: Bool { access != .read }
}

/// How a point's registers are interpreted.
package enum ValueType: String, Sendable, Hashable, CaseIterable {
    /// A coil, a discrete input, or one bit of a register (with `bit`).
    case bool
    case u16, i16, u32, i32, f32, u64, i64, f64

    /// 16-bit registers the type occupies.
    package var registerCount: Int {
        switch self {
        case .bool, .u16, .i16: 1
        case .u32, .i32, .f32: 2
        case .u64, .i64, .f64: 4
        }
    }

    package var isFloat: Bool { self == .f32 || self == .f64 }
    package var isInteger: Bool { self != .bool && !isFloat }
}

/// Whether the gateway reads a point, writes it, or both.
package enum PointAccess: String, Sendable, Hashable, CaseIterable {
    case read
    case write
    case readWrite = "readwrite"
}

/// Alarm-critical points are read first in every poll cycle.
package enum PointPriority: String, Sendable, Hashable, CaseIterable {
    case normal
    case critical
}

/// Part of one 16-bit register: `width` bits from bit `lowest` (0 = least significant).
package struct BitField: Sendable, Hashable {
    package var lowest: Int
    package var width: Int

    package init(lowest: Int, width: Int = 1) {
        self.lowest = lowest
        self.width = width
    }

    /// The field's bits within the register.
    package var mask: UInt16 { UInt16(truncatingIfNeeded: ((1 << width) - 1) << lowest) }
}

/// Where a point's quality comes from when a status register says the sensor is unwell: bits of
/// another point of the same device (the SenseAir S8's meter status, a transmitter's fault flag).
/// A bool point counts as one bit (bit 0).
package struct StatusSource: Sendable, Hashable {
    /// The status point's name.
    package var point: String
    /// Any of these bits set → quality sensor-fault.
    package var sensorFault: UInt64
    /// Any of these bits set → quality out-of-range.
    package var outOfRange: UInt64
    /// Any of these bits set → quality warming-up.
    package var warmingUp: UInt64

    package init(point: String, sensorFault: UInt64 = 0, outOfRange: UInt64 = 0, warmingUp: UInt64 = 0) {
        self.point = point
        self.sensorFault = sensorFault
        self.outOfRange = outOfRange
        self.warmingUp = warmingUp
    }

    /// The quality the status word gives, or nil when it flags nothing. Warming-up wins over a
    /// fault: sensors raise fault bits while they warm up, and that is not an alarm.
    package func quality(status: UInt64) -> Quality? {
        StatusMasks(self).quality(status: status)
    }
}

/// A `StatusSource`'s bits without the point's name, for the read plan's per-cycle work.
struct StatusMasks: Sendable {
    var sensorFault, outOfRange, warmingUp: UInt64

    init(_ s: StatusSource) { (sensorFault, outOfRange, warmingUp) = (s.sensorFault, s.outOfRange, s.warmingUp) }

    func quality(status: UInt64) -> Quality? {
        if status & warmingUp != 0 { return .warmingUp }
        if status & sensorFault != 0 { return .sensorFault }
        if status & outOfRange != 0 { return .outOfRange }
        return nil
    }
}
