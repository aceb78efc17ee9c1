/// The Modbus function codes Fieldgate speaks (Modbus Application Protocol v1.1b, section 6).
package enum ModbusFunction: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// 0x01: read 1–2000 coils.
    case readCoils = 0x01
    /// 0x02: read 1–2000 discrete inputs.
    case readDiscreteInputs = 0x02
    /// 0x03: read 1–125 holding registers.
    case readHoldingRegisters = 0x03
    /// 0x04: read 1–125 input registers.
    case readInputRegisters = 0x04
    /// 0x05: write one coil.
    case writeSingleCoil = 0x05
    /// 0x06: write one holding register.
    case writeSingleRegister = 0x06
    /// 0x0F: write 1–1968 coils.
    case writeMultipleCoils = 0x0F
    /// 0x10: write 1–123 holding registers.
    case writeMultipleRegisters = 0x10
    /// 0x17: write 1–121 holding registers, then read 1–125, in one transaction.
    case writeAndReadRegisters = 0x17

    /// The name a technician reads in logs and errors, e.g. `read holding registers`.
    package var name: String {
        switch self {
        case .readCoils: "read coils"
        case .readDiscreteInputs: "read discrete inputs"
        case .readHoldingRegisters: "read holding registers"
        case .readInputRegisters: "read input registers"
        case .writeSingleCoil: "write single coil"
        case .writeSingleRegister: "write single register"
        case .writeMultipleCoils: "write multiple coils"
        case .writeMultipleRegisters: "write multiple registers"
        case .writeAndReadRegisters: "write and read registers"
        }
    }

    /// Whether the function changes the device (0x05, 0x06, 0x0F, 0x10, 0x17). A client does not
    /// repeat such a request on its own.
    package var writes: Bool {
        switch self {
        case .writeSingleCoil, .writeSingleRegister, .writeMultipleCoils, .writeMultipleRegisters, .writeAndReadRegisters: true
        case .readCoils, .readDiscreteInputs, .readHoldingRegisters, .readInputRegisters: false
        }
    }

    /// Whether the answer carries data (0x01–0x04, 0x17), so that it cannot go to the broadcast
    /// address.
    package var reads: Bool {
        switch self {
        case .readCoils, .readDiscreteInputs, .readHoldingRegisters, .readInputRegisters, .writeAndReadRegisters: true
        case .writeSingleCoil, .writeSingleRegister, .writeMultipleCoils, .writeMultipleRegisters: false
        }
    }

    /// `0x03 read holding registers`.
    package var description: String { "0x" + modbusHex2(rawValue) + " " + name }
}

func modbusHex2(_ v: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(v >> 4)], digits[Int(v & 0xF)]])
}
