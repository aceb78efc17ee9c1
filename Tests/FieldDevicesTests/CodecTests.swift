import Testing
import CModbus
import FieldCore
@testable import FieldDevices

private func point(_ type: ValueType, _ order: WordOrder = .abcd, table: RegisterTable = .holding, scale: Double = 1,
                   offset: Double = 0, bits: BitField? = nil, access: PointAccess = .readWrite,
                   range: ClosedRange<Double>? = nil) -> PointSpec {
    PointSpec(name: "p", table: table, address: 10, type: type, bits: bits, wordOrder: order, scale: scale, offset: offset,
              access: access, range: range)
}

private func registers(_ e: EncodedValue) -> [UInt16]? {
    if case .registers(let r) = e { return r }
    return nil
}

@Suite struct CodecTests {
    /// One float (123456.0 = 0x47F12000) stored in all four word orders.
    @Test(arguments: [
        (WordOrder.abcd, [UInt16(0x47F1), 0x2000]),
        (.cdab, [0x2000, 0x47F1]),
        (.badc, [0xF147, 0x0020]),
        (.dcba, [0x0020, 0xF147]),
    ])
    func oneFloatInAllFourOrders(order: WordOrder, wire: [UInt16]) throws {
        let p = point(.f32, order)
        #expect(try p.decode(registers: wire) == .number(123_456))
        #expect(registers(try p.encode(.number(123_456))) == wire)
    }

    /// Our f32 decoding agrees with libmodbus's modbus_get_float_abcd/cdab/badc/dcba for the
    /// same two registers. (libmodbus 3.1.6's modbus_set_float_* do not round-trip with its own
    /// getters, so the encoder is checked against the known vectors above instead.)
    @Test func f32AgreesWithLibmodbus() throws {
        let samples: [[UInt16]] = [[0x47F1, 0x2000], [0x4049, 0x0FDB], [0xC2F6, 0xE979], [0x1122, 0x3344], [0x0000, 0x0001],
                                   [0x7F7F, 0xFFFF], [0x8000, 0x0000], [0x3F80, 0x0000]]
        for regs in samples {
            var c = regs
            let expected: [(WordOrder, Float)] = [(.abcd, modbus_get_float_abcd(&c)), (.cdab, modbus_get_float_cdab(&c)),
                                                  (.badc, modbus_get_float_badc(&c)), (.dcba, modbus_get_float_dcba(&c))]
            for (order, f) in expected {
                let decoded = try point(.f32, order).decode(registers: regs).number.map { Float($0) }
                #expect(f.isNaN ? decoded?.isNaN == true : decoded == f, "\(regs) \(order)")
                if f.isFinite {
                    #expect(registers(try point(.f32, order).encode(.number(Double(f)))) == regs, "\(regs) \(order)")
                }
            }
        }
    }

    /// The 64-bit generalisation: ABCDEFGH = 0x0102030405060708.
    @Test(arguments: [
        (WordOrder.abcd, [UInt16(0x0102), 0x0304, 0x0506, 0x0708]),
        (.cdab, [0x0708, 0x0506, 0x0304, 0x0102]),
        (.badc, [0x0201, 0x0403, 0x0605, 0x0807]),
        (.dcba, [0x0807, 0x0605, 0x0403, 0x0201]),
    ])
    func sixtyFourBitLayouts(order: WordOrder, wire: [UInt16]) {
        #expect(RegisterCodec.pattern(wire, at: 0, count: 4, order: order) == 0x0102_0304_0506_0708)
        #expect(RegisterCodec.registers(0x0102_0304_0506_0708, count: 4, order: order) == wire)
    }

    static let samples: [(ValueType, [Double])] = [
        (.u16, [0, 1, 0x1234, 65535]),
        (.i16, [-32768, -1, 0, 12345, 32767]),
        (.u32, [0, 0x1234_5678, 4_294_967_295]),
        (.i32, [-2_147_483_648, -1, 123_456_789, 2_147_483_647]),
        (.f32, [0, 1.5, -123.25, Double(Float.greatestFiniteMagnitude), Double(Float.leastNonzeroMagnitude)]),
        (.u64, [0, 9_007_199_254_740_992, 1_152_921_504_606_846_976, 18_446_744_073_709_549_568]),
        (.i64, [-9_223_372_036_854_775_808, -1, 4_611_686_018_427_387_904]),
        (.f64, [0, Double.pi, -1e300, Double.leastNonzeroMagnitude]),
    ]

    @Test(arguments: WordOrder.allCases)
    func everyTypeRoundTripsInEveryOrder(order: WordOrder) throws {
        for (type, values) in Self.samples {
            let p = point(type, order)
            for v in values {
                let wire = try #require(registers(try p.encode(.number(v))))
                #expect(wire.count == type.registerCount)
                if type == .f32 {
                    // Decoded as the float's shortest decimal: the same float, not the same double.
                    #expect(try p.decode(registers: wire).number.map { Float($0) } == Float(v), "\(type) \(order) \(v)")
                } else {
                    #expect(try p.decode(registers: wire) == .number(v), "\(type) \(order) \(v)")
                }
            }
        }
    }

    /// Values as the device meant them: a scaled integer at its resolution, a float with its own
    /// digits, a `decimals` setting obeyed — the platform never sees 229.10000000000002.
    @Test func valuesAreRoundedToThePointsResolution() throws {
        #expect(try point(.u16, scale: 0.1).decode(registers: [2291]) == .number(229.1))
        #expect(try point(.u32, scale: 0.01).decode(registers: [0x075B, 0xCD15]) == .number(1_234_567.89))
        #expect(try point(.i16, scale: 0.001).decode(registers: [0xFFFB]) == .number(-0.005))
        #expect(try point(.u16, scale: 0.5, offset: -40.1).decode(registers: [3]) == .number(-38.6))
        let f = Float(49.98)
        #expect(try point(.f32).decode(registers: [UInt16(f.bitPattern >> 16), UInt16(f.bitPattern & 0xFFFF)]) == .number(49.98))
        let g = Float(0.32)
        #expect(try point(.f32, scale: 1000).decode(registers: [UInt16(g.bitPattern >> 16), UInt16(g.bitPattern & 0xFFFF)]) == .number(320))
        var two = point(.f64)
        two.decimals = 2
        let ticker = PointCodec(two)
        #expect(ticker.judge(.number(3.14159), previous: nil, now: Timestamp(milliseconds: 0), onlineSince: nil).value == .number(3.14))
        #expect(PointCodec.decimalPlaces(of: [0.025, 0]) == 3)
        #expect(PointCodec.decimalPlaces(of: [1.0 / 3]) == nil)
        #expect(withoutBinaryNoise(0.0004999999999999894) == 0.0005)
        #expect(withoutBinaryNoise(229.10000000000002) == 229.1)
        #expect(withoutBinaryNoise(1_234_567.8900000001) == 1_234_567.89)
        #expect(withoutBinaryNoise(18_446_744_073_709_549_568) == 18_446_744_073_709_549_568, "integers are left alone")
        #expect(withoutBinaryNoise(Double.pi) == 3.14159265359)
    }

    @Test func signedIntegersAndScaleAndOffset() throws {
        #expect(registers(try point(.i16).encode(.number(-1))) == [0xFFFF])
        let temperature = point(.i16, scale: 0.1)
        #expect(registers(try temperature.encode(.number(-12.3))) == [0xFF85])
        #expect(try temperature.decode(registers: [0xFF85]) == .number(-12.3))
        let voltage = point(.u16, scale: 0.1)
        #expect(try voltage.decode(registers: [2305]) == .number(230.5))
        let shifted = point(.u16, scale: 0.5, offset: -40)
        #expect(registers(try shifted.encode(.number(21.5))) == [123])
        #expect(try shifted.decode(registers: [123]) == .number(21.5))
        let energy = point(.u32, .cdab)
        #expect(registers(try energy.encode(.number(70_000))) == [0x1170, 0x0001])
    }

    @Test func valuesThatDoNotFitAreRefused() {
        let cases: [(PointSpec, PointValue, CodecError.Reason)] = [
            (point(.u16), .number(65536), .overflow(raw: 65536, limits: 0...65535)),
            (point(.u16), .number(-1), .overflow(raw: -1, limits: 0...65535)),
            (point(.i16), .number(-32769), .overflow(raw: -32769, limits: -32768...32767)),
            (point(.u16, scale: 0.1), .number(6553.6), .overflow(raw: 65536, limits: 0...65535)),
            (point(.u32), .number(-0.6), .overflow(raw: -1, limits: 0...4_294_967_295)),
            (point(.f32), .number(1e39), .overflow(raw: 1e39, limits: RegisterCodec.limits(of: .f32))),
            (point(.u64), .number(18_446_744_073_709_551_616), .overflow(raw: 18_446_744_073_709_551_616, limits: RegisterCodec.limits(of: .u64))),
            (point(.u16, bits: BitField(lowest: 4, width: 3)), .number(8), .overflow(raw: 8, limits: 0...7)),
            (point(.u16), .text("high"), .wrongKind(expected: "a number", got: .text("high"))),
            (point(.f64), .number(.infinity), .wrongKind(expected: "a number", got: .number(.infinity))),
            (point(.bool, table: .coil), .number(2), .wrongKind(expected: "true or false", got: .number(2))),
        ]
        for (p, v, reason) in cases {
            #expect(throws: CodecError(point: "p", table: p.table, address: 10, reason: reason)) { try p.encode(v) }
        }
    }

    @Test func writesCheckAccessAndRange() throws {
        #expect(throws: CodecError(point: "p", table: .holding, address: 10, reason: .readOnly)) {
            try point(.u16, access: .read).write(.number(1))
        }
        #expect(throws: CodecError(point: "p", table: .input, address: 10, reason: .readOnly)) {
            try point(.u16, table: .input).write(.number(1))
        }
        let dim = point(.u16, range: 0...100)
        #expect(throws: CodecError(point: "p", table: .holding, address: 10, reason: .outOfRange(value: 150, range: 0...100))) {
            try dim.write(.number(150))
        }
        #expect(try dim.write(.number(80)) == PointWrite(point: "p", table: .holding, address: 10, value: .registers([80])))
        let pressure = point(.f32, .cdab)
        #expect(try pressure.write(.number(123_456)).value == .registers([0x2000, 0x47F1]))
        #expect(try point(.bool, table: .coil).write(.bool(true)).value == .coil(true))
        let error = CodecError(point: "dim", table: .holding, address: 1, reason: .outOfRange(value: 150, range: 0...100))
        #expect(error.description == "dim (holding 0x0001): 150 is out of range (expected 0…100)")
    }

    @Test func bitFieldsAndBitsOfRegisters() throws {
        let flag = point(.bool, bits: BitField(lowest: 3))
        #expect(try flag.decode(registers: [0b1000]) == .bool(true))
        #expect(try flag.decode(registers: [0b0111]) == .bool(false))
        #expect(try flag.encode(.bool(true)) == .field(mask: 0b1000, bits: 0b1000))
        #expect(try flag.encode(.number(0)) == .field(mask: 0b1000, bits: 0))
        let mode = point(.u16, bits: BitField(lowest: 4, width: 3))
        #expect(try mode.decode(registers: [0xFF5F]) == .number(5))
        let e = try mode.encode(.number(2))
        #expect(e == .field(mask: 0x0070, bits: 0x0020))
        #expect(e.merged(into: 0xFFFF) == 0xFFAF)
        #expect(throws: CodecError(point: "p", table: .holding, address: 10, reason: .wrongLength(expected: 2, got: 1))) {
            try point(.u32).decode(registers: [1])
        }
    }

    @Test func aSimulatedDeviceStoresPointsInItsRegisterBlock() throws {
        let slc = try #require(BuiltinProfiles["fg-slc"])
        let span = try #require(slc.span(of: .input))
        #expect(span == 0..<11 && slc.span(of: .coil) == 0..<1 && slc.span(of: .discrete) == nil)
        var input = [UInt16](repeating: 0, count: span.count)
        try slc.point("voltage")?.store(.number(230.5), in: &input)
        try slc.point("energy")?.store(.number(70_000), in: &input)
        try slc.point("fault-flags")?.store(.number(0b1001), in: &input)
        try slc.point("relay-failure")?.store(.bool(true), in: &input)
        #expect(input == [2305, 0, 0, 0, 0x0001, 0x1170, 0, 0, 0, 0, 0b1011])
        #expect(slc.point("relay-failure")?.decode(input, at: 10) == .bool(true))
        var coils = [false]
        try slc.point("switch")?.store(true, in: &coils)
        #expect(coils == [true])
        #expect(throws: CodecError.self) { try slc.point("voltage")?.store(.number(1), in: &input, base: 5) }
    }

    /// The Modbus Application Protocol's read-coils example: coils 20–38 answer CD 6B 05.
    @Test func packedBitsFollowTheModbusLayout() {
        let bytes: [UInt8] = [0xCD, 0x6B, 0x05]
        let bits = PackedBits.bits(ofBytes: bytes, count: 19)
        #expect(bits?.prefix(8) == [true, false, true, true, false, false, true, true])
        #expect(bits.map(PackedBits.bytes) == bytes)
        #expect(PackedBits.bits(ofBytes: [0xFF], count: 9) == nil)
        let regs: [UInt16] = [0x8001, 0x0003]
        let fromRegs = PackedBits.bits(ofRegisters: regs)
        #expect(fromRegs.count == 32 && fromRegs[0] && fromRegs[15] && fromRegs[16] && fromRegs[17] && !fromRegs[18])
        #expect(PackedBits.registers(Array(fromRegs.prefix(18))) == regs)
    }
}
