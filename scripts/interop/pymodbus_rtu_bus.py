#!/usr/bin/env python3
"""An independent Modbus RTU line for Fieldgate's interop tests: two pymodbus RTU servers, each
its own device, on one emulated multi-drop bus (three ptys joined by a byte relay: what the
gateway sends reaches both devices, what either sends reaches the gateway).

  unit 1  answers at once (holding 0 = 51234, holding 1 = -12345 as i16)
  unit 3  answers every request LATE_MS late: past the gateway's response timeout
  unit 5  answers every request with FLOOD_BYTES bytes of noise (a broken device babbling)

Writes the gateway side's pty path to LINK (a symlink), prints "ready LINK", runs until killed.
"""
import asyncio
import os
import select
import sys
import threading
import time
import tty

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncSerialServer

LATE_MS = int(os.environ.get("LATE_MS", "800"))
FLOOD_BYTES = int(os.environ.get("FLOOD_BYTES", "65536"))


def open_pty():
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    return master, os.ttyname(slave), slave


def relay(gateway, devices):
    """Copies bytes between the gateway's pty and every device's pty, as a bus does."""
    fds = [gateway] + devices
    while True:
        readable, _, _ = select.select(fds, [], [])
        for fd in readable:
            try:
                data = os.read(fd, 4096)
            except OSError:
                continue
            targets = devices if fd == gateway else [gateway]
            for t in targets:
                os.write(t, data)


def serve(port, unit, late_ms, flood=0):
    def late(response):
        if flood:
            return b"\xaa" * flood, True
        if late_ms:
            time.sleep(late_ms / 1000)
        return response, False

    regs = [51234, (-12345) & 0xFFFF] + [0] * 8
    context = ModbusServerContext(slaves={unit: ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, regs), zero_mode=True)},
                                  single=False)
    asyncio.run(StartAsyncSerialServer(context=context, port=port, baudrate=9600, ignore_missing_slaves=True,
                                       response_manipulator=late))


def main():
    link = sys.argv[1]
    gw_master, gw_path, _keep_gw = open_pty()
    d1_master, d1_path, _keep1 = open_pty()
    d3_master, d3_path, _keep3 = open_pty()
    d5_master, d5_path, _keep5 = open_pty()
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(gw_path, link)
    threading.Thread(target=relay, args=(gw_master, [d1_master, d3_master, d5_master]), daemon=True).start()
    threading.Thread(target=serve, args=(d1_path, 1, 0), daemon=True).start()
    threading.Thread(target=serve, args=(d3_path, 3, LATE_MS), daemon=True).start()
    threading.Thread(target=serve, args=(d5_path, 5, 0, FLOOD_BYTES), daemon=True).start()
    time.sleep(1)
    print(f"ready {link}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
