import FieldCore

/// What the audit trail and the log show of a command: the target and the change in the words of
/// the console, not a Swift dump of the enum.
extension GatewayCommand: CustomStringConvertible {
    package var description: String {
        switch self {
        case .app(let device, let command, let arguments):
            let args = arguments == .null || arguments == [:] ? "" : " " + arguments.serialized()
            return "\(device) \(command)\(args)"
        case .acknowledge(let id):
            return "ack \(id)"
        case .deviceCommand(let device, let command, let arguments, let unit):
            let args = arguments.keys.sorted().map { " \($0)=\(formatNumber(arguments[$0] ?? 0))" }.joined()
            return "\(device) \(command)\(args)" + (unit.map { " at unit \($0)" } ?? "")
        case .writePoint(let ref, let value):
            return "write \(ref) = \(value)"
        case .readRegisters(let bus, let unit, let table, let address, let count):
            return "read \(bus) unit \(unit) \(table.rawValue) \(address)+\(count)"
        case .writeRegisters(let bus, let unit, let table, let address, let values, let function):
            return "write \(bus) unit \(unit) \(table.rawValue) \(address) = \(values.map(String.init).joined(separator: ","))"
                + (function.map { " (FC\($0.rawValue))" } ?? "")
        case .setOutput(let line, let value, let revert):
            return "output \(line) \(value ? "on" : "off")" + (revert.map { " for \(formatDuration($0))" } ?? "")
        case .restart:
            return "restart"
        }
    }
}
