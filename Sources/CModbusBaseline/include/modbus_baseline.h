#ifndef MODBUS_BASELINE_H
#define MODBUS_BASELINE_H
/* Plain C loops over libmodbus, the yardstick for the Swift layers' benchmarks. */
#endif
