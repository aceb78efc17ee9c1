import FieldHAL
import Foundation
import Testing

/// `ModbusClient` over Modbus RTU on a pty pair: the client opens the slave side like a serial
/// port, a libmodbus RTU server answers on the master side.
@Suite struct ModbusClientRTUTests {
    static func client(_ device: String, response: Duration = .milliseconds(300),
                       rs485: ModbusRS485Mode = .none) throws -> ModbusClient {
        try ModbusClient(ModbusSettings(
            bus: "rs485-1", link: .rtu(ModbusRTUSettings(device: device, baud: 115200, rs485: rs485)),
            timeouts: ModbusTimeouts(response: response, byte: .milliseconds(100), broadcastTurnaround: .milliseconds(20))))
    }

    @Test func everyFunctionCode() throws {
        let server = try ModbusTestServer.rtu(unit: 3)
        defer { server.stop() }
        let client = try Self.client(server.devicePath)
        try client.connect()

        #expect(try client.readHoldingRegisters(unit: 3, address: 10, count: 3) == [1010, 1011, 1012])
        #expect(try client.readInputRegisters(unit: 3, address: 0, count: 125) == (0..<125).map { 2000 + UInt16($0) })
        #expect(try client.readCoils(unit: 3, address: 0, count: 7) == [true, false, false, true, false, false, true])
        #expect(try client.readDiscreteInputs(unit: 3, address: 0, count: 2000).filter { $0 }.count == 1000)
        try client.writeCoil(unit: 3, address: 1, value: true)
        #expect(server.coil(1))
        try client.writeCoil(unit: 3, address: 1, value: false)
        #expect(!server.coil(1))
        try client.writeRegister(unit: 3, address: 5, value: 0xFFFF)
        #expect(server.holdingRegister(5) == 0xFFFF)
        try client.writeCoils(unit: 3, address: 32, values: Array(repeating: true, count: 1968))
        #expect(try client.readCoils(unit: 3, address: 32, count: 1968).allSatisfy { $0 })
        try client.writeRegisters(unit: 3, address: 200, values: (0..<123).map { UInt16($0) * 3 })
        #expect(try client.readHoldingRegisters(unit: 3, address: 200, count: 123) == (0..<123).map { UInt16($0) * 3 })
        #expect(try client.writeAndReadRegisters(unit: 3, writeAddress: 400, values: [42], readAddress: 399, readCount: 3)
                == [1399, 42, 1401])
        #expect(try client.read(.coil, unit: 3, address: 3, count: 1) == .bits([true]))
        #expect(server.requestsReceived == 13)
    }

    @Test func wrongUnitTimesOut() throws {
        let server = try ModbusTestServer.rtu(unit: 3)
        defer { server.stop() }
        let client = try Self.client(server.devicePath, response: .milliseconds(150))
        let error = expectThrows(ModbusError.self) { try client.readHoldingRegisters(unit: 9, address: 0, count: 1) }
        #expect(error?.kind == .timeout)
        #expect(error?.description == "rs485-1 unit 9 read holding registers 0+1: timeout (no answer within 150 ms)")
        #expect(server.requestsReceived == 0)
        #expect(try client.readHoldingRegisters(unit: 3, address: 0, count: 1) == [1000])
    }

    @Test func silentDeviceTimesOut() throws {
        let server = try ModbusTestServer.rtu(unit: 3)
        defer { server.stop() }
        let client = try Self.client(server.devicePath, response: .milliseconds(150))
        let error = expectThrows(ModbusError.self) {
            try client.writeRegister(unit: 3, address: ModbusTestServer.silentAddress, value: 1)
        }
        #expect(error?.kind == .timeout)
        #expect(error?.function == .writeSingleRegister)
        #expect(error?.call == "modbus_write_register")
        #expect(try client.readHoldingRegisters(unit: 3, address: 0, count: 1) == [1000])
    }

    @Test func corruptedCRCIsReportedAndFlushed() throws {
        let server = try ModbusTestServer.rtu(unit: 3)
        defer { server.stop() }
        let client = try Self.client(server.devicePath)
        let error = expectThrows(ModbusError.self) {
            try client.readHoldingRegisters(unit: 3, address: ModbusTestServer.badCRCAddress, count: 4)
        }
        #expect(error?.kind == .badCRC)
        #expect(error?.description
                == "rs485-1 unit 3 read holding registers 65521+4: bad CRC (answer corrupted: check termination, wiring, baud rate and parity)")
        #expect(try client.readHoldingRegisters(unit: 3, address: 1, count: 2) == [1001, 1002])
        #expect(client.reconnects == 0)
    }

    @Test func shortAnswerIsAnInvalidFrame() throws {
        let server = try ModbusTestServer.rtu(unit: 3)
        defer { server.stop() }
        let client = try Self.client(server.devicePath)
        let error = expectThrows(ModbusError.self) {
            try client.readHoldingRegisters(unit: 3, address: ModbusTestServer.shortAnswerAddress, count: 4)
        }
        #expect(error?.kind == .invalidFrame)
        #expect(try client.readHoldingRegisters(unit: 3, address: 2, count: 1) == [1002])
    }

    @Test func exceptionAnswer() throws {
        let server = try ModbusTestServer.rtu(unit: 3)
        defer { server.stop() }
        let client = try Self.client(server.devicePath)
        let busy = ModbusTestServer.exceptionAddress(.serverDeviceBusy)
        let error = expectThrows(ModbusError.self) { try client.writeCoils(unit: 3, address: busy, values: [true]) }
        #expect(error?.kind == .exception(.serverDeviceBusy))
        #expect(error?.description == "rs485-1 unit 3 write multiple coils \(busy)+1: exception 0x06 server device busy")
    }

    @Test func broadcastIsSentWithoutWaitingForAnAnswer() throws {
        let server = try ModbusTestServer.rtu(unit: 3)
        defer { server.stop() }
        // Nobody answers a broadcast: a client that waited would fail with a timeout.
        let client = try Self.client(server.devicePath, response: .seconds(2))
        try client.writeRegister(unit: 0, address: 8, value: 88)
        #expect(server.waitForRequests(1))
        try client.writeCoils(unit: 0, address: 10, values: [false, true])
        #expect(server.waitForRequests(2))
        #expect(server.holdingRegister(8) == 88)
        #expect(try client.readCoils(unit: 3, address: 10, count: 2) == [false, true])
    }

    @Test func rtsDirectionControlStillTalks() throws {
        let server = try ModbusTestServer.rtu(unit: 3)
        defer { server.stop() }
        let client = try Self.client(server.devicePath, rs485: .rts(.up, delay: .microseconds(100)))
        #expect(try client.readHoldingRegisters(unit: 3, address: 4, count: 1) == [1004])
    }

    @Test func kernelRS485OnAPortWithoutItFailsAtConnect() throws {
        let server = try ModbusTestServer.rtu(unit: 3)
        defer { server.stop() }
        let client = try Self.client(server.devicePath, rs485: .kernel)
        do {
            try client.connect()
            Issue.record("kernel RS-485 on a pty connected")
        } catch {
            #expect(error.kind == .cannotConnect)
            #expect(error.call == "modbus_rtu_set_serial_mode")
            // ENOTTY from Linux, ENOSYS from qemu-user (the arm64 run).
            #expect(error.errno == ENOTTY || error.errno == ENOSYS)
            #expect(error.description.contains("no kernel RS-485 support"), "\(error)")
        }
        #expect(!client.isConnected)
    }

    @Test func missingSerialDevice() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fieldgate-no-such-tty-\(UUID())").path
        let client = try Self.client(path)
        let error = expectThrows(ModbusError.self) { try client.readCoils(unit: 1, address: 0, count: 1) }
        #expect(error?.kind == .cannotConnect)
        #expect(error?.errno == ENOENT)
        #expect(error?.description == "rs485-1 unit 1 read coils 0+1: cannot connect (\(path): No such file or directory)")
    }

    @Test func unitsAboveTheSerialRangeAreRefused() throws {
        let client = try Self.client("/dev/null")
        let error = expectThrows(ModbusError.self) { try client.readHoldingRegisters(unit: 248, address: 0, count: 1) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.detail == "unit 248 outside 0–247")
    }
}
