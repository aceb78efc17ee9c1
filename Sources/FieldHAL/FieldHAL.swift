// FieldHAL's users see the system layer too (FileDescriptor, SystemError, WorkerThread, …): it
// was part of FieldHAL before FieldSystem took it, and every driver's API speaks its types.
@_exported import FieldSystem

/// Hardware access: Modbus over libmodbus, GPIO over libgpiod or the simulator, serial ports, watchdog.
package enum FieldHAL {}
