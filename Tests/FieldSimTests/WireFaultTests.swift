import FieldCore
import FieldDevices
import FieldHAL
import Foundation
import Testing

@testable import FieldSim

/// Every wire fault, per device and per bus, over TCP and over a pty RTU bus, with the exact
/// error FieldHAL's `ModbusClient` (libmodbus) reports.
@Suite("Wire faults")
struct WireFaultTests {
    enum Transport: String, CaseIterable, CustomTestStringConvertible {
        case tcp, rtu
        var testDescription: String { rawValue }
    }

    /// A lamp controller at unit 1 and a neighbour at unit 2 on one bus, and a master.
    final class Rig {
        let bus: any SimulatedBus
        let client: ModbusClient
        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        let neighbour = RegisterBank(profile: WireTestProfiles.lamp)
        private let stop: () -> Void
        private let statistics: () -> WireStatistics

        init(_ transport: Transport, response: Duration = .milliseconds(120)) throws {
            let timeouts = ModbusTimeouts(response: response, byte: .milliseconds(50), broadcastTurnaround: .milliseconds(10))
            switch transport {
            case .tcp:
                let server = ModbusTCPServer()
                let listener = try server.listen()
                try server.start()
                bus = listener
                stop = server.stop
                statistics = { server.statistics }
                client = try ModbusClient(ModbusSettings(bus: "sim-tcp", link: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: listener.port)),
                                                         timeouts: timeouts))
            case .rtu:
                let server = RTUBusServer(name: "rs485-1", link: RTULink(port: "rs485-1", baud: 115_200), pacing: .off)
                try server.start()
                bus = server
                stop = server.stop
                statistics = { server.statistics }
                client = try ModbusClient(ModbusSettings(bus: "rs485-1", link: .rtu(ModbusRTUSettings(device: try #require(server.devicePath), baud: 115_200)),
                                                         timeouts: timeouts))
            }
            try bus.attach(lamp, unit: 1)
            try bus.attach(neighbour, unit: 2)
            try lamp.set("dim", to: .number(10))
            try neighbour.set("dim", to: .number(20))
        }

        deinit { stop() }

        var deviceFaults: WireFaults { bus.faults(unit: 1)! }

        /// Waits until the server has taken in `count` requests (a broadcast gets no answer to
        /// wait for).
        func waitForRequests(_ count: Int) throws {
            let deadline = ContinuousClock.now + .seconds(2)
            while statistics().requests < count {
                guard ContinuousClock.now < deadline else { throw SystemError(code: ETIMEDOUT, function: "waitForRequests") }
                Thread.sleep(forTimeInterval: 0.001)
            }
        }

        func readDim(_ unit: UInt8 = 1) throws -> UInt16 { try client.readHoldingRegisters(unit: unit, address: 0, count: 1)[0] }
    }

    @Test("no response: the master times out, the write is not applied, the neighbour answers", arguments: Transport.allCases)
    func noResponse(_ transport: Transport) throws {
        let rig = try Rig(transport)
        rig.deviceFaults.set(.noResponse)
        #expect(kind { try rig.readDim() } == .timeout)
        #expect(kind { try rig.client.writeRegister(unit: 1, address: 0, value: 99) } == .timeout)
        #expect(try rig.lamp.get("dim") == .number(10))
        #expect(try rig.readDim(2) == 20)
        #expect(rig.deviceFaults.hits == 2)
        rig.deviceFaults.clear()
        #expect(try rig.readDim() == 10)
    }

    @Test("slow response: late past the master's timeout is thrown away before the next request, on time within it", arguments: Transport.allCases)
    func slowResponse(_ transport: Transport) throws {
        let rig = try Rig(transport, response: .milliseconds(150))
        rig.deviceFaults.set(.slowResponse(.milliseconds(60)))
        let start = ContinuousClock.now
        #expect(try rig.readDim() == 10)
        #expect(ContinuousClock.now - start >= .milliseconds(60))
        rig.deviceFaults.set(.slowResponse(.milliseconds(300)))
        #expect(kind { try rig.client.writeRegister(unit: 1, address: 0, value: 33) } == .timeout)
        // The device did act on it, and answers late.
        Thread.sleep(forTimeInterval: 0.25)
        #expect(try rig.lamp.get("dim") == .number(33))
        rig.deviceFaults.clear()
        rig.client.close()
        // On a serial line the late answer waits in the port. The master drains the port right
        // before its next request, so that request (on a real bus: another device's) gets its
        // own answer, and it says whose late answer it threw away.
        #expect(try rig.readDim() == 33)
        if transport == .rtu {
            #expect(rig.client.takeLateAnswer()?.unit == 1)
        }
    }

    @Test("corrupt reply: bad CRC on RTU, invalid frame on TCP; the write is applied", arguments: Transport.allCases)
    func corruptReply(_ transport: Transport) throws {
        let rig = try Rig(transport)
        rig.deviceFaults.set(.corruptReply)
        let expected: ModbusError.Kind = transport == .rtu ? .badCRC : .invalidFrame
        #expect(kind { try rig.readDim() } == expected)
        #expect(kind { try rig.client.writeRegister(unit: 1, address: 0, value: 44) } == expected)
        #expect(try rig.lamp.get("dim") == .number(44))
        rig.deviceFaults.clear()
        #expect(try rig.readDim() == 44)
    }

    @Test("a given exception code, by name; nothing is applied", arguments: Transport.allCases)
    func exception(_ transport: Transport) throws {
        let rig = try Rig(transport)
        rig.deviceFaults.set(.exception(.serverDeviceBusy))
        #expect(kind { try rig.readDim() } == .exception(.serverDeviceBusy))
        #expect(kind { try rig.client.writeCoil(unit: 1, address: 0, value: true) } == .exception(.serverDeviceBusy))
        #expect(try rig.lamp.get("switch") == .bool(false))
        rig.deviceFaults.set(.exception(.serverDeviceFailure))
        #expect(kind { try rig.readDim() } == .exception(.serverDeviceFailure))
    }

    @Test("intermittent: the seed decides which requests fail, the same in every run", arguments: Transport.allCases)
    func intermittent(_ transport: Transport) throws {
        let rig = try Rig(transport, response: .milliseconds(60))
        let fault = WireFault.intermittent(percent: 25, seed: 2024, fault: .exception(.serverDeviceBusy))
        let twin = WireFaults(fault)
        let expected = (0..<40).map { _ in twin.strike() != nil }
        rig.deviceFaults.set(fault)
        let failed = (0..<40).map { _ in kind { try rig.readDim() } == .exception(.serverDeviceBusy) }
        #expect(failed == expected)
        #expect((5...15).contains(failed.filter { $0 }.count))
        #expect(rig.deviceFaults.hits == failed.filter { $0 }.count)

        rig.deviceFaults.set(.intermittent(percent: 50, seed: 1))
        let lost = (0..<10).map { _ in kind { try rig.readDim() } == .timeout }
        let again = WireFaults(.intermittent(percent: 50, seed: 1))
        #expect(lost == (0..<10).map { _ in again.strike() != nil })
    }

    @Test("a bus that goes silent (power loss) silences every device until it comes back", arguments: Transport.allCases)
    func silentBus(_ transport: Transport) throws {
        let rig = try Rig(transport)
        rig.bus.faults.set(.noResponse)
        #expect(kind { try rig.readDim(1) } == .timeout)
        #expect(kind { try rig.readDim(2) } == .timeout)
        try rig.client.writeRegister(unit: 0, address: 0, value: 77)
        try rig.waitForRequests(3)
        #expect(try rig.neighbour.get("dim") == .number(20), "a dead bus hears no broadcast")
        rig.bus.faults.clear()
        #expect(try rig.readDim(1) == 10)
        #expect(try rig.readDim(2) == 20)
    }

    @Test("a bus-wide fault wins over the device's own")
    func busFaultWins() throws {
        let rig = try Rig(.tcp)
        rig.deviceFaults.set(.exception(.serverDeviceBusy))
        rig.bus.faults.set(.exception(.serverDeviceFailure))
        #expect(kind { try rig.readDim(1) } == .exception(.serverDeviceFailure))
        #expect(kind { try rig.readDim(2) } == .exception(.serverDeviceFailure))
        rig.bus.faults.clear()
        #expect(kind { try rig.readDim(1) } == .exception(.serverDeviceBusy))
        #expect(rig.deviceFaults.fault == .exception(.serverDeviceBusy))
    }
}
