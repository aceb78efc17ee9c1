/// CRC-16/MODBUS, the check at the end of every RTU frame: polynomial 0xA001 (0x8005 reflected),
/// initial value 0xFFFF, sent low byte first (Modbus serial line guide v1.02, 6.2.2).
enum ModbusCRC {
    private static let table: [UInt16] = (0..<256).map { byte in
        var crc = UInt16(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        return crc
    }

    /// The CRC of `bytes`.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for b in bytes { crc = (crc >> 8) ^ table[Int((crc ^ UInt16(b)) & 0xFF)] }
        return crc
    }

    /// Whether the last two bytes of `frame` are the CRC of the others, low byte first.
    static func isValid(_ frame: ArraySlice<UInt8>) -> Bool {
        guard frame.count >= 4 else { return false }
        let body = frame.dropLast(2)
        let crc = checksum(body)
        return frame[frame.endIndex - 2] == UInt8(crc & 0xFF) && frame[frame.endIndex - 1] == UInt8(crc >> 8)
    }

    /// Appends the CRC of everything in `frame` so far, low byte first.
    static func append(to frame: inout [UInt8]) {
        let crc = checksum(frame)
        frame.append(UInt8(crc & 0xFF))
        frame.append(UInt8(crc >> 8))
    }
}
