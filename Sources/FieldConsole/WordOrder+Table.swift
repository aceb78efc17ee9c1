import FieldDevices

/// A register pair in every word order, for `modbus word-order` and `modbus read`: the profile's
/// own `WordOrder` (FieldDevices), not a second one.
extension WordOrder {
    /// The 32-bit value of two registers as read (`first` at the lower address) in this order.
    func combine(_ first: UInt16, _ second: UInt16) -> UInt32 {
        let wire = [UInt8(first >> 8), UInt8(first & 0xFF), UInt8(second >> 8), UInt8(second & 0xFF)]
        let order: [Int]
        switch self {
        case .abcd: order = [0, 1, 2, 3]
        case .cdab: order = [2, 3, 0, 1]
        case .badc: order = [1, 0, 3, 2]
        case .dcba: order = [3, 2, 1, 0]
        }
        return order.reduce(UInt32(0)) { $0 << 8 | UInt32(wire[$1]) }
    }

    /// One line per order: the value as float32, uint32 and int32.
    static func table(_ first: UInt16, _ second: UInt16) -> [String] {
        var t = TextTable(["order", "bytes", "float32", "uint32", "int32"])
        for order in allCases {
            let v = order.combine(first, second)
            let bytes = (0..<4).map { hex(UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)), digits: 2) }.joined(separator: " ")
            t.add([order.rawValue, bytes, formatFloat(Float(bitPattern: v)), String(v), String(Int32(bitPattern: v))])
        }
        return t.lines
    }

    private static func formatFloat(_ f: Float) -> String {
        guard f.isFinite else { return f.isNaN ? "nan" : (f < 0 ? "-inf" : "inf") }
        let d = Double(f)
        if d != 0 && (abs(d) < 1e-6 || abs(d) >= 1e9) { return "\(f)" }
        return String(format7(d))
    }

    private static func format7(_ d: Double) -> String {
        var s = String(d)
        if s.contains("e") { return s }
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals > 7 {
                var scale = 1.0
                for _ in 0..<7 { scale *= 10 }
                s = String((d * scale).rounded() / scale)
            }
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }
}

/// `0x1A2B` style hex with a fixed number of digits.
func hex(_ v: some BinaryInteger, digits: Int) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - s.count)) + s
}
