import FieldCore
import FieldHAL
import Testing

/// The one place frames are kept apart, and the limits every Modbus check uses.
@Suite struct FramePacingTests {
    @Test func gapComesFromTheLinkUnlessConfigured() {
        let rtu = ModbusRTUSettings(device: "/dev/ttyS1", baud: 9600)
        let tcp = ModbusTCPSettings(host: "127.0.0.1", port: 502)
        #expect(FramePacing(ModbusSettings(bus: "a", link: .rtu(rtu))).gap == UInt64(rtu.frameGap.nanoseconds))
        #expect(FramePacing(ModbusSettings(bus: "a", link: .tcp(tcp))).gap == 0)
        #expect(FramePacing(ModbusSettings(bus: "a", link: .tcp(tcp), interFrameDelay: .milliseconds(20))).gap == 20_000_000)
        #expect(FramePacing(ModbusSettings(bus: "a", link: .rtu(rtu), interFrameDelay: .zero)).gap == 0)
    }

    @Test func nextFrameWaitsForTheGapOrTheBroadcastTurnaround() {
        let clock = ManualMonotonicClock(start: 1_000_000_000)
        var pacing = FramePacing(gap: .milliseconds(4), broadcastTurnaround: .milliseconds(100))
        pacing.waitForQuiet(on: clock)
        #expect(clock.nanoseconds() == 1_000_000_000, "nothing sent yet: no wait")
        pacing.transactionEnded(at: clock.nanoseconds())
        pacing.waitForQuiet(on: clock)
        #expect(clock.nanoseconds() == 1_004_000_000)
        pacing.broadcastSent(at: clock.nanoseconds(), onWire: 8_000_000)
        pacing.waitForQuiet(on: clock)
        #expect(clock.nanoseconds() == 1_112_000_000, "on the wire 8 ms, then the turnaround")
        // A gap longer than the turnaround wins after a broadcast too.
        var slow = FramePacing(gap: .milliseconds(300), broadcastTurnaround: .milliseconds(100))
        slow.broadcastSent(at: 0, onWire: 0)
        #expect(slow.quietUntil == 300_000_000)
        slow.setBroadcastTurnaround(.milliseconds(500))
        slow.broadcastSent(at: 0, onWire: 0)
        #expect(slow.quietUntil == 500_000_000)
    }

    @Test func interFrameDelayIsCheckedWithTheSettings() {
        let rtu = ModbusRTUSettings(device: "/dev/ttyS1", baud: 9600)
        let error = expectThrows(ModbusError.self) {
            try ModbusSettings(bus: "rs485-1", link: .rtu(rtu), interFrameDelay: .seconds(2)).check()
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.detail.contains("inter-frame delay") == true)
    }

    @Test func unitIDsAndAddresses() {
        #expect((0...255).filter { ModbusLimits.isDeviceUnit($0, rtu: true) } == Array(1...247))
        let tcpDevices: [Int] = Array(0...247) + [255]
        #expect((-1...256).filter { ModbusLimits.isDeviceUnit($0, rtu: false) } == tcpDevices)
        #expect((-1...256).filter { ModbusLimits.isRequestUnit($0, rtu: true) } == Array(0...247))
        #expect((-1...256).filter { ModbusLimits.isRequestUnit($0, rtu: false) } == Array(0...255))
        #expect(ModbusLimits.unitIDs(rtu: true) == ModbusLimits.serialUnits)
        #expect(ModbusLimits.fits(address: 0, count: 65536))
        #expect(ModbusLimits.fits(address: 65535, count: 1))
        #expect(!ModbusLimits.fits(address: 65535, count: 2))
        #expect(!ModbusLimits.fits(address: -1, count: 1))
        #expect(!ModbusLimits.fits(address: 0, count: 0))
        #expect(!ModbusLimits.fits(address: 10, count: Int.max))
    }
}
