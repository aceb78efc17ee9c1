/// The four Modbus data tables, as profiles, plans and the runtime name them (`coil`, `discrete`,
/// `holding`, `input`).
package enum RegisterTable: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Read/write bits (function codes 0x01 read, 0x05/0x0F write).
    case coil
    /// Read-only bits (0x02).
    case discrete
    /// Read/write 16-bit registers (0x03 read, 0x06/0x10 write).
    case holding
    /// Read-only 16-bit registers (0x04).
    case input

    package var isBitTable: Bool { self == .coil || self == .discrete }
    package var isWritable: Bool { self == .coil || self == .holding }

    /// The Modbus function code that reads this table.
    package var readFunction: UInt8 {
        switch self {
        case .coil: 0x01
        case .discrete: 0x02
        case .holding: 0x03
        case .input: 0x04
        }
    }

    /// The function that reads this table, for requests and errors.
    package var modbusReadFunction: ModbusFunction {
        switch self {
        case .coil: .readCoils
        case .discrete: .readDiscreteInputs
        case .holding: .readHoldingRegisters
        case .input: .readInputRegisters
        }
    }

    /// The most items one read of this table may ask for under the protocol (2000 bits, 125 registers).
    package var protocolReadLimit: Int { isBitTable ? ModbusLimits.readBits : ModbusLimits.readRegisters }

    package static func < (a: RegisterTable, b: RegisterTable) -> Bool { a.readFunction < b.readFunction }
}
