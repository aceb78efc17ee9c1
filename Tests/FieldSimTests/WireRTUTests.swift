import FieldCore
import FieldDevices
import FieldHAL
import Foundation
import Testing

@testable import FieldSim

/// Simulated RS-485 buses on ptys, driven by FieldHAL's `ModbusClient` (libmodbus RTU) through
/// the pty's tty, as the gateway drives a serial port.
@Suite("Modbus RTU bus on a pty")
struct WireRTUTests {
    static func client(_ bus: RTUBusServer, response: Duration = .milliseconds(200)) throws -> ModbusClient {
        let path = try #require(bus.devicePath)
        return try ModbusClient(ModbusSettings(
            bus: bus.name,
            link: .rtu(ModbusRTUSettings(device: path, baud: bus.link.baud, parity: .none, stopBits: bus.link.stopBits)),
            timeouts: ModbusTimeouts(response: response, byte: .milliseconds(100), broadcastTurnaround: .milliseconds(10))))
    }

    static func bus(baud: Int = 115_200, pacing: RTUPacing = .off, linkPath: String? = nil) -> RTUBusServer {
        RTUBusServer(name: "rs485-1", link: RTULink(port: "rs485-1", baud: baud), linkPath: linkPath, pacing: pacing)
    }

    @Test("several devices on one bus, each answering only its own address, every function code")
    func multiDrop() throws {
        let directory = try TemporaryDirectory()
        let bus = Self.bus(linkPath: directory.path + "/rs485-1")
        defer { bus.stop() }
        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        let pressure = RegisterBank(profile: WireTestProfiles.pressure)
        try bus.attach(lamp, unit: 3)
        try bus.attach(pressure, unit: 5)
        try bus.start()
        #expect(bus.devicePath == directory.path + "/rs485-1")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.path + "/rs485-1") == bus.slavePath)
        try lamp.set(["voltage": .number(231), "lamp-failure": .bool(true)])
        try pressure.set(["pressure": .number(1.25), "address": .number(5)])
        let client = try Self.client(bus)

        #expect(try client.readInputRegisters(unit: 3, address: 0, count: 1) == [2310])
        #expect(try client.readHoldingRegisters(unit: 5, address: 0, count: 1) == [5])
        #expect(try client.readDiscreteInputs(unit: 3, address: 0, count: 2) == [true, false])
        try client.writeCoil(unit: 3, address: 0, value: true)
        try client.writeRegister(unit: 3, address: 0, value: 70)
        try client.writeCoils(unit: 3, address: 0, values: [true, true])
        try client.writeRegisters(unit: 5, address: 1, values: [3, 1])
        #expect(try client.writeAndReadRegisters(unit: 3, writeAddress: 1, values: [90], readAddress: 0, readCount: 2) == [70, 90])
        #expect(try client.readCoils(unit: 3, address: 0, count: 2) == [true, true])
        let words = try client.readInputRegisters(unit: 5, address: 0, count: 2)
        #expect(Float(bitPattern: UInt32(words[1]) << 16 | UInt32(words[0])) == 1.25)
        #expect(try pressure.get("baud-code") == .number(3))
        #expect(try lamp.get("default-dim") == .number(90))

        #expect(kind { try client.readHoldingRegisters(unit: 9, address: 0, count: 1) } == .timeout)
        #expect(kind { try client.readHoldingRegisters(unit: 5, address: 3, count: 1) } == .exception(.illegalDataAddress))
        #expect(bus.statistics.requests == 12)
        #expect(bus.statistics.replies == 11)
    }

    @Test("a broadcast write is applied by every device and answered by none")
    func broadcast() throws {
        let bus = Self.bus()
        defer { bus.stop() }
        let lamps = (1...4).map { _ in RegisterBank(profile: WireTestProfiles.lamp) }
        for (i, lamp) in lamps.enumerated() { try bus.attach(lamp, unit: UInt8(i + 1)) }
        try bus.start()
        let client = try Self.client(bus)
        try client.writeRegisters(unit: 0, address: 0, values: [25, 50])
        try client.writeCoil(unit: 0, address: 0, value: true)
        #expect(try client.readHoldingRegisters(unit: 4, address: 0, count: 2) == [25, 50])
        for lamp in lamps {
            #expect(try lamp.get("dim") == .number(25))
            #expect(try lamp.get("switch") == .bool(true))
        }
        #expect(bus.statistics.requests == 3)
        #expect(bus.statistics.replies == 1)
    }

    @Test("a bad CRC gets silence, noise is skipped, an unknown function gets exception 0x01")
    func malformedFrames() throws {
        let bus = Self.bus()
        defer { bus.stop() }
        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        try lamp.set("dim", to: .number(42))
        try bus.attach(lamp, unit: 3)
        try bus.start()
        let tty = try RawTTY(path: try #require(bus.devicePath))
        defer { tty.close() }

        var read: [UInt8] = [0x03, 0x03, 0x00, 0x00, 0x00, 0x01]
        ModbusCRC.append(to: &read)
        var bad = read
        bad[7] ^= 0x01
        try tty.write(bad)
        #expect(try tty.read(count: 1, within: .milliseconds(100)) == [])
        try tty.write([0x55, 0xAA, 0x00])
        #expect(try tty.read(count: 1, within: .milliseconds(100)) == [])
        try tty.write(read)
        #expect(try tty.read(count: 7, within: .milliseconds(500)) == crcFramed([0x03, 0x03, 0x02, 0x00, 42]))

        var unknown: [UInt8] = [0x03, 0x41, 0x12]
        ModbusCRC.append(to: &unknown)
        try tty.write(unknown)
        #expect(try tty.read(count: 5, within: .milliseconds(500)) == crcFramed([0x03, 0xC1, 0x01]))
        // Two requests in one write (no gap between them) are both answered.
        try tty.write(read + read)
        #expect(try tty.read(count: 14, within: .milliseconds(500)) == crcFramed([0x03, 0x03, 0x02, 0x00, 42]) + crcFramed([0x03, 0x03, 0x02, 0x00, 42]))
        #expect(bus.statistics.badFrames == 2)
    }

    @Test("at 9600 8N1 a read takes the time the line takes", arguments: [1, 10, 60])
    func pacing(registers: Int) throws {
        let turnaround = Duration.milliseconds(3)
        let bus = Self.bus(baud: 9600, pacing: RTUPacing(turnaround: turnaround))
        defer { bus.stop() }
        try bus.attach(RegisterBank(profile: WireTestProfiles.lamp), unit: 1)
        try bus.start()
        let client = try Self.client(bus, response: .seconds(1))
        try client.connect()
        // One transaction as the master sees it: request and answer characters, the device's
        // t3.5 and turnaround (the master's own t3.5 before its next request is not in it).
        let link = bus.link
        let expected = link.characterTime * (8 + 5 + 2 * registers) + link.frameGap + turnaround
        var times: [Duration] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            _ = try client.readHoldingRegisters(unit: 1, address: 0, count: registers)
            times.append(ContinuousClock.now - start)
        }
        let fastest = times.min()!
        #expect(fastest >= expected * 0.98, "\(fastest) vs \(expected)")
        #expect(fastest <= expected * 1.1 + .milliseconds(2), "\(fastest) vs \(expected)")

        bus.setPacing(.off)
        let start = ContinuousClock.now
        _ = try client.readHoldingRegisters(unit: 1, address: 0, count: registers)
        #expect(ContinuousClock.now - start < expected * 0.5)
    }

    @Test("devices move and leave while the bus runs; stop removes the link")
    func attachDetachStop() throws {
        let directory = try TemporaryDirectory()
        let linkPath = directory.path + "/rs485-2"
        try FileManager.default.createSymbolicLink(atPath: linkPath, withDestinationPath: "/dev/null")
        let bus = Self.bus(linkPath: linkPath)
        let bank = RegisterBank(profile: WireTestProfiles.pressure)
        try bus.attach(bank, unit: 1)
        #expect(throws: SimWireError.unitTaken(bus: "rs485-1", unit: 1, profile: "wire-pressure")) { try bus.attach(bank, unit: 1) }
        #expect(throws: SimWireError.unitOutOfRange(bus: "rs485-1", unit: 248, allowed: 1...247)) { try bus.attach(bank, unit: 248) }
        try bus.start()
        let client = try Self.client(bus, response: .milliseconds(100))
        #expect(try client.readHoldingRegisters(unit: 1, address: 0, count: 1) == [0])
        bus.detach(unit: 1)
        try bus.attach(bank, unit: 17)
        #expect(bus.units == [17])
        #expect(kind { try client.readHoldingRegisters(unit: 1, address: 0, count: 1) } == .timeout)
        #expect(try client.readHoldingRegisters(unit: 17, address: 0, count: 1) == [0])
        client.close()
        bus.stop()
        #expect(!FileManager.default.fileExists(atPath: linkPath))
        #expect(bus.devicePath == nil)
    }
}

/// `frame` with its CRC appended.
func crcFramed(_ frame: [UInt8]) -> [UInt8] {
    var out = frame
    ModbusCRC.append(to: &out)
    return out
}
