extension BuiltinProfiles {
    /// Smart lamp poles: lamp controllers, lamp relays, environment station, tilt sensor, cabinet.
    static let lampPole = [singleLampController, lampRelay, poleEnvironment, tiltSensor, poleCabinet]

    static let singleLampController = """
    {"id": "fg-slc", "family": "lamp-pole", "app": "lamp-head", "vendor": "Fieldgate", "model": "SLC-1",
     "description": "Single-lamp controller (Fieldgate's own map; no public vendor map exists): relay, 0–100 % dimming with a fallback level, metering, driver temperature, leakage current and fault flags.",
     "modbus": {"unit": 1, "baud": 9600, "parity": "none", "dataBits": 8, "stopBits": 1, "maxGap": 8},
     "points": [
      {"name": "switch", "table": "coil", "address": 0, "access": "readwrite", "description": "lamp relay: true = lamp on"},
      {"name": "dim", "table": "holding", "address": 0, "type": "u16", "unit": "%", "range": [0, 100], "access": "readwrite",
       "description": "dim level while switched on"},
      {"name": "default-dim", "table": "holding", "address": 1, "type": "u16", "unit": "%", "range": [0, 100], "access": "readwrite",
       "description": "level the controller falls back to when no gateway has written for fallback-timeout (keeps the pole lit)"},
      {"name": "fallback-timeout", "table": "holding", "address": 2, "type": "u16", "unit": "s", "range": [0, 65535], "access": "readwrite",
       "description": "seconds without a write from the gateway before default-dim applies (0 = never)"},
      {"name": "voltage", "table": "input", "address": 0, "type": "u16", "scale": 0.1, "unit": "V", "range": [0, 300], "deadband": 1,
       "description": "supply voltage"},
      {"name": "current", "table": "input", "address": 1, "type": "u16", "scale": 0.001, "unit": "A", "range": [0, 10], "deadband": 0.01,
       "description": "lamp current"},
      {"name": "power", "table": "input", "address": 2, "type": "u16", "scale": 0.1, "unit": "W", "range": [0, 2000], "deadband": 1,
       "description": "active power"},
      {"name": "power-factor", "table": "input", "address": 3, "type": "u16", "scale": 0.001, "range": [0, 1], "deadband": 0.01},
      {"name": "energy", "table": "input", "address": 4, "type": "u32", "unit": "Wh", "description": "energy since manufacture (high word first)"},
      {"name": "burning-hours", "table": "input", "address": 6, "type": "u32", "unit": "h", "description": "hours with the lamp on"},
      {"name": "driver-temperature", "table": "input", "address": 8, "type": "i16", "scale": 0.1, "unit": "°C", "range": [-40, 125],
       "deadband": 0.5},
      {"name": "leakage-current", "table": "input", "address": 9, "type": "u16", "scale": 0.1, "unit": "mA", "range": [0, 3000],
       "deadband": 0.5, "priority": "critical", "description": "residual (earth leakage) current of the luminaire circuit"},
      {"name": "fault-flags", "table": "input", "address": 10, "type": "u16",
       "description": "bit 0 lamp failure, 1 relay failure, 2 driver failure, 3 over-voltage, 4 under-voltage, 5 power too high, 6 power too low, 7 low power factor, 8 driver over-temperature"},
      {"name": "relay-failure", "table": "input", "address": 10, "bit": 1, "description": "fault-flags bit 1"},
      {"name": "driver-failure", "table": "input", "address": 10, "bit": 2, "description": "fault-flags bit 2"}
     ],
     "commands": [
    \(configCommands())
     ]}
    """

    static let lampRelay = """
    {"id": "fg-lamp-relay", "family": "lamp-pole", "app": "lamp-head", "vendor": "Fieldgate", "model": "relay output",
     "description": "A lamp head switched by a cabinet contactor on a gateway output (no dimming, no metering).",
     "signals": [
      {"name": "relay", "direction": "out", "trueMeans": "on", "falseMeans": "off", "safe": true,
       "description": "lamp contactor: true = lamp on; safe state on, so a pole without its gateway stays lit"}
     ]}
    """

    static let poleEnvironment = """
    {"id": "fg-pole-env", "family": "lamp-pole", "app": "environment", "vendor": "Fieldgate", "model": "ENV-8",
     "description": "Pole environment station: temperature, humidity, PM2.5, PM10, noise, wind speed and direction, illuminance.",
     "modbus": {"unit": 1, "baud": 9600, "parity": "none", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "temperature", "table": "input", "address": 0, "type": "i16", "scale": 0.1, "unit": "°C", "range": [-40, 80], "deadband": 0.2},
      {"name": "humidity", "table": "input", "address": 1, "type": "u16", "scale": 0.1, "unit": "%RH", "range": [0, 100], "deadband": 1},
      {"name": "pm25", "table": "input", "address": 2, "type": "u16", "unit": "µg/m³", "range": [0, 1000], "deadband": 2, "warmUp": "30s",
       "description": "laser particle counter: readings settle about 30 s after power-on"},
      {"name": "pm10", "table": "input", "address": 3, "type": "u16", "unit": "µg/m³", "range": [0, 1000], "deadband": 2, "warmUp": "30s"},
      {"name": "noise", "table": "input", "address": 4, "type": "u16", "scale": 0.1, "unit": "dB(A)", "range": [30, 130], "deadband": 1},
      {"name": "wind-speed", "table": "input", "address": 5, "type": "u16", "scale": 0.1, "unit": "m/s", "range": [0, 60], "deadband": 0.3},
      {"name": "wind-direction", "table": "input", "address": 6, "type": "u16", "unit": "°", "range": [0, 359], "deadband": 10,
       "description": "direction the wind comes from, 0 = north, clockwise"},
      {"name": "illuminance", "table": "input", "address": 7, "type": "u32", "unit": "lx", "range": [0, 200000], "deadband": 5,
       "description": "high word first"}
     ],
     "commands": [
    \(configCommands())
     ]}
    """

    static let tiltSensor = """
    {"id": "fg-tilt", "family": "lamp-pole", "app": "tilt", "vendor": "Fieldgate", "model": "TILT-2",
     "description": "Dual-axis pole tilt sensor.",
     "modbus": {"unit": 1, "baud": 9600, "parity": "none", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "tilt-x", "table": "input", "address": 0, "type": "i16", "scale": 0.01, "unit": "°", "range": [-90, 90], "deadband": 0.05},
      {"name": "tilt-y", "table": "input", "address": 1, "type": "i16", "scale": 0.01, "unit": "°", "range": [-90, 90], "deadband": 0.05},
      {"name": "tilt", "table": "input", "address": 2, "type": "u16", "scale": 0.01, "unit": "°", "range": [0, 90], "deadband": 0.05,
       "priority": "critical", "description": "angle from vertical"}
     ],
     "commands": [
    \(configCommands())
     ]}
    """

    static let poleCabinet = """
    {"id": "fg-pole-cabinet", "family": "lamp-pole", "app": "pole-cabinet", "vendor": "Fieldgate", "model": "contacts",
     "description": "Pole cabinet contacts on gateway inputs: door, water immersion, anti-theft cable loop, manhole cover.",
     "signals": [
      {"name": "door", "direction": "in", "debounce": "100ms", "trueMeans": "open", "falseMeans": "closed", "description": "cabinet door switch"},
      {"name": "water", "direction": "in", "debounce": "2s", "trueMeans": "immersed", "falseMeans": "dry", "description": "water immersion probe in the pole base"},
      {"name": "cable-loop", "direction": "in", "debounce": "200ms", "trueMeans": "intact", "falseMeans": "cut", "priority": "critical",
       "description": "anti-theft loop through the feeder cable: false = cut"},
      {"name": "manhole", "direction": "in", "debounce": "200ms", "trueMeans": "lifted", "falseMeans": "closed", "description": "manhole cover switch"}
     ]}
    """
}
