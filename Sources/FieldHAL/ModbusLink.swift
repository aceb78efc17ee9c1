/// How a Modbus bus reaches its devices.
package enum ModbusLink: Sendable, Hashable, CustomStringConvertible {
    /// Modbus RTU over a serial port (RS-485 or RS-232).
    case rtu(ModbusRTUSettings)
    /// Modbus TCP to a device or a TCP-to-RTU gateway.
    case tcp(ModbusTCPSettings)

    /// `rtu /dev/ttyS1 9600 8N1` or `tcp 10.0.0.5:502`.
    package var description: String {
        switch self {
        case .rtu(let s): "rtu \(s)"
        case .tcp(let s): "tcp \(s)"
        }
    }
}
