import FieldHAL

/// The one check of a unit id a command names, for every path that reaches a bus (the platform's
/// RPC, the console, profile commands), in FieldHAL's limits (`ModbusLimits`): RTU serves 1–247
/// and broadcasts to 0 (writes only, no answer); TCP takes 0–247 and 255 (0 and 255: the server
/// itself), not 248–254, which libmodbus cannot send.
/// - Returns: why `unit` cannot be used, or nil.
func modbusUnitProblem(_ unit: Int, isRTU: Bool, writes: Bool) -> String? {
    guard let u = UInt8(exactly: unit) else {
        return isRTU ? "unit \(unit) is not an RTU unit id (1…247, or 0 to broadcast a write)"
            : "unit \(unit) is not a Modbus TCP unit id (0…247, 255)"
    }
    if isRTU {
        if u == ModbusLimits.broadcastUnit {
            return writes ? nil : "unit 0 is the RTU broadcast address: it takes writes only and never answers"
        }
        return ModbusLimits.serialUnits.contains(u) ? nil : "unit \(unit) is not an RTU unit id (1…247, or 0 to broadcast a write)"
    }
    return ModbusLimits.tcpUnitsLibmodbusRefuses.contains(u) ? "unit \(unit) cannot be sent on Modbus TCP (libmodbus takes 0…247 and 255)" : nil
}
