/// The four Modbus data tables a device exposes.
public enum ModbusTable: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Read-write single bits (function codes 0x01, 0x05, 0x0F).
    case coils
    /// Read-only single bits (0x02).
    case discreteInputs = "discrete-inputs"
    /// Read-write 16-bit registers (0x03, 0x06, 0x10, 0x17).
    case holdingRegisters = "holding-registers"
    /// Read-only 16-bit registers (0x04).
    case inputRegisters = "input-registers"

    /// The function that reads this table.
    public var readFunction: ModbusFunction {
        switch self {
        case .coils: .readCoils
        case .discreteInputs: .readDiscreteInputs
        case .holdingRegisters: .readHoldingRegisters
        case .inputRegisters: .readInputRegisters
        }
    }

    /// Whether the table holds bits (coils, discrete inputs) rather than 16-bit registers.
    public var holdsBits: Bool { self == .coils || self == .discreteInputs }

    /// Whether a master may write the table (coils and holding registers).
    public var isWritable: Bool { self == .coils || self == .holdingRegisters }

    /// The most items one read of this table may ask for: 2000 bits or 125 registers.
    public var maximumReadCount: Int { holdsBits ? ModbusLimits.readBits : ModbusLimits.readRegisters }

    /// The spelling used in site files and on the console: `coils`, `discrete-inputs`,
    /// `holding-registers`, `input-registers`.
    public var description: String { rawValue }
}
