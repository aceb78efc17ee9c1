extension BuiltinProfiles {
    /// Fire water: pressure transmitters (direct and behind a 4–20 mA module), tank level, pump room.
    static let fireWater = [pressureTransmitter, analogInputModule, levelTransmitter, pumpRoom]

    static let pressureTransmitter = """
    {"id": "fg-pressure-tx", "family": "fire-water", "app": "pressure", "vendor": "Fieldgate", "model": "PT-25",
     "description": "Pressure transmitter reporting MPa over Modbus as a 32-bit float, low word first (CDAB), 0–2.5 MPa.",
     "modbus": {"unit": 1, "baud": 9600, "parity": "none", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "pressure", "table": "input", "address": 0, "type": "f32", "wordOrder": "CDAB", "unit": "MPa", "range": [-0.05, 2.6],
       "deadband": 0.002, "priority": "critical",
       "statusFrom": {"point": "sensor-fault", "sensorFault": [0]}, "description": "gauge pressure"},
      {"name": "sensor-fault", "table": "input", "address": 2, "bit": 0, "priority": "critical",
       "description": "status word bit 0: sensing element or electronics fault"},
      {"name": "address", "table": "holding", "address": 0, "type": "u16", "range": [1, 247], "access": "readwrite",
       "description": "unit address (used from the next request)"},
      {"name": "baud-code", "table": "holding", "address": 1, "type": "u16", "range": [0, 6], "access": "readwrite",
       "description": "0 = 2400, 1 = 4800, 2 = 9600, 3 = 19200, 4 = 38400, 5 = 57600, 6 = 115200 bit/s (after a power cycle)"},
      {"name": "zero", "table": "holding", "address": 2, "type": "u16", "range": [0, 1], "access": "readwrite",
       "description": "write 1 to take the present pressure as zero; reads 0"}
     ],
     "commands": [
      {"name": "set-address", "role": "admin", "description": "Give the transmitter a new unit address; it answers at the new address from the next request.",
       "parameters": [{"name": "address", "range": [1, 247]}],
       "writes": [{"point": "address", "parameter": "address"}]},
      {"name": "set-baud", "role": "admin", "description": "Change the transmitter's baud rate; it takes effect after a power cycle. Change the bus to match.",
       "parameters": [{"name": "baud", "unit": "bit/s", "choices": {"2400": 0, "4800": 1, "9600": 2, "19200": 3, "38400": 4, "57600": 5, "115200": 6}}],
       "writes": [{"point": "baud-code", "parameter": "baud"}]},
      {"name": "zero", "description": "Take the present pressure as zero. Close the isolating valve and vent the transmitter to air first.",
       "writes": [{"point": "zero", "value": 1}]}
     ]}
    """

    static let analogInputModule = """
    {"id": "fg-ai4", "family": "fire-water", "app": "pressure", "vendor": "Fieldgate", "model": "AI-4",
     "description": "Four-channel 4–20 mA input module. Channels read in mA; a site gives a channel a loop range (e.g. 0–1.6 MPa) to make it an engineering value with NAMUR NE43 quality.",
     "modbus": {"unit": 1, "baud": 9600, "parity": "none", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "ch1", "table": "input", "address": 0, "type": "u16", "scale": 0.001, "unit": "mA", "deadband": 0.02, "description": "channel 1 current (µA on the wire)"},
      {"name": "ch2", "table": "input", "address": 1, "type": "u16", "scale": 0.001, "unit": "mA", "deadband": 0.02, "description": "channel 2 current"},
      {"name": "ch3", "table": "input", "address": 2, "type": "u16", "scale": 0.001, "unit": "mA", "deadband": 0.02, "description": "channel 3 current"},
      {"name": "ch4", "table": "input", "address": 3, "type": "u16", "scale": 0.001, "unit": "mA", "deadband": 0.02, "description": "channel 4 current"}
     ],
     "commands": [
    \(configCommands())
     ]}
    """

    static let levelTransmitter = """
    {"id": "fg-level", "family": "fire-water", "app": "tank-level", "vendor": "Fieldgate", "model": "LT-20",
     "description": "Hydrostatic tank or reservoir level transmitter, 0–20 m, millimetre resolution.",
     "modbus": {"unit": 1, "baud": 9600, "parity": "none", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "level", "table": "input", "address": 0, "type": "u16", "scale": 0.001, "unit": "m", "range": [0, 20], "deadband": 0.01,
       "statusFrom": {"point": "sensor-fault", "sensorFault": [0]}, "description": "water level above the probe"},
      {"name": "sensor-fault", "table": "input", "address": 1, "bit": 0, "description": "status word bit 0: probe fault"}
     ],
     "commands": [
    \(configCommands())
     ]}
    """

    static let pumpRoom = """
    {"id": "fg-pump-room", "family": "fire-water", "app": "pump-room", "vendor": "Fieldgate", "model": "contacts",
     "description": "Pump room contacts on gateway inputs: signal valve position, jockey pump and fire pump running, fire pump fault.",
     "signals": [
      {"name": "valve-open", "direction": "in", "debounce": "1s", "trueMeans": "open", "falseMeans": "closed", "priority": "critical",
       "description": "signal valve supervisory switch: a closed valve is a fire-safety defect"},
      {"name": "jockey-run", "direction": "in", "debounce": "500ms", "trueMeans": "running", "falseMeans": "stopped", "description": "jockey pump contactor auxiliary"},
      {"name": "fire-pump-run", "direction": "in", "debounce": "500ms", "trueMeans": "running", "falseMeans": "stopped", "priority": "critical",
       "description": "fire pump contactor auxiliary"},
      {"name": "fire-pump-fault", "direction": "in", "debounce": "500ms", "trueMeans": "fault", "falseMeans": "normal", "priority": "critical",
       "description": "fire pump controller fault relay"}
     ]}
    """
}
