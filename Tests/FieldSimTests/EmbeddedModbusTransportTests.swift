import FieldCore
import FieldDevices
import FieldHAL
import FieldSim
import Testing

/// The bus double answers like the wire servers do (from a register bank), fails as scripted, and
/// lets time pass only on its clock.
@Suite("Embedded Modbus transport")
struct EmbeddedModbusTransportTests {
    let clock = ManualMonotonicClock(start: 1_000_000_000)

    func bus(units: ClosedRange<UInt8> = ModbusLimits.serialUnits) -> EmbeddedModbusTransport {
        EmbeddedModbusTransport(bus: "rs485-1", units: units, pacing: FramePacing(gap: .milliseconds(4), broadcastTurnaround: .milliseconds(100)),
                                responseTimeout: .milliseconds(500), answerTime: .milliseconds(20), clock: clock)
    }

    @Test("reads and writes go to the register bank, with its exceptions")
    func servesTheBank() throws {
        let bus = bus()
        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        bus.attach(lamp, unit: 5)
        try lamp.set(["voltage": .number(230.1), "door": .bool(true)])
        #expect(try bus.readInputRegisters(unit: 5, address: 0, count: 1) == [2301])
        #expect(try bus.readDiscreteInputs(unit: 5, address: 0, count: 2) == [false, true])
        try bus.writeRegister(unit: 5, address: 0, value: 40)
        #expect(try lamp.get("dim") == .number(40))
        try bus.writeCoils(unit: 5, address: 0, values: [true, true])
        #expect(try bus.readCoils(unit: 5, address: 0, count: 2) == [true, true])
        let refused = expectError { try bus.writeRegister(unit: 5, address: 0, value: 101) }
        #expect(refused?.kind == .exception(.illegalDataValue), "dim's range is 0–100")
        let gap = expectError { _ = try bus.readHoldingRegisters(unit: 5, address: 300, count: 1) }
        #expect(gap?.kind == .exception(.illegalDataAddress))
        #expect(bus.records.map { $0.end - $0.start } == Array(repeating: 20_000_000, count: 7))
    }

    @Test("scripted answers: exception, silence costs the timeout, late bytes are reported once before the next request")
    func scripted() throws {
        let bus = bus()
        bus.attach(RegisterBank(profile: WireTestProfiles.pressure), unit: 1)
        bus.script(unit: 1, [.exception(.serverDeviceBusy), .silence, .late(bytes: 7), .slow(.milliseconds(300))])
        #expect(expectError { _ = try bus.readHoldingRegisters(unit: 1, address: 0, count: 1) }?.kind == .exception(.serverDeviceBusy))
        let before = clock.nanoseconds()
        #expect(expectError { _ = try bus.readHoldingRegisters(unit: 1, address: 0, count: 1) }?.kind == .timeout)
        #expect(clock.nanoseconds() - before == 504_000_000, "the gap, then the response timeout")
        #expect(expectError { _ = try bus.readHoldingRegisters(unit: 1, address: 0, count: 1) }?.kind == .timeout)
        #expect(bus.takeLateAnswer() == nil, "the late bytes have not arrived yet")
        _ = try bus.readHoldingRegisters(unit: 1, address: 0, count: 1)
        #expect(bus.takeLateAnswer() == LateAnswer(unit: 1, bytes: 7))
        #expect(bus.takeLateAnswer() == nil)
        #expect(bus.records.last.map { $0.end - $0.start } == 300_000_000)
        bus.setDefault(.silence, unit: 1)
        #expect(expectError { _ = try bus.readHoldingRegisters(unit: 1, address: 0, count: 1) }?.kind == .timeout)
        #expect(expectError { _ = try bus.readHoldingRegisters(unit: 9, address: 0, count: 1) }?.kind == .timeout, "nobody at unit 9")
    }

    @Test("requests over a limit are refused before anything is sent; a broadcast reaches every bank and nobody answers")
    func limitsAndBroadcast() throws {
        let bus = bus()
        let a = RegisterBank(profile: WireTestProfiles.lamp)
        let b = RegisterBank(sameModelAs: a)
        bus.attach(a, unit: 1)
        bus.attach(b, unit: 2)
        #expect(expectError { _ = try bus.readHoldingRegisters(unit: 1, address: 0, count: 126) }?.kind == .overLimit)
        #expect(expectError { _ = try bus.readHoldingRegisters(unit: 248, address: 0, count: 1) }?.kind == .invalidArgument)
        #expect(expectError { _ = try bus.readHoldingRegisters(unit: 0, address: 0, count: 1) }?.kind == .invalidArgument)
        #expect(bus.records.isEmpty)
        try bus.writeRegister(unit: 0, address: 0, value: 55)
        #expect(try a.get("dim") == .number(55))
        #expect(try b.get("dim") == .number(55))
        let sent = clock.nanoseconds()
        _ = try bus.readHoldingRegisters(unit: 1, address: 0, count: 1)
        #expect(bus.records.last?.start == sent + 100_000_000, "the next request waits the broadcast turnaround")
    }

    private func expectError(_ body: () throws -> Void) -> ModbusError? {
        do {
            try body()
            Issue.record("expected a ModbusError")
        } catch let e as ModbusError {
            return e
        } catch {
            Issue.record("unexpected \(error)")
        }
        return nil
    }
}
