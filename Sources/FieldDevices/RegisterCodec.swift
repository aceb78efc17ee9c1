import FieldHAL

/// Turns 16-bit registers into a value's bit pattern and back, honouring the word order. The
/// pattern is the value's bytes in big-endian order (A = most significant), right-aligned in a
/// `UInt64`. See `WordOrder` for the layouts, including the 64-bit generalisation.
package enum RegisterCodec {
    /// The bit pattern held by `count` (1, 2 or 4) registers starting at `start`.
    package static func pattern(_ registers: [UInt16], at start: Int, count: Int, order: WordOrder) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<count {
            var word = registers[start + (order.swapsWords ? count - 1 - i : i)]
            if order.swapsBytes { word = word.byteSwapped }
            v = v << 16 | UInt64(word)
        }
        return v
    }

    /// The `count` registers (1, 2 or 4) that hold `pattern`, in wire order.
    package static func registers(_ pattern: UInt64, count: Int, order: WordOrder) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: count)
        for i in 0..<count {
            // Word i of the big-endian value (i = 0 is the most significant).
            var word = UInt16(truncatingIfNeeded: pattern >> (16 * UInt64(count - 1 - i)))
            if order.swapsBytes { word = word.byteSwapped }
            out[order.swapsWords ? count - 1 - i : i] = word
        }
        return out
    }

    /// The number a bit pattern stands for as `type` (bool reads as 0 or 1).
    package static func number(_ pattern: UInt64, as type: ValueType) -> Double {
        switch type {
        case .bool: pattern & 1 == 0 ? 0 : 1
        case .u16: Double(UInt16(truncatingIfNeeded: pattern))
        case .i16: Double(Int16(truncatingIfNeeded: pattern))
        case .u32: Double(UInt32(truncatingIfNeeded: pattern))
        case .i32: Double(Int32(truncatingIfNeeded: pattern))
        case .f32: Double(Float(bitPattern: UInt32(truncatingIfNeeded: pattern)))
        case .u64: Double(pattern)
        case .i64: Double(Int64(bitPattern: pattern))
        case .f64: Double(bitPattern: pattern)
        }
    }

    /// The bit pattern of `raw` as `type`, or nil when it does not fit (integers are rounded to
    /// the nearest whole number first; a float that overflows f32 does not fit).
    package static func pattern(of raw: Double, as type: ValueType) -> UInt64? {
        guard raw.isFinite else { return nil }
        switch type {
        case .f32:
            let f = Float(raw)
            return f.isFinite ? UInt64(f.bitPattern) : nil
        case .f64:
            return raw.bitPattern
        case .bool, .u16, .u32, .u64:
            guard let u = UInt64(exactly: raw.rounded()) else { return nil }
            let bits = type == .bool ? 1 : type.registerCount * 16
            return bits == 64 || u >> UInt64(bits) == 0 ? u : nil
        case .i16, .i32, .i64:
            guard let i = Int64(exactly: raw.rounded()) else { return nil }
            let bits = Int64(type.registerCount * 16)
            if bits < 64 {
                let limit = Int64(1) << (bits - 1)
                guard i >= -limit, i < limit else { return nil }
                return UInt64(bitPattern: i) & ((1 << UInt64(bits)) - 1)
            }
            return UInt64(bitPattern: i)
        }
    }

    /// The smallest and largest raw value `type` holds, for error messages.
    package static func limits(of type: ValueType) -> ClosedRange<Double> {
        switch type {
        case .bool: 0...1
        case .u16: 0...65535
        case .i16: -32768...32767
        case .u32: 0...4_294_967_295
        case .i32: -2_147_483_648...2_147_483_647
        case .u64: 0...Double(UInt64.max)
        case .i64: Double(Int64.min)...Double(Int64.max)
        case .f32: Double(-Float.greatestFiniteMagnitude)...Double(Float.greatestFiniteMagnitude)
        case .f64: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        }
    }
}
