import Testing
import FieldCore
@testable import FieldDevices

private func u16(_ name: String, _ address: Int, _ table: RegisterTable = .holding, critical: Bool = false) -> PointSpec {
    PointSpec(name: name, table: table, address: address, type: .u16, priority: critical ? .critical : .normal)
}

private func plan(_ points: [PointSpec], _ limits: ReadLimits = ReadLimits()) -> [String] {
    ReadPlan(points: points, limits: limits).requests.map(\.description)
}

@Suite struct ReadPlanTests {
    @Test func gapsJustUnderAndOverTheLimit() {
        let points = [u16("a", 0), u16("b", 5), u16("c", 11)]
        // a ends at 1: b leaves a gap of 4 (bridged), c a gap of 5 (not).
        #expect(plan(points, ReadLimits(maxGap: 4)) == ["holding 0x0000+6", "holding 0x000B+1"])
        #expect(plan(points, ReadLimits(maxGap: 5)) == ["holding 0x0000+12"])
        #expect(plan(points, ReadLimits(maxGap: 0)) == ["holding 0x0000+1", "holding 0x0005+1", "holding 0x000B+1"])
        #expect(plan([u16("a", 0), u16("b", 1)], ReadLimits(maxGap: 0)) == ["holding 0x0000+2"])
    }

    @Test func theOneHundredTwentyFiveRegisterBoundary() {
        let full = (0..<125).map { u16("r\($0)", $0) }
        #expect(plan(full) == ["holding 0x0000+125"])
        #expect(plan(full + [u16("r125", 125)]) == ["holding 0x0000+125", "holding 0x007D+1"])
        #expect(plan(full, ReadLimits(maxRegisters: 100)) == ["holding 0x0000+100", "holding 0x0064+25"])
    }

    @Test func aThirtyTwoBitValueAtTheBlockEdgeIsNeverSplit() {
        let fits = [u16("a", 0), PointSpec(name: "f", table: .holding, address: 123, type: .f32)]
        #expect(plan(fits, ReadLimits(maxGap: 122)) == ["holding 0x0000+125"])
        let straddles = [u16("a", 0), u16("b", 122), PointSpec(name: "f", table: .holding, address: 124, type: .f32)]
        #expect(plan(straddles, ReadLimits(maxGap: 122)) == ["holding 0x0000+123", "holding 0x007C+2"])
        let wide = [u16("a", 0), PointSpec(name: "e", table: .input, address: 3, type: .u64)]
        #expect(plan(wide, ReadLimits(maxRegisters: 4)) == ["holding 0x0000+1", "input 0x0003+4"])
    }

    @Test func mixedTablesBitsAndPriorities() {
        let points = [
            PointSpec(name: "relay", table: .coil, address: 0, type: .bool, access: .readWrite),
            PointSpec(name: "lamp", table: .coil, address: 5, type: .bool, access: .readWrite),
            PointSpec(name: "door", table: .discrete, address: 100, type: .bool),
            PointSpec(name: "far", table: .discrete, address: 200, type: .bool),
            u16("dim", 0, .holding),
            PointSpec(name: "address", table: .holding, address: 1, type: .u16, access: .write),
            u16("voltage", 0, .input),
            PointSpec(name: "flags", table: .input, address: 10, type: .u16),
            PointSpec(name: "fault", table: .input, address: 10, type: .bool, bits: BitField(lowest: 2)),
            u16("leakage", 40, .input, critical: true),
        ]
        #expect(plan(points, ReadLimits(maxGap: 10, maxBitGap: 32)) == [
            "input 0x0028+1!", "coil 0x0000+6", "discrete 0x0064+1", "discrete 0x00C8+1", "holding 0x0000+1", "input 0x0000+11",
        ])
        let p = ReadPlan(points: points, limits: ReadLimits(maxGap: 10))
        #expect(p.pointIndices(ofRequest: 5) == [6, 7, 8])
        #expect(p.readablePointCount == 9)
    }

    @Test func theTwoThousandBitBoundary() {
        let coil = { (a: Int) in PointSpec(name: "c\(a)", table: .coil, address: a, type: .bool) }
        #expect(plan([coil(0), coil(1999)], ReadLimits(maxBitGap: 1998)) == ["coil 0x0000+2000"])
        #expect(plan([coil(0), coil(2000)], ReadLimits(maxBitGap: 1999)) == ["coil 0x0000+1", "coil 0x07D0+1"])
        #expect(plan([coil(0), coil(1999)], ReadLimits(maxBitGap: 1997)) == ["coil 0x0000+1", "coil 0x07CF+1"])
    }

    @Test func criticalRequestsComeFirstInTableAndAddressOrder() {
        let points = [u16("a", 0, .holding), u16("b", 50, .input, critical: true), u16("c", 50, .holding, critical: true),
                      u16("d", 0, .input)]
        #expect(plan(points, ReadLimits(maxGap: 0)) == ["holding 0x0032+1!", "input 0x0032+1!", "holding 0x0000+1", "input 0x0000+1"])
    }
}

@Suite struct ReadPlanDecodingTests {
    let t0 = Timestamp(milliseconds: 1_800_000_000_000)

    @Test func decodesEveryPointAndMarksFailedRequests() {
        let points = [
            PointSpec(name: "voltage", table: .input, address: 0, type: .u16, scale: 0.1),
            PointSpec(name: "pressure", table: .input, address: 2, type: .f32, wordOrder: .cdab),
            PointSpec(name: "relay-failure", table: .input, address: 4, type: .bool, bits: BitField(lowest: 1)),
            PointSpec(name: "dim", table: .holding, address: 0, type: .u16, access: .readWrite),
            PointSpec(name: "switch", table: .coil, address: 3, type: .bool, access: .readWrite),
            PointSpec(name: "address", table: .holding, address: 9, type: .u16, access: .write),
        ]
        let plan = ReadPlan(points: points, limits: ReadLimits(maxGap: 2))
        #expect(plan.requests.map(\.description) == ["coil 0x0003+1", "holding 0x0000+1", "input 0x0000+5"])
        var readings: [Reading?] = []
        plan.decode([.bits([true]), .registers([80]), .registers([2305, 0, 0x2000, 0x47F1, 0b10])], now: t0,
                    onlineSince: nil, into: &readings)
        #expect(readings == [.number(2305 * 0.1, at: t0), .number(123_456, at: t0), .bool(true, at: t0), .number(80, at: t0),
                             .bool(true, at: t0), nil])

        let t1 = t0 + .seconds(1)
        plan.decode([.failed, .registers([]), .registers([2300, 0, 0x2000, 0x47F1, 0])], now: t1, onlineSince: nil, into: &readings)
        #expect(readings[3] == Reading(.number(80), quality: .commError, at: t1))
        #expect(readings[4] == Reading(.bool(true), quality: .commError, at: t1))
        #expect(readings[0] == .number(230, at: t1) && readings[2] == .bool(false, at: t1))

        let t2 = t1 + .seconds(1)
        plan.decode([.bits([false])], now: t2, onlineSince: nil, into: &readings)
        #expect(readings[4] == .bool(false, at: t2))
        #expect(readings[0] == Reading(.number(230), quality: .commError, at: t2))
        #expect(readings[5] == nil)
    }

    @Test func ne43BandsGiveQuality() {
        let loop = CurrentLoop(low: 0, high: 1.6, unit: "MPa")
        let p = PointSpec(name: "p", table: .input, address: 0, type: .u16, scale: 0.001, unit: "mA", loop: loop)
        let plan = ReadPlan(points: [p])
        func read(_ microamps: UInt16, after previous: Reading?) -> Reading? {
            var readings = [previous]
            plan.decode([.registers([microamps])], now: t0, onlineSince: nil, into: &readings)
            return readings[0]
        }
        let last = Reading.number(0.8, at: t0 - .seconds(1))
        #expect(read(12_000, after: last) == .number(0.8, at: t0))
        #expect(read(3_500, after: last) == Reading(nil, quality: .sensorFault, at: t0))
        #expect(read(21_500, after: last) == Reading(nil, quality: .sensorFault, at: t0))
        #expect(read(3_700, after: last) == Reading(.number(0.8), quality: .outOfRange, at: t0))
        #expect(read(20_700, after: last) == Reading(.number(0.8), quality: .outOfRange, at: t0))
        #expect(read(20_700, after: nil) == Reading(nil, quality: .outOfRange, at: t0))
        #expect(read(3_900, after: last) == .number(0, at: t0))
        #expect(read(20_300, after: last) == .number(1.6, at: t0))
        // NE43's failure bands include their limits: a transmitter signalling failure drives
        // exactly 3.6 mA (or 21 mA). Just inside them is the ambiguous band.
        #expect(read(3_600, after: last) == Reading(nil, quality: .sensorFault, at: t0))
        #expect(read(3_601, after: last)?.quality == .outOfRange)
        #expect(read(3_800, after: last) == .number(0, at: t0))
        #expect(read(21_000, after: last) == Reading(nil, quality: .sensorFault, at: t0))
        #expect(read(20_999, after: last)?.quality == .outOfRange)
        #expect(loop.current(for: 0.8) == 12)
    }

    @Test func rangeWarmUpNaNAndStatusBits() throws {
        let s8 = try DeviceProfile.parse("""
        {"id": "co2", "family": "indoor-air", "points": [
          {"name": "meter-status", "table": "input", "address": 0, "type": "u16"},
          {"name": "co2", "table": "input", "address": 3, "type": "u16", "unit": "ppm", "range": [0, 10000], "warmUp": "2m",
           "statusFrom": {"point": "meter-status", "sensorFault": [0, 1, 2, 3, 4, 6], "outOfRange": [5]}},
          {"name": "t", "table": "input", "address": 4, "type": "f32", "range": [-40, 80]}]}
        """, source: "s8")
        let plan = ReadPlan(profile: s8)
        #expect(plan.requests.map(\.description) == ["input 0x0000+6"])
        let nan: [UInt16] = [0x7FC0, 0x0000], warm: [UInt16] = [0x41B4, 0x0000], hot: [UInt16] = [0x42C8, 0x0000]
        func read(status: UInt16, co2: UInt16, t: [UInt16], online: Timestamp? = nil) -> [Quality?] {
            var readings: [Reading?] = []
            plan.decode([.registers([status, 0, 0, co2] + t)], now: t0, onlineSince: online, into: &readings)
            return readings.map { $0?.quality }
        }
        #expect(read(status: 0, co2: 650, t: warm) == [.good, .good, .good])
        #expect(read(status: 0x0001, co2: 650, t: warm) == [.good, .sensorFault, .good])
        #expect(read(status: 0x0020, co2: 650, t: hot) == [.good, .outOfRange, .outOfRange])
        #expect(read(status: 0x0080, co2: 12_000, t: nan) == [.good, .outOfRange, .sensorFault])
        #expect(read(status: 0x0001, co2: 650, t: warm, online: t0 - .seconds(30)) == [.good, .warmingUp, .good])
        #expect(read(status: 0, co2: 650, t: warm, online: t0 - .seconds(120)) == [.good, .good, .good])
    }

    /// Short, long, mistyped and missing answers never crash the decoder: a request answered in
    /// full gives no comm-error, one not answered (or with the other table kind) gives only comm-errors.
    @Test func malformedAnswersAreCommErrorsNotCrashes() {
        var rng = SystemRandomNumberGenerator()
        for profile in BuiltinProfiles.all where profile.usesModbus {
            let plan = ReadPlan(profile: profile)
            for _ in 0..<50 {
                let answers: [ReadResponse] = plan.requests.map { request in
                    let n = Int.random(in: 0...(request.count + 2), using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: return .registers((0..<n).map { _ in UInt16.random(in: 0...UInt16.max, using: &rng) })
                    case 1: return .bits((0..<n).map { _ in Bool.random(using: &rng) })
                    default: return .failed
                    }
                }
                let given = Array(answers.prefix(Int.random(in: 0...answers.count, using: &rng)))
                var readings: [Reading?] = []
                plan.decode(given, now: t0, onlineSince: nil, into: &readings)
                #expect(readings.count == plan.points.count)
                for (r, request) in plan.requests.enumerated() {
                    let qualities = plan.pointIndices(ofRequest: r).map { readings[$0]?.quality }
                    switch r < given.count ? given[r] : .failed {
                    case .registers(let regs) where !request.table.isBitTable && regs.count >= request.count:
                        #expect(!qualities.contains(.commError), "\(profile.id) \(request)")
                    case .bits(let bits) where request.table.isBitTable && bits.count >= request.count:
                        #expect(!qualities.contains(.commError), "\(profile.id) \(request)")
                    case .registers(let regs) where !request.table.isBitTable && !regs.isEmpty:
                        continue
                    default:
                        #expect(qualities.allSatisfy { $0 == .commError }, "\(profile.id) \(request)")
                    }
                }
            }
        }
    }

    @Test func changesRespectTheDeadband() {
        let p = PointSpec(name: "p", table: .input, address: 0, type: .u16, deadband: 0.5)
        let old = Reading.number(10, at: t0)
        #expect(!p.isChange(from: old, to: .number(10.5, at: t0)))
        #expect(p.isChange(from: old, to: .number(10.6, at: t0)))
        #expect(p.isChange(from: old, to: Reading(.number(10), quality: .commError, at: t0)))
        #expect(p.isChange(from: nil, to: old))
        #expect(p.isChange(from: .bool(true, at: t0), to: .bool(false, at: t0)))
    }
}
