import FieldHAL
import Testing

/// Settings checks and serial-line timing.
@Suite struct ModbusSettingsTests {
    func problem(_ link: ModbusLink, timeouts: ModbusTimeouts = ModbusTimeouts()) -> String? {
        do {
            try ModbusSettings(bus: "rs485-1", link: link, timeouts: timeouts).check()
            return nil
        } catch {
            #expect(error.kind == .invalidArgument)
            return error.detail
        }
    }

    @Test func serialSettings() {
        #expect(problem(.rtu(ModbusRTUSettings(device: "/dev/ttyS1"))) == nil)
        #expect(problem(.rtu(ModbusRTUSettings(device: "/dev/ttyS1", baud: 14400)))?.hasPrefix("baud rate 14400 not supported") == true)
        #expect(problem(.rtu(ModbusRTUSettings(device: "/dev/ttyS1", dataBits: 7)))?.contains("Modbus RTU needs 8") == true)
        #expect(problem(.rtu(ModbusRTUSettings(device: "/dev/ttyS1", stopBits: 3))) == "3 stop bits: use 1 or 2")
        #expect(problem(.rtu(ModbusRTUSettings(device: ""))) == "serial device is empty")
        #expect(problem(.rtu(ModbusRTUSettings(device: "/dev/ttyS1", rs485: .rts(.down, delay: .seconds(2)))))
                == "RTS delay 2.0 seconds must be 0 to 1 s")
    }

    @Test func tcpSettingsAndTimeouts() {
        #expect(problem(.tcp(ModbusTCPSettings(host: "10.0.0.5"))) == nil)
        #expect(problem(.tcp(ModbusTCPSettings(host: "10.0.0.5", port: 70000))) == "tcp port 70000 outside 1–65535")
        #expect(problem(.tcp(ModbusTCPSettings(host: ""))) == "tcp host is empty")
        #expect(problem(.tcp(ModbusTCPSettings(host: "h")), timeouts: ModbusTimeouts(response: .zero)) != nil)
        #expect(problem(.tcp(ModbusTCPSettings(host: "h")), timeouts: ModbusTimeouts(byte: .milliseconds(-1))) != nil)
        #expect(problem(.tcp(ModbusTCPSettings(host: "h")), timeouts: ModbusTimeouts(byte: nil)) == nil)
    }

    @Test func clientRefusesBadSettingsUpFront() {
        let error = expectThrows(ModbusError.self) {
            try ModbusClient(ModbusSettings(bus: "rs485-2", link: .rtu(ModbusRTUSettings(device: "/dev/ttyS2", baud: 0))))
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.bus == "rs485-2")
    }

    @Test func descriptions() {
        #expect(ModbusLink.rtu(ModbusRTUSettings(device: "/dev/ttyS1", baud: 19200, parity: .even)).description
                == "rtu /dev/ttyS1 19200 8E1")
        #expect(ModbusLink.tcp(ModbusTCPSettings(host: "fd00::5")).description == "tcp [fd00::5]:502")
        #expect(ModbusRS485Mode.rts(.up).description == "rts-up")
    }

    @Test func characterAndFrameTiming() {
        let n81 = ModbusRTUSettings(device: "/dev/ttyS1", baud: 9600)
        #expect(n81.bitsPerCharacter == 10)
        #expect(n81.characterTime == .nanoseconds(1_041_666))
        let e81 = ModbusRTUSettings(device: "/dev/ttyS1", baud: 9600, parity: .even)
        #expect(e81.bitsPerCharacter == 11)
        // The serial line guide's example: t3.5 ≈ 4.01 ms at 9600 baud with 11-bit characters.
        #expect(abs((e81.frameGap - .microseconds(4010)).inMicroseconds) < 5)
        #expect(abs((e81.interCharacterLimit - .microseconds(1719)).inMicroseconds) < 5)
        let fast = ModbusRTUSettings(device: "/dev/ttyS1", baud: 115200)
        #expect(fast.frameGap == .microseconds(1750))
        #expect(fast.interCharacterLimit == .microseconds(750))
        // A 10-register read at 9600 8N1: 33 characters and two gaps, plus the device's turnaround.
        let read = n81.readTime(registers: 10, turnaround: .milliseconds(5))
        // Named parts: Swift 6.0's type checker gives up on the expression written in one piece.
        let characters: Duration = .nanoseconds(1_041_666) * 33
        let expected: Duration = characters + n81.frameGap * 2 + .milliseconds(5)
        #expect(abs((read - expected).inMicroseconds) < 1)
    }

    @Test func errorDescriptionReadsLikeATechnicianWouldSayIt() {
        let e = ModbusError(.timeout, bus: "rs485-1", unit: 3, function: .readHoldingRegisters, address: 100, count: 10,
                            errno: 110, call: "modbus_read_registers", detail: "no answer within 500 ms")
        #expect(e.description == "rs485-1 unit 3 read holding registers 100+10: timeout (no answer within 500 ms)")
        #expect(ModbusError(.connectionLost, bus: "plc").description == "plc: connection lost")
    }
}

extension Duration {
    fileprivate var inMicroseconds: Int64 {
        let c = components
        return c.seconds * 1_000_000 + c.attoseconds / 1_000_000_000_000
    }
}
