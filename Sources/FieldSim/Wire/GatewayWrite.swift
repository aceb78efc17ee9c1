import FieldCore
import FieldDevices
import FieldHAL

/// A write a master (the gateway, mbpoll, a test) made to a simulated device over the wire, as
/// its device model hears about it: which registers, and the new value of every point they touch.
public struct GatewayWrite: Sendable, Hashable, CustomStringConvertible {
    /// 0x05, 0x06, 0x0F, 0x10 or 0x17.
    public var function: ModbusFunction
    public var table: RegisterTable
    /// The first register or coil written.
    public var address: Int
    /// Registers or coils written.
    public var count: Int
    /// Sent to unit 0: every device on the bus applied it and none answered.
    public var broadcast: Bool
    /// Point name → its value after the write (engineering value from the profile's codec), for
    /// every point the write touched. Command registers appear as `holding@256`.
    public var values: [String: PointValue]

    public init(function: ModbusFunction, table: RegisterTable, address: Int, count: Int, broadcast: Bool,
                values: [String: PointValue]) {
        self.function = function
        self.table = table
        self.address = address
        self.count = count
        self.broadcast = broadcast
        self.values = values
    }

    public var description: String {
        let changes = values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(function.name) \(table) \(address)+\(count)\(broadcast ? " (broadcast)" : ""): \(changes)"
    }
}
