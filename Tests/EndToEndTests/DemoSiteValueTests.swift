import FieldCore
import FieldDevices
import FieldTestSupport
import Foundation
import Testing

@testable import FieldSim

/// The real `fieldgate run` on the demo site (lamp pole, fire water, indoor air, lift) against the
/// simulator's wire: what the gateway shows for every point is what the simulator's registers
/// and lines hold.
@Suite("fieldgate on the demo site: values", .serialized)
struct DemoSiteValueTests {
    /// Registers put on the wire raw, as the devices send them, and what the gateway must make of
    /// them: the cases gateways get wrong (word order, sign, scale, 4–20 mA loops).
    struct RawValue {
        var device: String
        var point: String
        var table: RegisterTable
        var address: Int
        var words: [UInt16]
        /// The engineering value, nil when the reading has no value.
        var expected: Double?
        var quality = "good"
        var why: String
    }

    /// A float in CDAB order (low word first), computed here rather than by the codec under test.
    static func cdab(_ x: Float) -> [UInt16] { [UInt16(x.bitPattern & 0xFFFF), UInt16(x.bitPattern >> 16)] }

    static let firstRaw = [
        RawValue(device: "main-pt", point: "pressure", table: .input, address: 0, words: [0x3333, 0x3EB3],
                 expected: 0.35,
                 why: "f32 CDAB: 0x3333 0x3EB3 is 0.35 MPa (read as ABCD it would be 4.2e-8), shown with the float's own digits"),
        RawValue(device: "env-1", point: "temperature", table: .input, address: 0, words: [UInt16(bitPattern: -123)], expected: -12.3,
                 why: "i16 × 0.1: 0xFF85 is -12.3 °C, not 6541.3"),
        RawValue(device: "env-1", point: "illuminance", table: .input, address: 7, words: [0x0001, 0x86A0], expected: 100_000,
                 why: "u32 ABCD, high word first"),
        RawValue(device: "tilt-1", point: "tilt-x", table: .input, address: 0, words: [UInt16(bitPattern: -250)], expected: -2.5,
                 why: "i16 × 0.01"),
        RawValue(device: "ai-1", point: "ch1", table: .input, address: 0, words: [12000], expected: 0.8,
                 why: "12.000 mA on a 0–1.6 MPa loop"),
        RawValue(device: "ai-1", point: "ch2", table: .input, address: 1, words: [8000], expected: 0.25,
                 why: "8.000 mA on a 0–1.0 MPa loop"),
        RawValue(device: "ai-1", point: "ch3", table: .input, address: 2, words: [20000], expected: 20,
                 why: "a channel without a loop stays in mA"),
        RawValue(device: "tank-1", point: "level", table: .input, address: 0, words: [2500], expected: 2.5, why: "u16 mm → m"),
        RawValue(device: "s8-1", point: "co2", table: .input, address: 3, words: [812], expected: 812, why: "SenseAir S8 input 0x0003"),
    ]

    static let secondRaw = [
        RawValue(device: "main-pt", point: "pressure", table: .input, address: 0, words: cdab(0.1234),
                 expected: 0.1234, why: "f32 CDAB again, another value"),
        RawValue(device: "env-1", point: "temperature", table: .input, address: 0, words: [UInt16(bitPattern: -5)], expected: -0.5,
                 why: "i16 just below zero"),
        RawValue(device: "tilt-1", point: "tilt-x", table: .input, address: 0, words: [UInt16(bitPattern: -9000)], expected: -90,
                 why: "i16 at the range's end"),
        RawValue(device: "ai-1", point: "ch1", table: .input, address: 0, words: [4000], expected: 0, why: "4 mA is the range's low end"),
        RawValue(device: "ai-1", point: "ch2", table: .input, address: 1, words: [3000], expected: nil, quality: "sensor-fault",
                 why: "3.0 mA: an open loop (NAMUR NE43, below 3.6 mA)"),
    ]

    /// The board lines of the demo site's contacts (cabinet, pump room, lift) as the test drives them.
    static let firstContacts: [String: Bool] = [
        "DI1": true, "DI2": false, "DI3": true, "DI4": false,   // cabinet: door open, dry, cable loop intact, manhole closed
        "DI5": true, "DI6": false, "DI7": false, "DI8": false,  // pump room: signal valve open, pumps stopped, no fault
        "DI9": true, "DI10": true, "DI11": false, "DI12": false, "DI13": false, // lift: in a door zone, doors closed, still, no alarm
        "DI14": false, "DI15": false, "DI16": true, "DI17": true, // empty, not on inspection, safety circuit closed, mains on
    ]

    /// A cable cut, a closed signal valve, a running jockey pump and a passenger in the lift.
    static let secondContacts = firstContacts.merging(["DI1": false, "DI3": false, "DI5": false, "DI6": true, "DI14": true]) { _, b in b }

    static func write(_ values: [RawValue], to field: SimulatedField) throws {
        for v in values {
            let bank = try #require(field.bank(v.device), "\(v.device) is not on the wire")
            try bank.setRegisters(v.table, at: v.address, v.words)
        }
    }

    static func rawMismatches(_ values: [RawValue], _ points: [String: GatewayPoint]) -> [String] {
        values.compactMap { v in
            let name = "\(v.device).\(v.point)"
            guard let p = points[name] else { return "\(name): not in the gateway's point table" }
            let valueRight = v.expected.map { x in p.value.numberValue.map { abs($0 - x) <= 1e-9 * max(1, abs(x)) } ?? false } ?? (p.value == .null)
            return valueRight && p.quality == v.quality ? nil
                : "\(name) (\(v.why)): gateway \(p.value.serialized()) \(p.quality), expected \(v.expected.map { "\($0)" } ?? "no value") \(v.quality)"
        }
    }

    static func allMismatches(_ points: [String: GatewayPoint], _ field: SimulatedField, raw: [RawValue]) -> [String] {
        let skipped = Set(raw.filter { $0.expected == nil }.map { "\($0.device).\($0.point)" })
        return rawMismatches(raw, points) + FieldValues.mismatches(points, field: field, skipping: skipped)
            + FieldValues.signalMismatches(points, field: field)
    }

    @Test("every device's points read through the gateway match the simulator, before and after they change", .timeLimit(.minutes(3)))
    func valuesMatchTheSimulator() throws {
        let rig = try EndToEndRig { field in
            try FieldValues.fill(field, variant: 0)
            try Self.write(Self.firstRaw, to: field)
            for (line, level) in Self.firstContacts { field.drive(line, level) }
        }
        let offline = rig.waitUntilOnline()
        try #require(offline.isEmpty, "not online: \(offline)\n\(rig.gateway.logTail())")
        let families = Set(rig.field.site.devices.map(\.family.rawValue))
        #expect(families.isSuperset(of: ["lamp-pole", "fire-water", "indoor-air", "elevator"]), "\(families)")

        let first = rig.waitForPoints { Self.allMismatches($0, rig.field, raw: Self.firstRaw) }
        #expect(first.isEmpty, "\(first.count) points differ:\n\(first.joined(separator: "\n"))")

        // Everything changes while the gateway runs.
        try FieldValues.fill(rig.field, variant: 1)
        try Self.write(Self.secondRaw, to: rig.field)
        for (line, level) in Self.secondContacts { rig.field.drive(line, level) }
        let second = rig.waitForPoints { Self.allMismatches($0, rig.field, raw: Self.secondRaw) }
        #expect(second.isEmpty, "\(second.count) points differ after the change:\n\(second.joined(separator: "\n"))")

        // `fieldgate points --json` prints the same table the local API serves.
        var cli: [String] = ["not run"]
        _ = Waiting.until(timeout: .seconds(10), interval: .milliseconds(300)) { () -> Bool? in
            guard let points = try? Self.pointsFromTheCommandLine(stateDirectory: rig.gateway.stateDirectory) else { return nil }
            cli = Self.allMismatches(points, rig.field, raw: Self.secondRaw)
            return cli.isEmpty ? true : nil
        }
        #expect(cli.isEmpty, "fieldgate points --json:\n\(cli.joined(separator: "\n"))")
    }

    /// `fieldgate points --json --state-dir DIR`, parsed.
    static func pointsFromTheCommandLine(stateDirectory: String) throws -> [String: GatewayPoint] {
        let log = stateDirectory + "/points.json"
        let process = try ChildProcess(executable: try TestSupport.executable("fieldgate"),
                                       arguments: ["points", "--json", "--state-dir", stateDirectory], logPath: log)
        guard process.waitForExit(timeout: .seconds(20)) == 0 else { throw ChildProcessError("fieldgate points: \(process.logTail())") }
        var out: [String: GatewayPoint] = [:]
        for p in try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: log))).arrayValue ?? [] {
            guard let name = p["point"]?.stringValue else { continue }
            out[name] = GatewayPoint(value: p["value"] ?? .null, quality: p["quality"]?.stringValue ?? "none",
                                     time: p["time"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
        }
        return out
    }
}
