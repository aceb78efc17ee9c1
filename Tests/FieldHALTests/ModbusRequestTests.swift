import FieldHAL
import Testing

/// The protocol limits every transport checks before sending.
@Suite struct ModbusRequestTests {
    func kind(_ r: ModbusRequest, units: ClosedRange<UInt8> = ModbusLimits.serialUnits) -> ModbusError.Kind? {
        do {
            try r.check(bus: "rs485-1", units: units)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test(arguments: [
        (ModbusFunction.readCoils, 2000), (.readDiscreteInputs, 2000), (.readHoldingRegisters, 125),
        (.readInputRegisters, 125), (.writeMultipleCoils, 1968), (.writeMultipleRegisters, 123),
        (.writeSingleCoil, 1), (.writeSingleRegister, 1), (.writeAndReadRegisters, 125),
    ])
    func limitPerFunction(function: ModbusFunction, limit: Int) {
        let write: (UInt16?, Int?) = function == .writeAndReadRegisters ? (0, 1) : (nil, nil)
        #expect(kind(ModbusRequest(function, unit: 1, address: 0, count: limit, writeAddress: write.0, writeCount: write.1)) == nil)
        #expect(kind(ModbusRequest(function, unit: 1, address: 0, count: limit + 1, writeAddress: write.0, writeCount: write.1))
                == .overLimit)
        #expect(kind(ModbusRequest(function, unit: 1, address: 0, count: 0, writeAddress: write.0, writeCount: write.1))
                == .invalidArgument)
    }

    @Test func writeAndReadWritesAtMost121() {
        #expect(kind(ModbusRequest(.writeAndReadRegisters, unit: 1, address: 0, count: 1, writeAddress: 0, writeCount: 121)) == nil)
        #expect(kind(ModbusRequest(.writeAndReadRegisters, unit: 1, address: 0, count: 1, writeAddress: 0, writeCount: 122))
                == .overLimit)
        #expect(kind(ModbusRequest(.writeAndReadRegisters, unit: 1, address: 0, count: 1, writeAddress: 65535, writeCount: 2))
                == .invalidArgument)
    }

    @Test func rangeEndsAtAddress65535() {
        #expect(kind(ModbusRequest(.readHoldingRegisters, unit: 1, address: 65411, count: 125)) == nil)
        #expect(kind(ModbusRequest(.readHoldingRegisters, unit: 1, address: 65412, count: 125)) == .invalidArgument)
        #expect(kind(ModbusRequest(.writeSingleCoil, unit: 1, address: 65535, count: 1)) == nil)
    }

    @Test func unitAddresses() {
        #expect(kind(ModbusRequest(.readCoils, unit: 247, address: 0, count: 1)) == nil)
        #expect(kind(ModbusRequest(.readCoils, unit: 248, address: 0, count: 1)) == .invalidArgument)
        #expect(kind(ModbusRequest(.readCoils, unit: 255, address: 0, count: 1), units: ModbusLimits.tcpUnits) == nil)
        #expect(kind(ModbusRequest(.readCoils, unit: 0, address: 0, count: 1)) == .invalidArgument)
        // On TCP unit 0 is the device itself (no routing), not a broadcast: it is read like any other.
        #expect(kind(ModbusRequest(.readCoils, unit: 0, address: 0, count: 1), units: ModbusLimits.tcpUnits) == nil)
        #expect(kind(ModbusRequest(.readCoils, unit: 250, address: 0, count: 1), units: ModbusLimits.tcpUnits) == .invalidArgument)
        #expect(kind(ModbusRequest(.writeAndReadRegisters, unit: 0, address: 0, count: 1, writeAddress: 0, writeCount: 1))
                == .invalidArgument)
        #expect(kind(ModbusRequest(.writeMultipleRegisters, unit: 0, address: 0, count: 2)) == nil)
        #expect(ModbusRequest(.writeSingleRegister, unit: 0, address: 0, count: 1).isBroadcast)
        #expect(!ModbusRequest(.writeSingleRegister, unit: 1, address: 0, count: 1).isBroadcast)
    }

    @Test func overLimitSaysWhatTheLimitIs() throws {
        let error = expectThrows(ModbusError.self) {
            try ModbusRequest(.readHoldingRegisters, unit: 3, address: 100, count: 126).check(bus: "rs485-1", units: ModbusLimits.serialUnits)
        }
        #expect(error?.description == "rs485-1 unit 3 read holding registers 100+126: over protocol limit (126 registers asked, at most 125 per read)")
    }

    @Test func tablesAndFunctions() {
        #expect(RegisterTable.allCases.map(\.modbusReadFunction.rawValue) == [0x01, 0x02, 0x03, 0x04])
        #expect(RegisterTable.allCases.map(\.readFunction) == [0x01, 0x02, 0x03, 0x04])
        #expect(RegisterTable.allCases.filter(\.isBitTable) == [.coil, .discrete])
        #expect(RegisterTable.allCases.filter(\.isWritable) == [.coil, .holding])
        #expect(RegisterTable.allCases.map(\.protocolReadLimit) == [2000, 2000, 125, 125])
        #expect(RegisterTable(rawValue: "holding") == .holding)
        #expect(ModbusFunction.allCases.map(\.rawValue) == [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0F, 0x10, 0x17])
        #expect(ModbusFunction.allCases.filter(\.writes).map(\.rawValue) == [0x05, 0x06, 0x0F, 0x10, 0x17])
        #expect(ModbusFunction.allCases.filter(\.reads).map(\.rawValue) == [0x01, 0x02, 0x03, 0x04, 0x17])
        #expect(ModbusFunction.writeMultipleCoils.description == "0x0F write multiple coils")
        #expect(ModbusExceptionCode.gatewayPathUnavailable.description == "exception 0x0A gateway path unavailable")
        #expect(ModbusExceptionCode(rawValue: 0x42).name == "undefined exception")
    }
}
