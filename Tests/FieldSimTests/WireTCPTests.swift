import FieldCore
import FieldDevices
import FieldHAL
import Foundation
import Synchronization
import Testing

@testable import FieldSim

/// The simulator's Modbus TCP server driven by FieldHAL's `ModbusClient` (libmodbus) over
/// loopback sockets.
@Suite("Modbus TCP server")
struct WireTCPTests {
    static func client(_ listener: ModbusTCPListener, response: Duration = .milliseconds(300)) throws -> ModbusClient {
        try ModbusClient(ModbusSettings(bus: "sim-tcp", link: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: listener.port)),
                                        timeouts: ModbusTimeouts(response: response, broadcastTurnaround: .milliseconds(10))))
    }

    @Test("every function code, routed by unit id")
    func everyFunctionCode() throws {
        let server = ModbusTCPServer()
        defer { server.stop() }
        let listener = try server.listen()
        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        let pressure = RegisterBank(profile: WireTestProfiles.pressure)
        try listener.attach(lamp, unit: 7)
        try listener.attach(pressure, unit: 200)
        try server.start()
        try lamp.set(["voltage": .number(229.8), "door": .bool(true), "energy": .number(123_456)])
        try pressure.set("pressure", to: .number(0.35))
        let client = try Self.client(listener)

        #expect(try client.readInputRegisters(unit: 7, address: 0, count: 1) == [2298])
        #expect(try client.readHoldingRegisters(unit: 7, address: 4, count: 2) == [0x0001, 0xE240])
        #expect(try client.readDiscreteInputs(unit: 7, address: 0, count: 2) == [false, true])
        let words = try client.readInputRegisters(unit: 200, address: 0, count: 2)
        #expect(Float(bitPattern: UInt32(words[1]) << 16 | UInt32(words[0])) == Float(0.35))

        try client.writeCoil(unit: 7, address: 0, value: true)
        try client.writeRegister(unit: 7, address: 0, value: 40)
        try client.writeCoils(unit: 7, address: 0, values: [true, true])
        try client.writeRegisters(unit: 7, address: 0, values: [55, 65])
        #expect(try client.writeAndReadRegisters(unit: 7, writeAddress: 1, values: [75], readAddress: 0, readCount: 2) == [55, 75])
        #expect(try client.readCoils(unit: 7, address: 0, count: 4) == [true, true, false, false])
        #expect(try lamp.get("dim") == .number(55))
        #expect(try lamp.get("default-dim") == .number(75))
        #expect(try lamp.get("relay-test") == .bool(true))
        #expect(server.statistics.requests == 10)
        #expect(server.statistics.replies == 10)
    }

    @Test("exceptions reach the master by name; an absent unit gets 0x0B or silence")
    func exceptions() throws {
        let server = ModbusTCPServer()
        defer { server.stop() }
        let gateway = try server.listen()
        let device = try server.listen(absentUnit: .silence)
        try gateway.attach(RegisterBank(profile: WireTestProfiles.lamp), unit: 1)
        try device.attach(RegisterBank(profile: WireTestProfiles.lamp), unit: 1)
        try server.start()
        let client = try Self.client(gateway, response: .milliseconds(150))

        #expect(kind { try client.readInputRegisters(unit: 1, address: 10, count: 2) } == .exception(.illegalDataAddress))
        #expect(kind { try client.writeRegister(unit: 1, address: 0, value: 101) } == .exception(.illegalDataValue))
        #expect(kind { try client.writeRegister(unit: 1, address: 4, value: 1) } == .exception(.illegalDataAddress))
        #expect(kind { try client.readHoldingRegisters(unit: 2, address: 0, count: 1) } == .exception(.gatewayTargetFailedToRespond))
        let direct = try Self.client(device, response: .milliseconds(150))
        #expect(kind { try direct.readHoldingRegisters(unit: 2, address: 0, count: 1) } == .timeout)
        #expect(try direct.readHoldingRegisters(unit: 1, address: 0, count: 1) == [0])
    }

    @Test("broadcast to unit 0 reaches every device and gets no answer")
    func broadcast() throws {
        let server = ModbusTCPServer()
        defer { server.stop() }
        let listener = try server.listen()
        let banks = (0..<3).map { _ in RegisterBank(profile: WireTestProfiles.lamp) }
        for (i, bank) in banks.enumerated() { try listener.attach(bank, unit: UInt8(10 + i)) }
        try server.start()
        let client = try Self.client(listener)
        try client.writeRegister(unit: 0, address: 0, value: 30)
        try client.writeCoil(unit: 0, address: 0, value: true)
        // The read after the broadcasts is answered in order, so both were applied by then.
        #expect(try client.readHoldingRegisters(unit: 12, address: 0, count: 1) == [30])
        for bank in banks {
            #expect(try bank.get("dim") == .number(30))
            #expect(try bank.get("switch") == .bool(true))
        }
        #expect(server.statistics.replies == 1)
    }

    @Test("many concurrent connections on several listeners")
    func concurrentConnections() throws {
        let server = ModbusTCPServer()
        defer { server.stop() }
        let listeners = try (0..<4).map { _ in try server.listen() }
        for (l, listener) in listeners.enumerated() {
            for unit in 1...20 {
                let bank = RegisterBank(profile: WireTestProfiles.lamp)
                try bank.set("voltage", to: .number(Double(l * 100 + unit)))
                try listener.attach(bank, unit: UInt8(unit))
            }
        }
        try server.start()
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 32) { i in
            let listener = listeners[i % listeners.count]
            do {
                let client = try Self.client(listener, response: .seconds(2))
                for round in 0..<25 {
                    let unit = UInt8(1 + (i + round) % 20)
                    let got = try client.readInputRegisters(unit: unit, address: 0, count: 1)
                    let expected = UInt16(((i % listeners.count) * 100 + Int(unit)) * 10)
                    if got != [expected] { failures.withLock { $0.append("client \(i): \(got) != \(expected)") } }
                }
            } catch {
                failures.withLock { $0.append("client \(i): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(server.statistics.requests == 32 * 25)
        #expect(server.statistics.connections == 32)
    }

    @Test("pipelined requests in one segment, and a request trickled byte by byte, are all answered")
    func framingOverTheSocket() throws {
        let server = ModbusTCPServer()
        defer { server.stop() }
        let listener = try server.listen()
        let bank = RegisterBank(profile: WireTestProfiles.lamp)
        try bank.set(["dim": .number(11), "default-dim": .number(22)])
        try listener.attach(bank, unit: 1)
        try server.start()
        let socket = try RawTCPClient(port: listener.port)
        defer { socket.close() }

        let first: [UInt8] = [0x00, 0x01, 0, 0, 0, 6, 1, 0x03, 0x00, 0x00, 0x00, 0x01]
        let second: [UInt8] = [0x00, 0x02, 0, 0, 0, 6, 1, 0x03, 0x00, 0x01, 0x00, 0x01]
        let unknown: [UInt8] = [0x00, 0x03, 0, 0, 0, 2, 1, 0x41]
        try socket.send(first + second + unknown)
        #expect(try socket.receive(count: 11 * 2 + 9) == [
            0x00, 0x01, 0, 0, 0, 5, 1, 0x03, 0x02, 0x00, 11,
            0x00, 0x02, 0, 0, 0, 5, 1, 0x03, 0x02, 0x00, 22,
            0x00, 0x03, 0, 0, 0, 3, 1, 0xC1, 0x01,
        ])
        for byte in first {
            try socket.send([byte])
            Thread.sleep(forTimeInterval: 0.002)
        }
        #expect(try socket.receive(count: 11) == [0x00, 0x01, 0, 0, 0, 5, 1, 0x03, 0x02, 0x00, 11])
        // Not Modbus TCP (protocol id 1): the connection is closed.
        try socket.send([0x00, 0x04, 0, 1, 0, 6, 1, 0x03, 0x00, 0x00, 0x00, 0x01])
        #expect(try socket.receive(count: 1) == [])
        #expect(server.statistics.badFrames == 1)
    }

    @Test("IPv6 listeners; listen errors name the address and the failing call")
    func listenAddresses() throws {
        let server = ModbusTCPServer(name: "plc-tcp")
        defer { server.stop() }
        let v6 = try server.listen(host: "::1")
        #expect(v6.name == "[::1]:\(v6.port)")
        try v6.attach(RegisterBank(profile: WireTestProfiles.pressure), unit: 1)
        try server.start()
        let client = try ModbusClient(ModbusSettings(bus: "v6", link: .tcp(ModbusTCPSettings(host: "::1", port: v6.port))))
        #expect(try client.readHoldingRegisters(unit: 1, address: 0, count: 1) == [0])

        #expect(throws: SimWireError.badAddress(bus: "plc-tcp", host: "127.0.0.1", port: 70_000, detail: "port outside 0–65535")) {
            try server.listen(port: 70_000)
        }
        let taken = try server.listen()
        do {
            _ = try server.listen(port: taken.port)
            Issue.record("port \(taken.port) was bound twice")
        } catch {
            guard case .system(let bus, let e) = error else {
                Issue.record("expected a system error, got \(error)")
                return
            }
            #expect(bus == "plc-tcp")
            #expect(e.code == EADDRINUSE)
            #expect(e.function == "bind")
            #expect(e.subject == "127.0.0.1:\(taken.port)")
        }
    }

    @Test("a listener opened after start is served; stop closes the ports")
    func lateListenerAndStop() throws {
        let server = ModbusTCPServer()
        try server.start()
        let listener = try server.listen()
        try listener.attach(RegisterBank(profile: WireTestProfiles.pressure), unit: 1)
        let client = try Self.client(listener)
        #expect(try client.readHoldingRegisters(unit: 1, address: 0, count: 3) == [0, 0, 0])
        server.stop()
        server.stop()
        #expect(throws: (any Error).self) { try RawTCPClient(port: listener.port) }
    }
}

/// The kind of error a Modbus call failed with, nil when it succeeded (or failed otherwise).
func kind<T>(_ body: () throws -> T) -> ModbusError.Kind? {
    do {
        _ = try body()
        return nil
    } catch {
        return (error as? ModbusError)?.kind
    }
}
