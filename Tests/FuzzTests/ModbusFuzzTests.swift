import FieldCore
import FieldDevices
import FieldHAL
import FieldSim
import FieldTestSupport
import Foundation
import Synchronization
import Testing

/// Modbus frames from a hostile device to the gateway's master (TCP and RTU, through libmodbus),
/// and from a hostile master to the simulator's server: every answer is a reading of the right
/// size or a `ModbusError`; nothing crashes, and the link keeps working afterwards (issue 17).
@Suite(.serialized) struct ModbusFuzzTests {
    /// A correct answer to a read of holding registers, then mangled by the case's generator.
    static func hostileAnswer(_ correct: [UInt8], _ g: inout SplitMix64) -> [UInt8]? {
        switch Int.random(in: 0..<10, using: &g) {
        case 0: return nil
        case 1: return Mutator.bytes(&g, count: Int.random(in: 1...300, using: &g))
        case 2: return Array(correct.prefix(Int.random(in: 0..<correct.count, using: &g)))
        case 3: return correct + correct
        case 4: return correct + Mutator.bytes(&g, count: Int.random(in: 1...64, using: &g))
        default:
            var b = correct
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                b[Int.random(in: 0..<b.count, using: &g)] = [0, 0xFF, 0x80, 0x7F, UInt8.random(in: 0...255, using: &g)].randomElement(using: &g)!
            }
            return b
        }
    }

    static func registers(_ n: Int) -> [UInt8] { (0..<n).flatMap { [UInt8(0x12), UInt8($0)] } }

    static func read(_ client: ModbusClient, _ count: Int) -> Result<[UInt16], any Error> {
        do {
            return .success(try client.readHoldingRegisters(unit: 1, address: 0, count: count))
        } catch {
            // Typed: a ModbusError, never a crash (what this fuzzer is for).
            return .failure(error)
        }
    }

    static func expectSane(_ result: Result<[UInt16], any Error>, count: Int, _ caseSeed: UInt64) {
        if case .success(let words) = result {
            #expect(words.count == count, "FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
        }
    }

    @Test func aHostileTCPDeviceAgainstTheRealClient() throws {
        let device = try HostileModbusDevice()
        defer { device.stop() }
        let client = try ModbusClient(ModbusSettings(bus: "fuzz-tcp", link: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: device.port)),
                                                     timeouts: ModbusTimeouts(response: .milliseconds(40), byte: .milliseconds(20))))
        FuzzRun("Modbus TCP replies to the master").run { caseSeed, g in
            let count = Int.random(in: 1...10, using: &g)
            let h = SharedGenerator(seed: g.next())
            device.answer { request in
                guard request.count >= 12 else { return nil }
                let pdu = [UInt8(3), UInt8(2 * count)] + Self.registers(count)
                let correct = Array(request[0..<4]) + [0, UInt8(pdu.count + 1), request[6]] + pdu
                return h.next { Self.hostileAnswer(correct, &$0) }
            }
            let r = Self.read(client, count)
            Self.expectSane(r, count: count, caseSeed)
        }
        device.answer { request in
            let pdu: [UInt8] = [3, 2, 0, 42]
            return Array(request[0..<4]) + [0, UInt8(pdu.count + 1), request[6]] + pdu
        }
        var last: Result<[UInt16], any Error> = .success([])
        for _ in 0..<3 {
            last = Self.read(client, 1)
            if case .success = last { break }
        }
        #expect(try last.get() == [42], "an honest answer after the noise is read")
    }

    @Test func aHostileRTUDeviceAgainstTheRealClient() throws {
        let device = try HostileModbusDevice(rtu: ())
        defer { device.stop() }
        let client = try ModbusClient(ModbusSettings(bus: "fuzz-rtu", link: .rtu(ModbusRTUSettings(device: device.pty!.slavePath, baud: 115_200)),
                                                     timeouts: ModbusTimeouts(response: .milliseconds(40), byte: .milliseconds(20))))
        FuzzRun("Modbus RTU replies to the master").run { caseSeed, g in
            let count = Int.random(in: 1...10, using: &g)
            let h = SharedGenerator(seed: g.next())
            device.answer { request in
                guard let unit = request.first else { return nil }
                return h.next { Self.hostileAnswer(withCRC([unit, 3, UInt8(2 * count)] + Self.registers(count)), &$0) }
            }
            let r = Self.read(client, count)
            Self.expectSane(r, count: count, caseSeed)
        }
        device.answer { request in withCRC([request.first ?? 1, 3, 2, 0, 42]) }
        var last: Result<[UInt16], any Error> = .success([])
        for _ in 0..<3 {
            last = Self.read(client, 1)
            if case .success = last { break }
        }
        #expect(try last.get() == [42], "an honest answer after the noise is read")
    }

    /// Random and mangled requests to the simulator's TCP server; a real client still gets
    /// answers afterwards.
    @Test func hostileRequestsToTheSimulatorsTCPServer() throws {
        let server = ModbusTCPServer()
        defer { server.stop() }
        let listener = try server.listen()
        try listener.attach(RegisterBank(profile: try #require(BuiltinProfiles.byID["fg-slc"])), unit: 1, faults: WireFaults())
        try server.start()
        let valid: [[UInt8]] = [
            [0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 4], [0, 2, 0, 0, 0, 6, 1, 4, 0, 0, 0, 10], [0, 3, 0, 0, 0, 6, 1, 6, 0, 1, 0, 50],
            [0, 4, 0, 0, 0, 11, 1, 16, 0, 1, 0, 2, 4, 0, 1, 0, 2], [0, 5, 0, 0, 0, 6, 1, 1, 0, 0, 0, 8],
        ]
        FuzzRun("Modbus TCP requests to the simulator").run { _, g in
            guard let raw = try? RawSocket(port: listener.port) else { return }
            for _ in 0..<Int.random(in: 1...4, using: &g) {
                let frame = Bool.random(using: &g) ? Mutator.mutate(valid.randomElement(using: &g)!, &g)
                    : Mutator.bytes(&g, count: Int.random(in: 1...300, using: &g))
                raw.send(frame)
            }
            raw.drain()
            raw.close()
        }
        let client = try ModbusClient(ModbusSettings(bus: "check", link: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: listener.port)),
                                                     timeouts: ModbusTimeouts(response: .milliseconds(500))))
        #expect(try client.readHoldingRegisters(unit: 1, address: 0, count: 2).count == 2)
    }
}

extension ModbusFuzzTests {
    /// Random and mangled frames on the simulator's RTU bus (a pty, as a serial port sends them);
    /// the bus keeps answering a real client afterwards.
    @Test func hostileFramesOnTheSimulatorsRTUBus() throws {
        let bus = RTUBusServer(name: "rs485-1", link: RTULink(port: "rs485-1", baud: 115_200), pacing: .off)
        defer { bus.stop() }
        try bus.attach(RegisterBank(profile: try #require(BuiltinProfiles.byID["fg-slc"])), unit: 1, faults: WireFaults())
        try bus.start()
        let path = try #require(bus.devicePath)
        let valid: [[UInt8]] = [[1, 3, 0, 0, 0, 4], [1, 4, 0, 0, 0, 10], [1, 6, 0, 1, 0, 50], [1, 16, 0, 1, 0, 2, 4, 0, 1, 0, 2], [0, 6, 0, 1, 0, 9]]
        do {
            // VMIN 0, VTIME 1: a read returns what came within 100 ms, or nothing.
            let port = try SerialPort(path: path, settings: SerialSettings(baud: 115_200, minimumBytes: 0, interByteTimeout: .milliseconds(100)))
            defer { port.close() }
            FuzzRun("Modbus RTU frames to the simulator").run { _, g in
                let frame = Bool.random(using: &g) ? Mutator.mutate(withCRC(valid.randomElement(using: &g)!), &g)
                    : Mutator.bytes(&g, count: Int.random(in: 1...300, using: &g))
                try? port.write(frame)
                // Whatever comes back is dropped; the read's silence ends the frame (t3.5).
                while let chunk = try? port.read(upTo: 4096), !chunk.isEmpty {}
            }
        }
        let client = try ModbusClient(ModbusSettings(bus: "check", link: .rtu(ModbusRTUSettings(device: path, baud: 115_200)),
                                                     timeouts: ModbusTimeouts(response: .milliseconds(500))))
        var words: [UInt16] = []
        for _ in 0..<3 where words.isEmpty { words = (try? client.readHoldingRegisters(unit: 1, address: 0, count: 2)) ?? [] }
        #expect(words.count == 2, "the bus still answers")
    }
}

/// A case's generator, shared with the device's thread (a class: a `Mutex` itself cannot be
/// captured by the escaping answer closure on every compiler we build with).
final class SharedGenerator: Sendable {
    private let generator: Mutex<SplitMix64>
    init(seed: UInt64) { generator = Mutex(SplitMix64(seed: seed)) }
    func next(_ body: (inout SplitMix64) -> [UInt8]?) -> [UInt8]? { generator.withLock { body(&$0) } }
}

/// A bare TCP connection that sends what it is given and drops whatever comes back.
final class RawSocket {
    let fd: CInt

    init(port: Int) throws {
        fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            throw SystemError.current("connect")
        }
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
    }

    /// Reads what arrives within 20 ms.
    func drain() {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while poll(&p, 1, 20) > 0, read(fd, &buffer, buffer.count) > 0 {}
    }

    func close() { Glibc.close(fd) }
}
