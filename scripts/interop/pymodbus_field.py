#!/usr/bin/env python3
"""An independent Modbus TCP field for Fieldgate's interop tests: pymodbus's server, with a
register map and an encoder of its own (struct, not Fieldgate's codec).

Units:
  1  every value type in every word order (holding registers, see VALUES)
  2  the same map, but it refuses holding register 33 (exception 0x02, illegal data address),
     as a meter whose firmware lacks one register does
  0  a native Modbus TCP device at unit 0 ("the server itself")
  9  absent: pymodbus answers 0x0B (gateway target failed to respond), as a TCP gateway does

Prints "ready PORT" once it listens; runs until killed.
"""
import asyncio
import struct
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncTcpServer

ORDERS = ["abcd", "cdab", "badc", "dcba"]

# name -> (type, first register, value); four registers apart per order for 64-bit types.
VALUES = {}
for i, order in enumerate(ORDERS):
    VALUES[f"u32-{order}"] = ("u32", 10 + 2 * i, 3000000001)
    VALUES[f"i32-{order}"] = ("i32", 20 + 2 * i, -123456789)
    VALUES[f"f32-{order}"] = ("f32", 30 + 2 * i, 49.98)
    VALUES[f"u64-{order}"] = ("u64", 40 + 4 * i, 1234567890123)
    VALUES[f"i64-{order}"] = ("i64", 60 + 4 * i, -1234567890123)
    VALUES[f"f64-{order}"] = ("f64", 80 + 4 * i, 3.141592653589793)
VALUES["u16"] = ("u16", 0, 51234)
VALUES["i16"] = ("i16", 1, -12345)
VALUES["volts"] = ("u16", 2, 2291)  # × 0.1 in the profile: 229.1 V

FORMATS = {"u16": ">H", "i16": ">h", "u32": ">I", "i32": ">i", "f32": ">f", "u64": ">Q", "i64": ">q", "f64": ">d"}


def words(kind, value, order):
    """The registers of `value` as `kind` in `order` (A = most significant byte)."""
    raw = struct.pack(FORMATS[kind], value)
    if order in ("badc", "dcba"):  # bytes swapped inside each register
        raw = b"".join(raw[i:i + 2][::-1] for i in range(0, len(raw), 2))
    regs = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
    if order in ("cdab", "dcba"):  # registers in reverse order
        regs.reverse()
    return regs


def register_map():
    regs = [0] * 100
    for name, (kind, start, value) in VALUES.items():
        order = name.rsplit("-", 1)[1] if "-" in name and name.rsplit("-", 1)[1] in ORDERS else "abcd"
        for k, w in enumerate(words(kind, value, order)):
            regs[start + k] = w
    return regs


class Refusing(ModbusSequentialDataBlock):
    """A block that answers 'illegal data address' for any read that touches `refused`."""

    def __init__(self, address, values, refused):
        super().__init__(address, values)
        self.refused = refused

    def validate(self, address, count=1):
        if address <= self.refused < address + count:
            return False
        return super().validate(address, count)


def device(block):
    return ModbusSlaveContext(hr=block, zero_mode=True)


async def main():
    port = int(sys.argv[1])
    regs = register_map()
    context = ModbusServerContext(slaves={
        1: device(ModbusSequentialDataBlock(0, list(regs))),
        2: device(Refusing(0, list(regs), refused=33)),
        0: device(ModbusSequentialDataBlock(0, list(regs))),
    }, single=False)
    server = StartAsyncTcpServer(context=context, address=("127.0.0.1", port))
    print(f"ready {port}", flush=True)
    await server


if __name__ == "__main__":
    asyncio.run(main())
