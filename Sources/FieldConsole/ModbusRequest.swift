/// A Modbus function code the console can send raw.
public enum ModbusFunction: UInt8, Hashable, Sendable, CaseIterable {
    case readCoils = 1
    case readDiscreteInputs = 2
    case readHoldingRegisters = 3
    case readInputRegisters = 4
    case writeSingleCoil = 5
    case writeSingleRegister = 6
    case writeMultipleCoils = 15
    case writeMultipleRegisters = 16

    public var isRead: Bool { rawValue <= 4 }
    /// True for coils and discrete inputs (bits), false for registers.
    public var isBits: Bool { [1, 2, 5, 15].contains(rawValue) }

    /// The table's name, as profiles and the manual call it.
    public var table: String {
        switch self {
        case .readCoils, .writeSingleCoil, .writeMultipleCoils: "coil"
        case .readDiscreteInputs: "discrete input"
        case .readHoldingRegisters, .writeSingleRegister, .writeMultipleRegisters: "holding register"
        case .readInputRegisters: "input register"
        }
    }
}

/// Registers or bits, as read or to be written.
public enum ModbusData: Hashable, Sendable {
    case registers([UInt16])
    case bits([Bool])

    public var count: Int {
        switch self {
        case .registers(let r): r.count
        case .bits(let b): b.count
        }
    }
}

/// A raw read: FC 1–4, `count` items from protocol address `address` (0-based, as in the
/// profiles; not the "40001" convention).
public struct ModbusReadRequest: Hashable, Sendable {
    public var bus: String
    /// Unit id 1–247.
    public var unit: Int
    public var function: ModbusFunction
    public var address: Int
    /// 1–125 registers or 1–2000 bits.
    public var count: Int

    public init(bus: String, unit: Int, function: ModbusFunction, address: Int, count: Int) {
        (self.bus, self.unit, self.function, self.address, self.count) = (bus, unit, function, address, count)
    }
}

/// A raw write: FC 5, 6, 15 or 16 at protocol address `address`.
public struct ModbusWriteRequest: Hashable, Sendable {
    public var bus: String
    /// Unit id 0–247 (0: broadcast, no reply).
    public var unit: Int
    public var function: ModbusFunction
    public var address: Int
    public var values: ModbusData

    public init(bus: String, unit: Int, function: ModbusFunction, address: Int, values: ModbusData) {
        (self.bus, self.unit, self.function, self.address, self.values) = (bus, unit, function, address, values)
    }
}

/// How far a `modbus scan` has got, after each probe.
public struct ScanProgress: Hashable, Sendable {
    /// The unit id just probed.
    public var unit: Int
    /// Probes done and to do in all.
    public var done: Int
    public var total: Int
    /// The answer of this unit, if it answered.
    public var hit: ScanHit?

    public init(unit: Int, done: Int, total: Int, hit: ScanHit?) {
        (self.unit, self.done, self.total, self.hit) = (unit, done, total, hit)
    }
}

/// Whether a scan goes on after a progress report.
public enum ScanDecision: Sendable {
    case proceed, stop
}

/// A unit id that answered a scan.
public struct ScanHit: Hashable, Sendable {
    public var unit: Int
    /// What it answered (`holding 0 = 0x0102`, `exception 2 illegal data address`).
    public var answer: String
    /// The site's device configured at this bus and address, if any.
    public var device: String?

    public init(unit: Int, answer: String, device: String? = nil) {
        (self.unit, self.answer, self.device) = (unit, answer, device)
    }
}
