/// A Modbus RTU serial line.
///
/// Defaults are 9600 baud 8N1: what the RS-485 sensors Fieldgate supports ship with (the serial
/// line guide's own default is 19200 8E1; set it when a device follows the guide).
package struct ModbusRTUSettings: Sendable, Hashable, CustomStringConvertible {
    /// The serial device, e.g. `/dev/ttyS1` or `/dev/ttyUSB0`.
    package var device: String
    /// Bits per second; one of `ModbusRTUSettings.supportedBauds`.
    package var baud: Int
    package var parity: Parity
    /// Data bits per character: Modbus RTU needs 8.
    package var dataBits: Int
    /// 1 or 2. The guide asks for 2 without parity; most devices use 1.
    package var stopBits: Int
    package var rs485: ModbusRS485Mode

    package enum Parity: String, Sendable, Hashable {
        case none = "N", even = "E", odd = "O"
    }

    package init(device: String, baud: Int = 9600, parity: Parity = .none, dataBits: Int = 8, stopBits: Int = 1,
                rs485: ModbusRS485Mode = .none) {
        self.device = device
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
        self.rs485 = rs485
    }

    /// The speeds libmodbus 3.1.6 maps to a termios speed on Linux. Any other speed would silently
    /// become 9600, so it is refused instead.
    package static let supportedBauds: [Int] = [
        110, 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000,
        576000, 921600, 1_000_000, 1_152_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000, 3_500_000, 4_000_000,
    ]

    /// `/dev/ttyS1 9600 8N1`.
    package var description: String { "\(device) \(baud) \(dataBits)\(parity.rawValue)\(stopBits)" + (rs485 == .none ? "" : " rs485 \(rs485)") }

    var problem: String? {
        if device.isEmpty { return "serial device is empty" }
        if !Self.supportedBauds.contains(baud) {
            return "baud rate \(baud) not supported (use one of \(Self.supportedBauds.map(String.init).joined(separator: ", ")))"
        }
        if dataBits != 8 { return "\(dataBits) data bits: Modbus RTU needs 8 (7 is Modbus ASCII, which Fieldgate does not speak)" }
        if stopBits != 1 && stopBits != 2 { return "\(stopBits) stop bits: use 1 or 2" }
        if case .rts(_, let delay?) = rs485, delay < .zero || delay > .seconds(1) {
            return "RTS delay \(delay) must be 0 to 1 s"
        }
        if case .gpio(let line) = rs485, line.direction != .output {
            return "RS-485 direction line \(line.name) must be an output"
        }
        return nil
    }
}
