import FieldDevices

/// Why a model could not set or get a value in a device's registers.
package enum RegisterBankError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The profile has no point of that name (nor a command register `holding@256`).
    case unknownPoint(profile: String, point: String)
    /// The value cannot be encoded for the point (wrong kind, does not fit its type).
    case codec(CodecError)
    /// Raw access outside the addresses the device serves in that table.
    case outsideMap(profile: String, table: RegisterTable, address: Int, count: Int)

    package var description: String {
        switch self {
        case .unknownPoint(let profile, let point):
            "\(profile): no point \"\(point)\""
        case .codec(let e):
            e.description
        case .outsideMap(let profile, let table, let address, let count):
            "\(profile): \(table) \(address)+\(count) is outside the device's register map"
        }
    }
}
