import FieldHAL
import Foundation
import Testing

/// `ModbusClient` against a real libmodbus server on TCP loopback.
@Suite struct ModbusClientTCPTests {
    static func client(port: Int, response: Duration = .milliseconds(500),
                       broadcastTurnaround: Duration = .milliseconds(20)) throws -> ModbusClient {
        try ModbusClient(ModbusSettings(bus: "plc-tcp", link: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: port)),
                                        timeouts: ModbusTimeouts(response: response, broadcastTurnaround: broadcastTurnaround)))
    }

    @Test func everyFunctionCode() throws {
        let server = try ModbusTestServer.tcp()
        defer { server.stop() }
        let client = try Self.client(port: server.port)

        #expect(try client.readHoldingRegisters(unit: 1, address: 10, count: 3) == [1010, 1011, 1012])
        #expect(try client.readInputRegisters(unit: 1, address: 99, count: 1) == [2099])
        #expect(try client.readCoils(unit: 1, address: 0, count: 4) == [true, false, false, true])
        #expect(try client.readDiscreteInputs(unit: 1, address: 0, count: 3) == [false, true, false])

        try client.writeCoil(unit: 1, address: 1, value: true)
        #expect(server.coil(1))
        try client.writeRegister(unit: 1, address: 5, value: 0xBEEF)
        #expect(server.holdingRegister(5) == 0xBEEF)
        try client.writeCoils(unit: 1, address: 20, values: [true, true, false, true, false, false, false, false, true])
        #expect(try client.readCoils(unit: 1, address: 20, count: 9) == [true, true, false, true, false, false, false, false, true])
        try client.writeRegisters(unit: 1, address: 30, values: [1, 2, 3])
        #expect(try client.readHoldingRegisters(unit: 1, address: 30, count: 3) == [1, 2, 3])
        let read = try client.writeAndReadRegisters(unit: 1, writeAddress: 40, values: [7, 8], readAddress: 39, readCount: 4)
        #expect(read == [1039, 7, 8, 1042])

        #expect(try client.read(.holding, unit: 1, address: 0, count: 2) == .registers([1000, 1001]))
        #expect(try client.read(.discrete, unit: 1, address: 1, count: 1) == .bits([true]))
        #expect(try client.readRegisters(.input, unit: 1, address: 0, count: 1) == [2000])
        #expect(try client.readBits(.coil, unit: 1, address: 3, count: 1) == [true])
        #expect(server.requestsReceived == 15)
    }

    @Test func answersKeptByTheCallerStayIntact() throws {
        let server = try ModbusTestServer.tcp()
        defer { server.stop() }
        let client = try Self.client(port: server.port)
        let first = try client.readHoldingRegisters(unit: 1, address: 0, count: 3)
        let second = try client.readHoldingRegisters(unit: 1, address: 10, count: 3)
        var third = try client.readInputRegisters(unit: 1, address: 0, count: 2)
        third[0] = 1
        let fourth = try client.readInputRegisters(unit: 1, address: 5, count: 2)
        #expect(first == [1000, 1001, 1002])
        #expect(second == [1010, 1011, 1012])
        #expect(third == [1, 2001])
        #expect(fourth == [2005, 2006])
    }

    @Test func bitTableAskedForRegistersIsRefused() throws {
        let client = try Self.client(port: try closedLoopbackPort())
        let error = expectThrows(ModbusError.self) { try client.readRegisters(.coil, unit: 1, address: 0, count: 1) }
        #expect(error?.kind == .invalidArgument)
        #expect(!client.isConnected)
    }

    @Test(arguments: ModbusExceptionCode.named)
    func exceptionsByName(code: ModbusExceptionCode) throws {
        let server = try ModbusTestServer.tcp()
        defer { server.stop() }
        let client = try Self.client(port: server.port)
        let address = ModbusTestServer.exceptionAddress(code)
        let error = expectThrows(ModbusError.self) { try client.readHoldingRegisters(unit: 4, address: address, count: 2) }
        #expect(error?.kind == .exception(code))
        #expect(error?.exceptionCode == code)
        #expect(error?.description == "plc-tcp unit 4 read holding registers \(address)+2: \(code)")
        // An exception is a valid answer: the connection stays up and the next request goes through.
        #expect(try client.readHoldingRegisters(unit: 4, address: 0, count: 1) == [1000])
        #expect(client.reconnects == 0)
    }

    @Test func addressOutsideTheDeviceIsIllegalDataAddress() throws {
        let server = try ModbusTestServer.tcp()
        defer { server.stop() }
        let client = try Self.client(port: server.port)
        let error = expectThrows(ModbusError.self) { try client.writeRegister(unit: 1, address: 4000, value: 1) }
        #expect(error?.kind == .exception(.illegalDataAddress))
        #expect(error?.function == .writeSingleRegister)
        #expect(error?.address == 4000)
    }

    @Test func serverThatNeverAnswersTimesOut() throws {
        let server = try ModbusTestServer.tcp()
        defer { server.stop() }
        let client = try Self.client(port: server.port, response: .milliseconds(150))
        let error = expectThrows(ModbusError.self) {
            try client.readHoldingRegisters(unit: 2, address: ModbusTestServer.silentAddress, count: 10)
        }
        #expect(error?.kind == .timeout)
        #expect(error?.errno == ETIMEDOUT)
        #expect(error?.call == "modbus_receive_confirmation")
        #expect(error?.description == "plc-tcp unit 2 read holding registers 65520+10: timeout (no answer within 150 ms)")
        #expect(try client.readHoldingRegisters(unit: 2, address: 1, count: 1) == [1001])
    }

    @Test func answerOutOfStepReconnects() throws {
        let server = try ModbusTestServer.tcp()
        defer { server.stop() }
        let client = try Self.client(port: server.port)
        let error = expectThrows(ModbusError.self) {
            try client.readHoldingRegisters(unit: 1, address: ModbusTestServer.shortAnswerAddress, count: 4)
        }
        #expect(error?.kind == .invalidFrame)
        #expect(!client.isConnected)
        #expect(try client.readHoldingRegisters(unit: 1, address: 2, count: 1) == [1002])
        #expect(client.reconnects == 1)
    }

    @Test func reconnectsAfterTheServerRestarts() throws {
        // Each server is stopped in the test and again by its `defer` if the test fails early
        // (stopping twice is harmless).
        let first = try ModbusTestServer.tcp(registerBase: 1000)
        defer { first.stop() }
        let port = first.port
        let client = try Self.client(port: port)
        #expect(try client.readHoldingRegisters(unit: 1, address: 0, count: 2) == [1000, 1001])
        first.stop()

        let second = try ModbusTestServer.tcp(port: port, registerBase: 5000)
        defer { second.stop() }
        // A read finds the old connection gone, reconnects and is sent once more.
        #expect(try client.readHoldingRegisters(unit: 1, address: 0, count: 2) == [5000, 5001])
        #expect(client.reconnects == 1)
        second.stop()

        let third = try ModbusTestServer.tcp(port: port, registerBase: 7000)
        defer { third.stop() }
        // A write is not repeated behind the caller's back: it fails, and the next request reconnects.
        let error = expectThrows(ModbusError.self) { try client.writeRegister(unit: 1, address: 3, value: 33) }
        #expect(error?.kind == .connectionLost)
        #expect(try client.readHoldingRegisters(unit: 1, address: 0, count: 1) == [7000])
        try client.writeRegister(unit: 1, address: 3, value: 33)
        #expect(third.holdingRegister(3) == 33)
        #expect(client.reconnects == 2)
    }

    @Test func writeAndReadIsNotRepeatedAfterConnectionLoss() throws {
        let first = try ModbusTestServer.tcp()
        defer { first.stop() }
        let client = try Self.client(port: first.port)
        try client.connect()
        first.stop()
        let second = try ModbusTestServer.tcp(port: first.port)
        defer { second.stop() }
        let error = expectThrows(ModbusError.self) {
            try client.writeAndReadRegisters(unit: 1, writeAddress: 0, values: [5], readAddress: 0, readCount: 1)
        }
        #expect(error?.kind == .connectionLost)
        #expect(second.requestsReceived == 0)
        #expect(try client.writeAndReadRegisters(unit: 1, writeAddress: 0, values: [5], readAddress: 0, readCount: 1) == [5])
    }

    @Test func refusedConnection() throws {
        let port = try closedLoopbackPort()
        let client = try Self.client(port: port)
        let error = expectThrows(ModbusError.self) { try client.connect() }
        #expect(error?.kind == .cannotConnect)
        #expect(error?.errno == ECONNREFUSED)
        #expect(error?.call == "modbus_connect")
        #expect(error?.description == "plc-tcp: cannot connect (127.0.0.1:\(port): Connection refused)")
        let during = expectThrows(ModbusError.self) { try client.readInputRegisters(unit: 9, address: 1, count: 1) }
        #expect(during?.kind == .cannotConnect)
        #expect(during?.unit == 9)
    }

    @Test func requestsOverTheLimitsAreRefusedBeforeSending() throws {
        let server = try ModbusTestServer.tcp()
        defer { server.stop() }
        let client = try Self.client(port: server.port)
        let overLimit: [(String, () throws -> Void)] = [
            ("126 holding registers", { _ = try client.readHoldingRegisters(unit: 1, address: 0, count: 126) }),
            ("126 input registers", { _ = try client.readInputRegisters(unit: 1, address: 0, count: 126) }),
            ("2001 coils", { _ = try client.readCoils(unit: 1, address: 0, count: 2001) }),
            ("2001 discrete inputs", { _ = try client.readDiscreteInputs(unit: 1, address: 0, count: 2001) }),
            ("write 124 registers", { try client.writeRegisters(unit: 1, address: 0, values: Array(repeating: 0, count: 124)) }),
            ("write 1969 coils", { try client.writeCoils(unit: 1, address: 0, values: Array(repeating: true, count: 1969)) }),
            ("0x17 write 122", {
                _ = try client.writeAndReadRegisters(unit: 1, writeAddress: 0, values: Array(repeating: 0, count: 122),
                                                     readAddress: 0, readCount: 1)
            }),
            ("0x17 read 126", { _ = try client.writeAndReadRegisters(unit: 1, writeAddress: 0, values: [1], readAddress: 0, readCount: 126) }),
        ]
        for (name, request) in overLimit {
            let error = expectThrows(ModbusError.self, "\(name)") { try request() }
            #expect(error?.kind == .overLimit, "\(name)")
        }
        let invalid: [(String, () throws -> Void)] = [
            ("0 registers", { _ = try client.readHoldingRegisters(unit: 1, address: 0, count: 0) }),
            ("negative count", { _ = try client.readCoils(unit: 1, address: 0, count: -1) }),
            ("past 65535", { _ = try client.readHoldingRegisters(unit: 1, address: 65530, count: 10) }),
            ("no values", { try client.writeRegisters(unit: 1, address: 0, values: []) }),
            ("a unit id libmodbus cannot send", { _ = try client.readHoldingRegisters(unit: 250, address: 0, count: 1) }),
        ]
        for (name, request) in invalid {
            let error = expectThrows(ModbusError.self, "\(name)") { try request() }
            #expect(error?.kind == .invalidArgument, "\(name)")
        }
        #expect(server.requestsReceived == 0)
        #expect(!client.isConnected)

        // At the limits everything goes through.
        #expect(try client.readHoldingRegisters(unit: 1, address: 0, count: 125).count == 125)
        #expect(try client.readCoils(unit: 1, address: 0, count: 2000).count == 2000)
        try client.writeRegisters(unit: 1, address: 0, values: Array(repeating: 9, count: 123))
        try client.writeCoils(unit: 1, address: 0, values: Array(repeating: true, count: 1968))
        let read = try client.writeAndReadRegisters(unit: 1, writeAddress: 0, values: Array(repeating: 4, count: 121),
                                                    readAddress: 0, readCount: 125)
        #expect(read == Array(repeating: 4, count: 121) + [9, 9, 1123, 1124])
        #expect(server.requestsReceived == 5)
    }

    @Test func broadcastWriteDoesNotWaitAndItsAnswerIsDiscarded() throws {
        let server = try ModbusTestServer.tcp()
        defer { server.stop() }
        // The turnaround is what lets the server's unwanted answers arrive before they are
        // discarded: generous, because other tests load the machine.
        let client = try Self.client(port: server.port, response: .seconds(2), broadcastTurnaround: .milliseconds(250))
        try client.writeRegister(unit: 0, address: 7, value: 77)
        try client.writeCoils(unit: 0, address: 50, values: [true, false, true])
        try client.writeRegisters(unit: 0, address: 60, values: [6, 0, 6])
        try client.writeCoil(unit: 0, address: 99, value: true)
        // libmodbus's TCP server answers unit 0 anyway; those answers must not be taken for this one.
        #expect(try client.readHoldingRegisters(unit: 1, address: 7, count: 1) == [77])
        #expect(try client.readCoils(unit: 1, address: 50, count: 3) == [true, false, true])
        #expect(try client.readHoldingRegisters(unit: 1, address: 60, count: 3) == [6, 0, 6])
        #expect(server.coil(99))
        #expect(client.reconnects == 0)
    }
}
