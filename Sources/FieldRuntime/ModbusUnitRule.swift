/// The one check of a unit id a command names, for every path that reaches a bus (the platform's
/// RPC, the console, profile commands): RTU serves 1–247 and broadcasts to 0 (writes only, no
/// answer); TCP takes 0–247 and 255 (0 and 255: the server itself), not 248–254, which
/// libmodbus cannot send.
///
/// Interim: FieldHAL is getting the canonical Modbus limits (wt-bus, issue 19: `ModbusLimits`);
/// at the merge this function asks them and stays the runtime's single place.
/// - Returns: why `unit` cannot be used, or nil.
func modbusUnitProblem(_ unit: Int, isRTU: Bool, writes: Bool) -> String? {
    if isRTU {
        if unit == 0 {
            return writes ? nil : "unit 0 is the RTU broadcast address: it takes writes only and never answers"
        }
        return (1...247).contains(unit) ? nil : "unit \(unit) is not an RTU unit id (1…247, or 0 to broadcast a write)"
    }
    if (248...254).contains(unit) { return "unit \(unit) cannot be sent on Modbus TCP (libmodbus takes 0…247 and 255)" }
    return (0...255).contains(unit) ? nil : "unit \(unit) is not a Modbus TCP unit id (0…247, 255)"
}
