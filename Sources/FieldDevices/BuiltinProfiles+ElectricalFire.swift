extension BuiltinProfiles {
    /// Electrical fire monitoring (GB 14287): the combined residual-current and temperature
    /// detector that sits in a distribution box. No vendor's map could be read (docs/electrical-fire.md
    /// says where we looked), so the map is ours, laid out the way detectors of this class commonly are.
    static let electricalFire = [electricalFireDetector]

    /// Temperature channels of `fg-efd`: input 0x0001…0x0004, fault bits n−1 (open) and n+3 (short).
    static func temperatureChannel(_ n: Int) -> String {
        """
          {"name": "t\(n)", "table": "input", "address": \(n), "type": "i16", "scale": 0.1, "unit": "°C", "range": [-40, 200], "deadband": 0.5,
           "statusFrom": {"point": "fault-flags", "sensorFault": [\(n - 1), \(n + 3)]},
           "description": "temperature channel \(n) (cable, terminal or breaker; GB 14287.3)"},
        """
    }

    static func temperatureSetting(_ n: Int) -> String {
        """
          {"name": "t\(n)-alarm-setting", "table": "holding", "address": \(0x0010 + n), "type": "u16", "unit": "°C", "range": [55, 140], "access": "readwrite",
           "description": "the detector's own alarm value for channel \(n) (GB 14287.3: settable 55–140 °C)"},
        """
    }

    static let electricalFireDetector = """
    {"id": "fg-efd", "family": "electrical-fire", "app": "electrical-fire", "vendor": "Fieldgate", "model": "EFD-4T",
     "description": "Electrical fire monitoring detector (Fieldgate's own map; no vendor map could be read): residual current (GB 14287.2) and four temperature channels (GB 14287.3), three-phase voltage and current, active power and power factor, alarm and fault bits; self-test, silence, reset and alarm settings.",
     "modbus": {"unit": 1, "baud": 9600, "parity": "none", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "residual-current", "table": "input", "address": 0, "type": "u16", "unit": "mA", "range": [0, 3000], "deadband": 2,
       "priority": "critical", "statusFrom": {"point": "fault-flags", "sensorFault": [8]},
       "description": "residual (earth leakage) current of the protected circuit, from the zero-sequence transformer"},
    \(temperatureChannel(1))
    \(temperatureChannel(2))
    \(temperatureChannel(3))
    \(temperatureChannel(4))
      {"name": "voltage-a", "table": "input", "address": 5, "type": "u16", "scale": 0.1, "unit": "V", "range": [0, 500], "deadband": 1},
      {"name": "voltage-b", "table": "input", "address": 6, "type": "u16", "scale": 0.1, "unit": "V", "range": [0, 500], "deadband": 1},
      {"name": "voltage-c", "table": "input", "address": 7, "type": "u16", "scale": 0.1, "unit": "V", "range": [0, 500], "deadband": 1},
      {"name": "current-a", "table": "input", "address": 8, "type": "u16", "scale": 0.01, "unit": "A", "range": [0, 650], "deadband": 0.1},
      {"name": "current-b", "table": "input", "address": 9, "type": "u16", "scale": 0.01, "unit": "A", "range": [0, 650], "deadband": 0.1},
      {"name": "current-c", "table": "input", "address": 10, "type": "u16", "scale": 0.01, "unit": "A", "range": [0, 650], "deadband": 0.1},
      {"name": "power", "table": "input", "address": 11, "type": "u32", "unit": "W", "range": [0, 1000000], "deadband": 20,
       "description": "total active power (high word first)"},
      {"name": "power-factor", "table": "input", "address": 13, "type": "u16", "scale": 0.001, "range": [0, 1], "deadband": 0.01,
       "description": "total power factor (magnitude)"},
      {"name": "alarm-flags", "table": "input", "address": 14, "type": "u16",
       "description": "the detector's own alarms, held until reset: bit 0 residual current, bits 1–4 temperature channels 1–4"},
      {"name": "leakage-alarm", "table": "input", "address": 14, "bit": 0, "priority": "critical", "description": "alarm-flags bit 0"},
      {"name": "fault-flags", "table": "input", "address": 15, "type": "u16",
       "description": "bits 0–3 temperature sensor 1–4 open circuit, bits 4–7 sensor 1–4 short circuit, bit 8 residual-current transformer disconnected"},
      {"name": "leakage-alarm-setting", "table": "holding", "address": 16, "type": "u16", "unit": "mA", "range": [20, 1000], "access": "readwrite",
       "description": "the detector's own residual-current alarm value (GB 14287.2: settable 20–1000 mA)"},
    \(temperatureSetting(1))
    \(temperatureSetting(2))
    \(temperatureSetting(3))
    \(temperatureSetting(4))
      {"name": "control", "table": "holding", "address": 32, "type": "u16", "range": [1, 3], "access": "write",
       "description": "write 1 self-test, 2 silence, 3 reset (reads are not defined)"}
     ],
     "commands": [
      {"name": "self-test", "description": "The detector simulates a residual current and raises its own alarm bits for a few seconds. Open a maintenance window on the device first, or the test reaches the monitoring centre as an alarm.",
       "writes": [{"point": "control", "value": 1}]},
      {"name": "silence", "description": "Silence the detector's buzzer; its alarm bits stay set until reset.",
       "writes": [{"point": "control", "value": 2}]},
      {"name": "reset", "description": "Clear the detector's held alarm bits; a condition still present raises them again.",
       "writes": [{"point": "control", "value": 3}]},
      {"name": "set-leakage-alarm", "role": "admin", "description": "Set the detector's own residual-current alarm value. GB 14287.2 allows 20–1000 mA; GB 50116 suggests 300–500 mA at a building's supply side.",
       "parameters": [{"name": "value", "unit": "mA", "range": [20, 1000]}],
       "writes": [{"point": "leakage-alarm-setting", "parameter": "value"}]},
      {"name": "set-temperature-alarm", "role": "admin", "description": "Set the detector's own temperature alarm value on all four channels (GB 14287.3 allows 55–140 °C). One channel at a time: write tN-alarm-setting.",
       "parameters": [{"name": "value", "unit": "°C", "range": [55, 140]}],
       "writes": [{"point": "t1-alarm-setting", "parameter": "value"}, {"point": "t2-alarm-setting", "parameter": "value"},
                  {"point": "t3-alarm-setting", "parameter": "value"}, {"point": "t4-alarm-setting", "parameter": "value"}]},
    \(configCommands())
     ]}
    """
}
