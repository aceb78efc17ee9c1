/// Hardware access: Modbus over libmodbus, GPIO over libgpiod or the simulator, serial ports, watchdog.
public enum FieldHAL {}
