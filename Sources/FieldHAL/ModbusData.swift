/// What one read of a Modbus table returned: bits from coils or discrete inputs, 16-bit words from
/// holding or input registers.
package enum ModbusData: Sendable, Hashable {
    case bits([Bool])
    case registers([UInt16])

    /// How many bits or registers.
    package var count: Int {
        switch self {
        case .bits(let b): b.count
        case .registers(let r): r.count
        }
    }
}
