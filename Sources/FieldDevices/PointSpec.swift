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
public struct PointSpec: Sendable, Hashable {
    /// The point's name within its device (`pressure`, `co2`), an identifier.
    public var name: String
    public var description: String
    public var table: RegisterTable
    /// The first register (or coil) of the point, 0–65535 (protocol address, not a 4xxxx number).
    public var address: Int
    public var type: ValueType
    /// For a point that is part of one register: its lowest bit and width.
    public var bits: BitField?
    public var wordOrder: WordOrder
    public var scale: Double
    public var offset: Double
    /// The unit of `raw × scale + offset` ("V", "mA", "°C"); see `engineeringUnit`.
    public var unit: String
    public var access: PointAccess
    /// Values outside this range (engineering units) read as quality out-of-range, and writes
    /// outside it are refused.
    public var range: ClosedRange<Double>?
    /// A change smaller than this (engineering units) is not a change (telemetry, change events).
    public var deadband: Double
    public var priority: PointPriority
    /// The point is a 4–20 mA loop current mapped to an engineering range with NAMUR NE43 quality.
    public var loop: CurrentLoop?
    /// The point's quality follows bits of another point (a status register).
    public var statusFrom: StatusSource?
    /// How long after the device comes online its readings are quality warming-up.
    public var warmUp: Duration?
    /// The point deliberately shares registers with another point (a second view of the same data).
    public var alias: Bool
    /// Decimal places its values are rounded to (0–9); nil: the resolution `scale` and `offset`
    /// give an integer register (`scale` 0.1 → 1), and an f32's shortest decimal form.
    public var decimals: Int?

    public init(name: String, description: String = "", table: RegisterTable, address: Int, type: ValueType,
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
    public var count: Int { table.isBitTable || bits != nil ? 1 : type.registerCount }

    /// The addresses the point occupies.
    public var span: Range<Int> { address..<(address + count) }

    /// The unit of the point's readings: the loop's engineering unit, or `unit`.
    public var engineeringUnit: String { loop?.unit ?? unit }

    /// True for points whose reading is a number (not a state).
    public var isNumeric: Bool { type != .bool }

    public var isReadable: Bool { access != .write }
    public var isWritable: Bool { access != .read }
}

/// How a point's registers are interpreted.
public enum ValueType: String, Sendable, Hashable, CaseIterable {
    /// A coil, a discrete input, or one bit of a register (with `bit`).
    case bool
    case u16, i16, u32, i32, f32, u64, i64, f64

    /// 16-bit registers the type occupies.
    public var registerCount: Int {
        switch self {
        case .bool, .u16, .i16: 1
        case .u32, .i32, .f32: 2
        case .u64, .i64, .f64: 4
        }
    }

    public var isFloat: Bool { self == .f32 || self == .f64 }
    public var isInteger: Bool { self != .bool && !isFloat }
}

/// Whether the gateway reads a point, writes it, or both.
public enum PointAccess: String, Sendable, Hashable, CaseIterable {
    case read
    case write
    case readWrite = "readwrite"
}

/// Alarm-critical points are read first in every poll cycle.
public enum PointPriority: String, Sendable, Hashable, CaseIterable {
    case normal
    case critical
}

/// Part of one 16-bit register: `width` bits from bit `lowest` (0 = least significant).
public struct BitField: Sendable, Hashable {
    public var lowest: Int
    public var width: Int

    public init(lowest: Int, width: Int = 1) {
        self.lowest = lowest
        self.width = width
    }

    /// The field's bits within the register.
    public var mask: UInt16 { UInt16(truncatingIfNeeded: ((1 << width) - 1) << lowest) }
}

/// Where a point's quality comes from when a status register says the sensor is unwell: bits of
/// another point of the same device (the SenseAir S8's meter status, a transmitter's fault flag).
/// A bool point counts as one bit (bit 0).
public struct StatusSource: Sendable, Hashable {
    /// The status point's name.
    public var point: String
    /// Any of these bits set → quality sensor-fault.
    public var sensorFault: UInt64
    /// Any of these bits set → quality out-of-range.
    public var outOfRange: UInt64
    /// Any of these bits set → quality warming-up.
    public var warmingUp: UInt64

    public init(point: String, sensorFault: UInt64 = 0, outOfRange: UInt64 = 0, warmingUp: UInt64 = 0) {
        self.point = point
        self.sensorFault = sensorFault
        self.outOfRange = outOfRange
        self.warmingUp = warmingUp
    }

    /// The quality the status word gives, or nil when it flags nothing. Warming-up wins over a
    /// fault: sensors raise fault bits while they warm up, and that is not an alarm.
    public func quality(status: UInt64) -> Quality? {
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
