import FieldCore
import FieldDevices
import FieldHAL

/// A write a master (the gateway, mbpoll, a test) made to a simulated device over the wire, as
/// its device model hears about it: which registers, and the new value of every point they touch.
package struct GatewayWrite: Sendable, Hashable, CustomStringConvertible {
    /// 0x05, 0x06, 0x0F, 0x10 or 0x17.
    package var function: ModbusFunction
    package var table: RegisterTable
    /// The first register or coil written.
    package var address: Int
    /// Registers or coils written.
    package var count: Int
    /// Sent to unit 0: every device on the bus applied it and none answered.
    package var broadcast: Bool
    /// Point name → its value after the write (engineering value from the profile's codec), for
    /// every point the write touched. Command registers appear as `holding@256`.
    package var values: [String: PointValue]

    package init(function: ModbusFunction, table: RegisterTable, address: Int, count: Int, broadcast: Bool,
                values: [String: PointValue]) {
        self.function = function
        self.table = table
        self.address = address
        self.count = count
        self.broadcast = broadcast
        self.values = values
    }

    package var description: String {
        let changes = values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(function.name) \(table) \(address)+\(count)\(broadcast ? " (broadcast)" : ""): \(changes)"
    }
}
