extension BuiltinProfiles {
    /// Indoor air: the 7-in-1 terminal, SenseAir S8, RS-485 PM and temperature/humidity transmitters.
    static let indoorAir = [airTerminal, senseairS8, pmTransmitter, thTransmitter]

    static let airTerminal = """
    {"id": "fg-air-terminal", "family": "indoor-air", "app": "air-terminal", "vendor": "Fieldgate", "model": "AQ-7",
     "description": "7-in-1 indoor air sensor (PM2.5, PM10, HCHO, CO2, TVOC, temperature, humidity) with the terminal's status LED, buzzer and fan relay on gateway outputs.",
     "modbus": {"unit": 1, "baud": 9600, "parity": "none", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "pm25", "table": "input", "address": 0, "type": "u16", "unit": "µg/m³", "range": [0, 1000], "deadband": 1,
       "statusFrom": {"point": "status", "sensorFault": [0], "warmingUp": [8]}},
      {"name": "pm10", "table": "input", "address": 1, "type": "u16", "unit": "µg/m³", "range": [0, 1000], "deadband": 1,
       "statusFrom": {"point": "status", "sensorFault": [0], "warmingUp": [8]}},
      {"name": "hcho", "table": "input", "address": 2, "type": "u16", "scale": 0.001, "unit": "mg/m³", "range": [0, 5], "deadband": 0.002,
       "warmUp": "3m", "statusFrom": {"point": "status", "sensorFault": [1], "warmingUp": [9]},
       "description": "formaldehyde (electrochemical cell: minutes of warm-up)"},
      {"name": "co2", "table": "input", "address": 3, "type": "u16", "unit": "ppm", "range": [0, 10000], "deadband": 10,
       "statusFrom": {"point": "status", "sensorFault": [2], "warmingUp": [10]}},
      {"name": "tvoc", "table": "input", "address": 4, "type": "u16", "scale": 0.001, "unit": "mg/m³", "range": [0, 10], "deadband": 0.01,
       "statusFrom": {"point": "status", "sensorFault": [3], "warmingUp": [11]}},
      {"name": "temperature", "table": "input", "address": 5, "type": "i16", "scale": 0.1, "unit": "°C", "range": [-20, 60], "deadband": 0.2,
       "statusFrom": {"point": "status", "sensorFault": [4]}},
      {"name": "humidity", "table": "input", "address": 6, "type": "u16", "scale": 0.1, "unit": "%RH", "range": [0, 100], "deadband": 1,
       "statusFrom": {"point": "status", "sensorFault": [4]}},
      {"name": "status", "table": "input", "address": 7, "type": "u16",
       "description": "bits 0–4 sensor fault (0 PM, 1 HCHO, 2 CO2, 3 TVOC, 4 temperature/humidity); bits 8–11 warming up (8 PM, 9 HCHO, 10 CO2, 11 TVOC)"}
     ],
     "signals": [
      {"name": "led-green", "direction": "out", "safe": false, "description": "status LED: air good"},
      {"name": "led-yellow", "direction": "out", "safe": false, "description": "status LED: air moderate"},
      {"name": "led-red", "direction": "out", "safe": false, "description": "status LED: air poor"},
      {"name": "buzzer", "direction": "out", "safe": false, "description": "sustained exceedance buzzer"},
      {"name": "fan", "direction": "out", "safe": false, "trueMeans": "running", "falseMeans": "stopped", "description": "purifier / fresh-air fan relay"}
     ],
     "commands": [
    \(configCommands())
     ]}
    """

    /// SenseAir S8 (004-0-0053 and family): Senseair's "Modbus on Senseair S8" (TDE2067).
    static let senseairS8 = """
    {"id": "senseair-s8", "family": "indoor-air", "vendor": "Senseair", "model": "S8",
     "description": "SenseAir S8 NDIR CO2 sensor (real map, Senseair TDE2067). Answers its own address and the any-address 0xFE; 9600 8N1. Measures every 4 s; 400–2000 ppm specified, readings to 10000 ppm.",
     "modbus": {"unit": 104, "baud": 9600, "parity": "none", "dataBits": 8, "stopBits": 1, "maxGap": 2},
     "points": [
      {"name": "meter-status", "table": "input", "address": 0, "type": "u16",
       "description": "IR1: bit 0 fatal error, 1 offset regulation error, 2 algorithm error, 3 output error, 4 self-diagnostics error, 5 out of range, 6 memory error"},
      {"name": "co2", "table": "input", "address": 3, "type": "u16", "unit": "ppm", "range": [0, 10000], "deadband": 10,
       "statusFrom": {"point": "meter-status", "sensorFault": [0, 1, 2, 3, 4, 6], "outOfRange": [5]},
       "description": "IR4: space CO2"},
      {"name": "special-command", "table": "holding", "address": 1, "type": "u16", "access": "readwrite",
       "description": "HR2: 0x7C06 background calibration, 0x7C07 zero calibration (clear HR1 first; HR1 bit 5 / bit 6 confirm)"},
      {"name": "abc-period", "table": "holding", "address": 31, "type": "u16", "unit": "h", "range": [0, 4800], "access": "readwrite",
       "description": "HR32: automatic baseline correction period in hours, 0 = off"}
     ],
     "commands": [
      {"name": "background-calibration", "description": "Calibrate to fresh air (about 400 ppm). Leave the sensor in fresh outdoor air for at least 5 minutes first. The sensor sets bit 5 of the acknowledgement register (holding 0x0000) when done.",
       "writes": [{"table": "holding", "address": 0, "value": 0}, {"point": "special-command", "value": 31750}]},
      {"name": "zero-calibration", "description": "Calibrate to 0 ppm. Only in pure nitrogen. The sensor sets bit 6 of the acknowledgement register (holding 0x0000) when done.",
       "writes": [{"table": "holding", "address": 0, "value": 0}, {"point": "special-command", "value": 31751}]},
      {"name": "set-abc-period", "description": "Set the automatic baseline correction period (0 turns ABC off).",
       "parameters": [{"name": "hours", "unit": "h", "range": [0, 4800]}],
       "writes": [{"point": "abc-period", "parameter": "hours"}]}
     ]}
    """

    /// Baud codes of the common Chinese RS-485 transmitter map (device address at 0x07D0, baud
    /// code at 0x07D1).
    static let transmitterBaudCodes = [(2400, 0), (4800, 1), (9600, 2)]

    static let pmTransmitter = """
    {"id": "fg-pm-tx", "family": "indoor-air", "vendor": "generic", "model": "RS-485 PM2.5/PM10 transmitter",
     "description": "RS-485 particulate transmitter in the common vendor layout: readings from holding 0x0000, unit address at 0x07D0, baud code at 0x07D1; 4800 8N1 from the factory.",
     "modbus": {"unit": 1, "baud": 4800, "parity": "none", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "pm25", "table": "holding", "address": 0, "type": "u16", "unit": "µg/m³", "range": [0, 1000], "deadband": 1, "warmUp": "30s"},
      {"name": "pm10", "table": "holding", "address": 1, "type": "u16", "unit": "µg/m³", "range": [0, 1000], "deadband": 1, "warmUp": "30s"}
     ],
     "commands": [
    \(configCommands(address: 0x07D0, baudCodes: transmitterBaudCodes))
     ]}
    """

    static let thTransmitter = """
    {"id": "fg-th-tx", "family": "indoor-air", "vendor": "generic", "model": "RS-485 temperature/humidity transmitter",
     "description": "RS-485 temperature and humidity transmitter in the common vendor layout: humidity then signed temperature, both ×0.1, from holding 0x0000; unit address at 0x07D0, baud code at 0x07D1; 4800 8N1 from the factory.",
     "modbus": {"unit": 1, "baud": 4800, "parity": "none", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "humidity", "table": "holding", "address": 0, "type": "u16", "scale": 0.1, "unit": "%RH", "range": [0, 100], "deadband": 1},
      {"name": "temperature", "table": "holding", "address": 1, "type": "i16", "scale": 0.1, "unit": "°C", "range": [-40, 80], "deadband": 0.2}
     ],
     "commands": [
    \(configCommands(address: 0x07D0, baudCodes: transmitterBaudCodes))
     ]}
    """
}
