/// Protocol limits per request (Modbus Application Protocol v1.1b, section 6). A request over a
/// limit is refused before anything is sent.
package enum ModbusLimits {
    /// Registers per read (0x03, 0x04) and per 0x17 read: 125.
    package static let readRegisters = 125
    /// Registers per write (0x10): 123.
    package static let writeRegisters = 123
    /// Registers written by one 0x17 transaction: 121.
    package static let writeAndReadWriteRegisters = 121
    /// Bits per read (0x01, 0x02): 2000.
    package static let readBits = 2000
    /// Bits per write (0x0F): 1968.
    package static let writeBits = 1968
    /// The broadcast address: writes only, nobody answers.
    package static let broadcastUnit: UInt8 = 0
    /// Unit addresses on a serial line: 1–247, plus 0 for broadcast.
    package static let serialUnits: ClosedRange<UInt8> = 0...247
    /// Unit identifiers on Modbus TCP: 0–255. 0 and 255 are the TCP guide's "the server itself"
    /// (no routing; 0 is no broadcast on TCP), 1–247 the serial units behind a TCP-to-RTU gateway.
    package static let tcpUnits: ClosedRange<UInt8> = 0...255
    /// TCP unit ids libmodbus 3.1 cannot send (`modbus_set_slave` takes 0–247 and 255 only);
    /// no device or gateway is known to use them.
    package static let tcpUnitsLibmodbusRefuses: ClosedRange<UInt8> = 248...254
    /// The addresses a device on a serial line can be given: 1–247 (0 is broadcast, 248–255
    /// reserved). Profiles' factory addresses and site files' RTU devices.
    package static let deviceUnits: ClosedRange<Int> = 1...247
    /// Register and bit addresses of every table: 0–65535.
    package static let addresses: ClosedRange<Int> = 0...65535

    /// The unit addresses a request may carry on a link: `serialUnits` (0–247, 0 = broadcast)
    /// or `tcpUnits` (0–255).
    package static func unitIDs(rtu: Bool) -> ClosedRange<UInt8> { rtu ? serialUnits : tcpUnits }

    /// Whether a request on the link may carry `unit` (`unitIDs(rtu:)`), checked before the
    /// number is converted.
    package static func isRequestUnit(_ unit: Int, rtu: Bool) -> Bool {
        guard let u = UInt8(exactly: unit) else { return false }
        return unitIDs(rtu: rtu).contains(u)
    }

    /// Whether a device can be addressed at `unit`: on a serial line 1–247; on Modbus TCP 0–247
    /// or 255 (0 and 255 the server itself, 1–247 a serial device behind a TCP-to-RTU gateway;
    /// 248–254 libmodbus cannot send).
    package static func isDeviceUnit(_ unit: Int, rtu: Bool) -> Bool {
        if rtu { return deviceUnits.contains(unit) }
        guard let u = UInt8(exactly: unit) else { return false }
        return !tcpUnitsLibmodbusRefuses.contains(u)
    }

    /// Whether `count` (1 or more) items from `address` stay within the 65536 addresses.
    package static func fits(address: Int, count: Int) -> Bool {
        count >= 1 && addresses.contains(address) && address <= addresses.upperBound - count + 1
    }
}
