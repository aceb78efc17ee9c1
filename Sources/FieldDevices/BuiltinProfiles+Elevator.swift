extension BuiltinProfiles {
    /// Elevators: lift contacts on GPIO, optionally with the controller's register block.
    static let elevator = [liftContacts, liftController]

    /// The lift's contacts, shared by `fg-lift` and `fg-lift-ctl`.
    static let liftSignals = """
      {"name": "door-zone", "direction": "in", "debounce": "20ms", "trueMeans": "in zone", "falseMeans": "out of zone",
       "description": "levelling / door-zone sensor: the car is within the door zone of a floor"},
      {"name": "doors-closed", "direction": "in", "debounce": "200ms", "trueMeans": "closed", "falseMeans": "open",
       "description": "car and landing door contacts in series"},
      {"name": "up", "direction": "in", "debounce": "100ms", "trueMeans": "moving", "falseMeans": "idle", "description": "travelling up"},
      {"name": "down", "direction": "in", "debounce": "100ms", "trueMeans": "moving", "falseMeans": "idle", "description": "travelling down"},
      {"name": "alarm-button", "direction": "in", "debounce": "50ms", "trueMeans": "pressed", "falseMeans": "released", "priority": "critical",
       "description": "car alarm button"},
      {"name": "occupancy", "direction": "in", "trueMeans": "occupied", "falseMeans": "empty",
       "description": "car PIR (the lift app holds it about 10 s)"},
      {"name": "inspection", "direction": "in", "debounce": "500ms", "trueMeans": "inspection", "falseMeans": "normal",
       "description": "inspection / maintenance mode switch"},
      {"name": "safety-circuit", "direction": "in", "debounce": "100ms", "trueMeans": "closed", "falseMeans": "open", "priority": "critical",
       "description": "safety chain: true = closed, healthy"},
      {"name": "mains", "direction": "in", "debounce": "200ms", "trueMeans": "present", "falseMeans": "lost", "priority": "critical",
       "description": "main power monitor: true = power present"}
    """

    static let liftContacts = """
    {"id": "fg-lift", "family": "elevator", "app": "lift", "vendor": "Fieldgate", "model": "contacts",
     "description": "Lift safety gateway on contacts only: door zone, doors, direction, alarm button, occupancy, inspection, safety chain, mains.",
     "signals": [
    \(liftSignals)
     ]}
    """

    static let liftController = """
    {"id": "fg-lift-ctl", "family": "elevator", "app": "lift", "vendor": "Fieldgate", "model": "contacts + controller",
     "description": "Lift contacts plus the lift controller's register block (floor, status word, speed, fault code).",
     "modbus": {"unit": 1, "baud": 19200, "parity": "even", "dataBits": 8, "stopBits": 1},
     "points": [
      {"name": "floor", "table": "holding", "address": 0, "type": "i16", "range": [-10, 200], "description": "floor number (negative below ground)"},
      {"name": "status", "table": "holding", "address": 1, "type": "u16",
       "description": "bits 0–1 direction (0 stopped, 1 up, 2 down), 2 in door zone, 3 doors closed, 4 occupied, bits 8–11 service mode (0 normal, 1 inspection, 2 fire return, 3 firefighter, 4 out of service)"},
      {"name": "speed", "table": "holding", "address": 2, "type": "u16", "scale": 0.01, "unit": "m/s", "range": [0, 10], "deadband": 0.05},
      {"name": "fault-code", "table": "holding", "address": 3, "type": "u16", "description": "controller fault code, 0 = none (vendor list)"}
     ],
     "signals": [
    \(liftSignals)
     ]}
    """
}
