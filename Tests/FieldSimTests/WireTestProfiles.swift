import FieldDevices

/// Profiles the wire tests serve, read by the same parser as site files.
enum WireTestProfiles {
    /// A pressure transmitter like the built-in `fg-pressure-tx`: MPa as f32 CDAB at input 0.
    static let pressure = parse("""
    {"id": "wire-pressure", "family": "fire-water",
     "points": [
      {"name": "pressure", "table": "input", "address": 0, "type": "f32", "wordOrder": "CDAB", "unit": "MPa", "range": [-0.05, 2.6]},
      {"name": "sensor-fault", "table": "input", "address": 2, "bit": 0},
      {"name": "address", "table": "holding", "address": 0, "type": "u16", "range": [1, 247], "access": "readwrite"},
      {"name": "baud-code", "table": "holding", "address": 1, "type": "u16", "range": [0, 6], "access": "readwrite"},
      {"name": "zero", "table": "holding", "address": 2, "type": "u16", "range": [0, 1], "access": "readwrite"}
     ]}
    """)

    /// A lamp controller with all four tables, gaps, bit fields, scaled and wide values and a
    /// command register outside its points (holding 0x0100).
    static let lamp = parse(lampJSON(limits: ""))

    /// The same lamp controller, declared as refusing reads across gaps (`maxGap: 0`).
    static let strictLamp = parse(lampJSON(limits: #", "modbus": {"maxGap": 0, "maxBitGap": 0}"#))

    private static func lampJSON(limits: String) -> String {
        """
        {"id": "wire-lamp", "family": "lamp-pole"\(limits),
         "points": [
          {"name": "switch", "table": "coil", "address": 0, "access": "readwrite"},
          {"name": "relay-test", "table": "coil", "address": 1, "access": "readwrite"},
          {"name": "reset", "table": "coil", "address": 3, "access": "readwrite"},
          {"name": "lamp-failure", "table": "discrete", "address": 0},
          {"name": "door", "table": "discrete", "address": 1},
          {"name": "dim", "table": "holding", "address": 0, "type": "u16", "unit": "%", "range": [0, 100], "access": "readwrite"},
          {"name": "default-dim", "table": "holding", "address": 1, "type": "u16", "unit": "%", "range": [0, 100], "access": "readwrite"},
          {"name": "energy", "table": "holding", "address": 4, "type": "u32", "unit": "Wh"},
          {"name": "auto", "table": "holding", "address": 6, "bit": 0, "access": "readwrite"},
          {"name": "dim-profile", "table": "holding", "address": 6, "bit": 1, "width": 3, "type": "u16", "range": [0, 5], "access": "readwrite"},
          {"name": "fault-latch", "table": "holding", "address": 6, "bit": 8},
          {"name": "driver-temperature", "table": "holding", "address": 7, "type": "i16", "scale": 0.1, "unit": "°C"},
          {"name": "voltage", "table": "input", "address": 0, "type": "u16", "scale": 0.1, "unit": "V"},
          {"name": "current", "table": "input", "address": 1, "type": "u16", "scale": 0.001, "unit": "A"},
          {"name": "power", "table": "input", "address": 2, "type": "f32", "unit": "W"},
          {"name": "leakage-current", "table": "input", "address": 10, "type": "u16", "scale": 0.1, "unit": "mA"}
         ],
         "commands": [
          {"name": "set-address", "parameters": [{"name": "address", "range": [1, 247]}],
           "writes": [{"table": "holding", "address": 256, "parameter": "address"}]}
         ]}
        """
    }

    private static func parse(_ text: String) -> DeviceProfile {
        do {
            return try DeviceProfile.parse(text, source: "wire test profile")
        } catch {
            preconditionFailure("test profile does not parse: \(error)")
        }
    }
}
