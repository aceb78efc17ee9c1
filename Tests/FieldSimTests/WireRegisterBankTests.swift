import FieldCore
import FieldDevices
import FieldHAL
import Synchronization
import Testing

@testable import FieldSim

@Suite("Register bank")
struct WireRegisterBankTests {
    @Test("a point's value goes through its codec: f32 CDAB, scale, bit fields, command registers")
    func modelSide() throws {
        let pressure = RegisterBank(profile: WireTestProfiles.pressure)
        try pressure.set("pressure", to: .number(0.42))
        let words = try pressure.registers(.input, at: 0, count: 2)
        let bits = Float(0.42).bitPattern
        #expect(words == [UInt16(bits & 0xFFFF), UInt16(bits >> 16)])
        #expect(try pressure.get("pressure").number.map { abs($0 - 0.42) < 1e-6 } == true)

        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        try lamp.set(["voltage": .number(230.5), "dim-profile": .number(5), "auto": .bool(true), "fault-latch": .bool(true)])
        #expect(try lamp.registers(.input, at: 0, count: 1) == [2305])
        #expect(try lamp.registers(.holding, at: 6, count: 1) == [0x010B])
        #expect(try lamp.get("dim-profile") == .number(5))
        try lamp.set("driver-temperature", to: .number(-12.5))
        #expect(try lamp.registers(.holding, at: 7, count: 1) == [UInt16(bitPattern: -125)])
        try lamp.set("holding@256", to: .number(9))
        #expect(try lamp.get("holding@256") == .number(9))
        #expect(lamp.pointNames.last == "holding@256")
    }

    @Test("model-side errors name the profile, point or range")
    func modelErrors() {
        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        #expect(throws: RegisterBankError.unknownPoint(profile: "wire-lamp", point: "dimm")) { try lamp.set("dimm", to: .number(1)) }
        #expect(throws: RegisterBankError.outsideMap(profile: "wire-lamp", table: .input, address: 10, count: 2)) {
            try lamp.registers(.input, at: 10, count: 2)
        }
        do {
            try lamp.set("dim", to: .number(70_000))
            Issue.record("70000 fits no u16")
        } catch {
            guard case .codec(let e) = error, case .overflow = e.reason else {
                Issue.record("expected an overflow, got \(error)")
                return
            }
        }
        do {
            try lamp.set(["dim": .number(50), "voltage": .text("high")])
            Issue.record("text is no voltage")
        } catch {
            #expect((try? lamp.get("dim")) == .number(0), "nothing of a failed set is applied")
        }
    }

    @Test("reads answer from the registers, big-endian, coils packed LSB first")
    func reads() throws {
        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        try lamp.set(["dim": .number(80), "default-dim": .number(100), "switch": .bool(true), "reset": .bool(true), "door": .bool(true)])
        #expect(lamp.respond(toPDU: [0x03, 0x00, 0x00, 0x00, 0x02]) == [0x03, 0x04, 0x00, 80, 0x00, 100])
        #expect(lamp.respond(toPDU: [0x01, 0x00, 0x00, 0x00, 0x04]) == [0x01, 0x01, 0b1001])
        #expect(lamp.respond(toPDU: [0x02, 0x00, 0x00, 0x00, 0x02]) == [0x02, 0x01, 0b10])
        #expect(lamp.respond(toPDU: [0x04, 0x00, 0x0A, 0x00, 0x01]) == [0x04, 0x02, 0x00, 0x00])
    }

    @Test("exception answers follow the protocol's order of checks")
    func exceptions() throws {
        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        // Unknown function: illegal function, whatever follows.
        #expect(lamp.respond(toPDU: [0x2B, 0x0E, 0x01, 0x00]) == [0xAB, 0x01])
        #expect(lamp.respond(toPDU: [0x08, 0x00, 0x00, 0x12, 0x34]) == [0x88, 0x01])
        // Counts outside the protocol: illegal data value, before the address is looked at.
        #expect(lamp.respond(toPDU: [0x03, 0xFF, 0x00, 0x00, 0x00]) == [0x83, 0x03])
        #expect(lamp.respond(toPDU: [0x04, 0x00, 0x00, 0x00, 126]) == [0x84, 0x03])
        #expect(lamp.respond(toPDU: [0x01, 0x00, 0x00, 0x07, 0xD1]) == [0x81, 0x03])
        #expect(lamp.respond(toPDU: [0x03, 0x00, 0x00]) == [0x83, 0x03])
        // Outside the map: illegal data address.
        #expect(lamp.respond(toPDU: [0x04, 0x00, 0x0A, 0x00, 0x02]) == [0x84, 0x02])
        #expect(lamp.respond(toPDU: [0x03, 0x01, 0x01, 0x00, 0x01]) == [0x83, 0x02])
        #expect(lamp.respond(toPDU: [0x02, 0x00, 0x02, 0x00, 0x01]) == [0x82, 0x02])
        // Writes: bad coil value, read-only register, out of range.
        #expect(lamp.respond(toPDU: [0x05, 0x00, 0x00, 0x12, 0x34]) == [0x85, 0x03])
        #expect(lamp.respond(toPDU: [0x06, 0x00, 0x04, 0x00, 0x01]) == [0x86, 0x02])
        #expect(lamp.respond(toPDU: [0x06, 0x00, 0x02, 0x00, 0x01]) == [0x86, 0x02], "a gap is not writable")
        #expect(lamp.respond(toPDU: [0x06, 0x00, 0x00, 0x00, 101]) == [0x86, 0x03])
        #expect(lamp.respond(toPDU: [0x10, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00, 50, 0x01, 0x00]) == [0x90, 0x03])
        #expect(try lamp.get("dim") == .number(0), "a refused write changes nothing")
        #expect(lamp.respond(toPDU: [0x10, 0x00, 0x00, 0x00, 0x02, 0x03, 0x00, 50, 0x00]) == [0x90, 0x03], "byte count")
        #expect(lamp.respond(toPDU: [0x0F, 0x00, 0x00, 0x00, 0x04, 0x01, 0x0F]) == [0x8F, 0x02], "coil 2 is a gap")
        // A device without coils answers any coil address as illegal.
        let pressure = RegisterBank(profile: WireTestProfiles.pressure)
        #expect(pressure.respond(toPDU: [0x01, 0x00, 0x00, 0x00, 0x01]) == [0x81, 0x02])
    }

    @Test("gaps between points read as stored, or are refused when the profile says maxGap 0")
    func gaps() {
        let lenient = RegisterBank(profile: WireTestProfiles.lamp)
        let strict = RegisterBank(profile: WireTestProfiles.strictLamp)
        let acrossGap: [UInt8] = [0x03, 0x00, 0x01, 0x00, 0x04]
        #expect(lenient.respond(toPDU: acrossGap) == [0x03, 0x08, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(strict.respond(toPDU: acrossGap) == [0x83, 0x02])
        #expect(strict.respond(toPDU: [0x03, 0x00, 0x04, 0x00, 0x04]) == [0x03, 0x08, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(strict.respond(toPDU: [0x01, 0x00, 0x00, 0x00, 0x04]) == [0x81, 0x02])
        #expect(RegisterBank(profile: WireTestProfiles.lamp, gaps: .refused).respond(toPDU: acrossGap) == [0x83, 0x02])
    }

    @Test("writes are stored, echoed and reported to the model with the points' new values")
    func writes() throws {
        let lamp = RegisterBank(profile: WireTestProfiles.lamp)
        let heard = Mutex<[GatewayWrite]>([])
        lamp.onGatewayWrite { write in heard.withLock { $0.append(write) } }

        #expect(lamp.respond(toPDU: [0x05, 0x00, 0x00, 0xFF, 0x00]) == [0x05, 0x00, 0x00, 0xFF, 0x00])
        #expect(lamp.respond(toPDU: [0x06, 0x00, 0x00, 0x00, 0x32]) == [0x06, 0x00, 0x00, 0x00, 0x32])
        #expect(lamp.respond(toPDU: [0x0F, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02]) == [0x0F, 0x00, 0x00, 0x00, 0x02])
        #expect(lamp.respond(toPDU: [0x10, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x00, 0x14]) == [0x10, 0x00, 0x00, 0x00, 0x02])
        // 0x17 writes first, then reads what it wrote.
        #expect(lamp.respond(toPDU: [0x17, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x02, 0x00, 0x3C]) == [0x17, 0x04, 0x00, 0x0A, 0x00, 0x3C])
        // Only a register's writable bits change: `fault-latch` (bit 8) is read-only.
        #expect(lamp.respond(toPDU: [0x06, 0x00, 0x06, 0x01, 0x09], broadcast: true) == [0x06, 0x00, 0x06, 0x01, 0x09])
        #expect(try lamp.registers(.holding, at: 6, count: 1) == [0x0009])
        #expect(lamp.respond(toPDU: [0x06, 0x00, 0x06, 0x00, 0x0F]) == [0x86, 0x03], "dim-profile 7 is out of range")

        #expect(try lamp.get("switch") == .bool(false))
        #expect(try lamp.get("relay-test") == .bool(true))
        #expect(try lamp.get("dim") == .number(10))
        #expect(try lamp.get("default-dim") == .number(60))
        let writes = heard.withLock { $0 }
        #expect(writes.map(\.function) == [.writeSingleCoil, .writeSingleRegister, .writeMultipleCoils, .writeMultipleRegisters,
                                           .writeAndReadRegisters, .writeSingleRegister])
        #expect(writes[0].values == ["switch": .bool(true)])
        #expect(writes[3].values == ["dim": .number(10), "default-dim": .number(20)])
        #expect(writes[5].values == ["auto": .bool(true), "dim-profile": .number(4)])
        #expect(writes[5].broadcast)
        #expect(writes.dropLast().allSatisfy { !$0.broadcast })
    }

    @Test("banks of one model share the map, not the values")
    func sameModel() throws {
        let a = RegisterBank(profile: WireTestProfiles.pressure)
        let b = RegisterBank(sameModelAs: a)
        try a.set("pressure", to: .number(1))
        #expect(try b.get("pressure") == .number(0))
        #expect(a.map === b.map)
        #expect(b.addresses(.input) == 0..<3)
        #expect(b.addresses(.coil).isEmpty)
    }
}
