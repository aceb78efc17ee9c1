/// Booleans packed the way Modbus packs them: coils and discrete inputs eight to a byte, the
/// first bit in the least significant bit of the first byte; and bits packed in 16-bit
/// registers, bit 0 of the first register first.
package enum PackedBits {
    /// Bytes of a read-coils response or a write-multiple-coils request for `bits`.
    package static func bytes(_ bits: [Bool]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (i, b) in bits.enumerated() where b { out[i / 8] |= 1 << UInt8(i % 8) }
        return out
    }

    /// The first `count` bits of packed bytes; nil when the bytes hold fewer.
    package static func bits(ofBytes bytes: [UInt8], count: Int) -> [Bool]? {
        guard count >= 0, bytes.count * 8 >= count else { return nil }
        return (0..<count).map { bytes[$0 / 8] & (1 << UInt8($0 % 8)) != 0 }
    }

    /// The bits of registers, 16 per register, bit 0 of the first register first.
    package static func bits(ofRegisters registers: [UInt16]) -> [Bool] {
        var out: [Bool] = []
        out.reserveCapacity(registers.count * 16)
        for r in registers {
            for b in 0..<16 { out.append(r & (1 << UInt16(b)) != 0) }
        }
        return out
    }

    /// Registers holding `bits`, 16 per register; the last register's unused bits are 0.
    package static func registers(_ bits: [Bool]) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: (bits.count + 15) / 16)
        for (i, b) in bits.enumerated() where b { out[i / 16] |= 1 << UInt16(i % 16) }
        return out
    }
}
