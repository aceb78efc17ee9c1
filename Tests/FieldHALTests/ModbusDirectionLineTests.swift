import FieldCore
@testable import FieldHAL
import Foundation
import Synchronization
import Testing

/// RS-485 direction on a GPIO line (`ModbusRS485Mode.gpio`): libmodbus's RTU client on a pty,
/// the DE lines on a simulated chip, and at the other end of the pty a device that behaves like
/// a MAX485 module's far side: it only answers once the gateway's driver is off again.
@Suite struct ModbusDirectionLineTests {
    /// 1200 baud: libmodbus keeps DE up for one character time per byte after writing (about
    /// 8 ms each), so the device sees DE high while the request arrives with room to spare.
    static func client(_ pty: PseudoTerminal, line: String, chip: SimulatedGPIOChip) throws -> ModbusClient {
        try ModbusClient(ModbusSettings(
            bus: "rs485-\(line)", link: .rtu(ModbusRTUSettings(device: pty.slavePath, baud: 1200,
                                                                rs485: .gpio(.output(line, chip: "fieldsim", offset: chip.lineNames.firstIndex(of: line)!)))),
            timeouts: ModbusTimeouts(response: .seconds(1), byte: .milliseconds(100))), gpio: chip)
    }

    @Test func theDirectionLineIsActiveExactlyWhileARequestIsSent() throws {
        let chip = try SimulatedGPIOChip(lines: ["DE1", "DE2"])
        let bus1 = try PseudoTerminal(), bus2 = try PseudoTerminal()
        defer { bus1.close(); bus2.close() }
        let device1 = FarEnd(pty: bus1, chip: chip, ownLine: "DE1", otherLine: "DE2", register: 0x1234)
        let device2 = FarEnd(pty: bus2, chip: chip, ownLine: "DE2", otherLine: "DE1", register: 0x5678)
        defer { device1.stop(); device2.stop() }
        let client1 = try Self.client(bus1, line: "DE1", chip: chip)
        let client2 = try Self.client(bus2, line: "DE2", chip: chip)

        #expect(try chip.requestedDirection(of: "DE1") == nil)
        try client1.connect()
        try client2.connect()
        #expect(try chip.requestedDirection(of: "DE1") == .output)
        #expect(try chip.level(of: "DE1") == false)

        // Interleaved on two buses: each callback must find its own context's line.
        for _ in 0..<2 {
            #expect(try client1.readHoldingRegisters(unit: 1, address: 0, count: 1) == [0x1234])
            #expect(try chip.level(of: "DE1") == false)
            #expect(try client2.readHoldingRegisters(unit: 1, address: 0, count: 1) == [0x5678])
            #expect(try chip.level(of: "DE2") == false)
        }
        #expect(device1.seen == [FarEnd.Seen(ownLine: true, otherLine: false), FarEnd.Seen(ownLine: true, otherLine: false)])
        #expect(device2.seen == device1.seen)

        client1.close()
        #expect(try chip.requestedDirection(of: "DE1") == nil)
        #expect(try chip.requestedDirection(of: "DE2") == .output)
        // The next request opens the port and takes the line again.
        #expect(try client1.readHoldingRegisters(unit: 1, address: 0, count: 1) == [0x1234])
        #expect(try chip.requestedDirection(of: "DE1") == .output)
    }

    @Test func aDirectionLineSomebodyHoldsKeepsTheBusClosedUntilItIsFree() throws {
        let chip = try SimulatedGPIOChip(lines: ["DE1"])
        let bus = try PseudoTerminal()
        defer { bus.close() }
        let holder = try chip.request([.output("relay-test", chip: "fieldsim", offset: 0)])
        let client = try Self.client(bus, line: "DE1", chip: chip)

        let error = expectThrows(ModbusError.self) { try client.connect() }
        #expect(error?.kind == .cannotConnect)
        #expect(error?.description == "rs485-DE1: cannot connect (\(bus.slavePath): RS-485 direction line DE1 (fieldsim:0): "
                + "line already in use: DE1 is already requested)")
        #expect(!client.isConnected)

        holder.close()
        try client.connect()
        #expect(try chip.requestedDirection(of: "DE1") == .output)
    }

    @Test func aDirectionLineMustBeAnOutput() {
        let settings = ModbusSettings(bus: "rs485-1", link: .rtu(ModbusRTUSettings(
            device: "/dev/ttyS1", rs485: .gpio(.input("DE1", chip: "gpiochip0", offset: 203)))))
        let error = expectThrows(ModbusError.self) { try ModbusClient(settings) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.detail == "RS-485 direction line DE1 must be an output")
        #expect(ModbusRS485Mode.gpio(.output("DE1", chip: "gpiochip0", offset: 203)).description == "gpio DE1 (gpiochip0:203)")
    }
}

/// The device end of a pty: reads each 8-byte read-holding-registers request, notes the DE
/// levels while it arrives, waits (up to 2 s) for the gateway's DE to drop as a half-duplex
/// transceiver would, then answers with one register.
private final class FarEnd: Sendable {
    struct Seen: Hashable, Sendable {
        var ownLine: Bool
        var otherLine: Bool
    }

    private let pty: PseudoTerminal
    private let chip: SimulatedGPIOChip
    private let ownLine: String
    private let otherLine: String
    private let register: UInt16
    private let state = Mutex<(seen: [Seen], running: Bool)>(([], true))
    private let finished = DispatchSemaphore(value: 0)

    init(pty: PseudoTerminal, chip: SimulatedGPIOChip, ownLine: String, otherLine: String, register: UInt16) {
        self.pty = pty
        self.chip = chip
        self.ownLine = ownLine
        self.otherLine = otherLine
        self.register = register
        Thread { [self] in
            serve()
            finished.signal()
        }.start()
    }

    var seen: [Seen] { state.withLock { $0.seen } }

    func stop() {
        state.withLock { $0.running = false }
        finished.wait()
    }

    private var running: Bool { state.withLock { $0.running } }

    private func serve() {
        var request: [UInt8] = []
        while running {
            guard let ready = try? FileDescriptor.poll(pty.master, for: .readable, timeout: .milliseconds(20)),
                  ready.contains(.readable), let bytes = try? pty.master.read(upTo: 64) else { continue }
            request += bytes
            guard request.count >= 8 else { continue }
            let levels = Seen(ownLine: (try? chip.level(of: ownLine)) ?? false, otherLine: (try? chip.level(of: otherLine)) ?? false)
            state.withLock { $0.seen.append(levels) }
            let deadline = ContinuousClock.now + .seconds(2)
            while (try? chip.level(of: ownLine)) == true && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.001)
            }
            var answer: [UInt8] = [request[0], 0x03, 2, UInt8(register >> 8), UInt8(register & 0xFF)]
            let crc = modbusCRC16(answer)
            answer += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
            _ = try? pty.master.writeAll(answer)
            request.removeAll()
        }
    }
}
