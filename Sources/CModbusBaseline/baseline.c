#include "modbus_baseline.h"
