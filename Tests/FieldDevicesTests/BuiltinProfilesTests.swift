import Testing
import FieldCore
@testable import FieldDevices

/// The contract of docs/architecture.md ("Built-in profiles and their point names").
private struct Contract {
    var id: String
    var family: DeviceFamily
    var app: String?
    /// Point name → unit ("" for none, "bool" for a state).
    var points: [String: String]
    var signals: [String: SignalSpec.Direction]
}

private let liftSignals: [String: SignalSpec.Direction] = [
    "door-zone": .input, "doors-closed": .input, "up": .input, "down": .input, "alarm-button": .input, "occupancy": .input,
    "inspection": .input, "safety-circuit": .input, "mains": .input,
]

private let contracts: [Contract] = [
    Contract(id: "fg-slc", family: .lampPole, app: "lamp-head", points: [
        "switch": "bool", "dim": "%", "default-dim": "%", "fallback-timeout": "s", "voltage": "V", "current": "A", "power": "W",
        "power-factor": "", "energy": "Wh", "burning-hours": "h", "driver-temperature": "°C", "leakage-current": "mA",
        "fault-flags": "", "relay-failure": "bool", "driver-failure": "bool",
    ], signals: [:]),
    Contract(id: "fg-lamp-relay", family: .lampPole, app: "lamp-head", points: [:], signals: ["relay": .output]),
    Contract(id: "fg-pole-env", family: .lampPole, app: "environment", points: [
        "temperature": "°C", "humidity": "%RH", "pm25": "µg/m³", "pm10": "µg/m³", "noise": "dB(A)", "wind-speed": "m/s",
        "wind-direction": "°", "illuminance": "lx",
    ], signals: [:]),
    Contract(id: "fg-tilt", family: .lampPole, app: "tilt", points: ["tilt-x": "°", "tilt-y": "°", "tilt": "°"], signals: [:]),
    Contract(id: "fg-pole-cabinet", family: .lampPole, app: "pole-cabinet", points: [:],
             signals: ["door": .input, "water": .input, "cable-loop": .input, "manhole": .input]),
    Contract(id: "fg-pressure-tx", family: .fireWater, app: "pressure", points: [
        "pressure": "MPa", "sensor-fault": "bool", "address": "", "baud-code": "", "zero": "",
    ], signals: [:]),
    Contract(id: "fg-ai4", family: .fireWater, app: "pressure", points: ["ch1": "mA", "ch2": "mA", "ch3": "mA", "ch4": "mA"], signals: [:]),
    Contract(id: "fg-level", family: .fireWater, app: "tank-level", points: ["level": "m", "sensor-fault": "bool"], signals: [:]),
    Contract(id: "fg-pump-room", family: .fireWater, app: "pump-room", points: [:],
             signals: ["valve-open": .input, "jockey-run": .input, "fire-pump-run": .input, "fire-pump-fault": .input]),
    Contract(id: "fg-air-terminal", family: .indoorAir, app: "air-terminal", points: [
        "pm25": "µg/m³", "pm10": "µg/m³", "hcho": "mg/m³", "co2": "ppm", "tvoc": "mg/m³", "temperature": "°C", "humidity": "%RH",
        "status": "",
    ], signals: ["led-green": .output, "led-yellow": .output, "led-red": .output, "buzzer": .output, "fan": .output]),
    Contract(id: "senseair-s8", family: .indoorAir, app: nil, points: [
        "meter-status": "", "co2": "ppm", "special-command": "", "abc-period": "h",
    ], signals: [:]),
    Contract(id: "fg-pm-tx", family: .indoorAir, app: nil, points: ["pm25": "µg/m³", "pm10": "µg/m³"], signals: [:]),
    Contract(id: "fg-th-tx", family: .indoorAir, app: nil, points: ["temperature": "°C", "humidity": "%RH"], signals: [:]),
    Contract(id: "fg-lift", family: .elevator, app: "lift", points: [:], signals: liftSignals),
    Contract(id: "fg-lift-ctl", family: .elevator, app: "lift", points: ["floor": "", "status": "", "speed": "m/s", "fault-code": ""],
             signals: liftSignals),
    Contract(id: "fg-efd", family: .electricalFire, app: "electrical-fire", points: [
        "residual-current": "mA", "t1": "°C", "t2": "°C", "t3": "°C", "t4": "°C", "voltage-a": "V", "voltage-b": "V", "voltage-c": "V",
        "current-a": "A", "current-b": "A", "current-c": "A", "power": "W", "power-factor": "", "alarm-flags": "", "leakage-alarm": "bool",
        "fault-flags": "", "leakage-alarm-setting": "mA", "t1-alarm-setting": "°C", "t2-alarm-setting": "°C", "t3-alarm-setting": "°C",
        "t4-alarm-setting": "°C", "control": "",
    ], signals: [:]),
]

@Suite struct BuiltinProfilesTests {
    /// Review of issue 19: writing a point needs the highest role among the profile's commands
    /// that write it, so the detector's own alarm settings and the transmitter's address and baud
    /// code are the admin's, as the commands that set them are; a bit of another register, or a
    /// point only technician commands write, stays the technician's.
    @Test func pointsBehindAdminCommandsNeedTheAdminToWrite() throws {
        func role(_ profile: String, _ point: String) -> ConsoleUser.Role? {
            guard let p = BuiltinProfiles[profile], let spec = p.point(point) else { return nil }
            return CommandSpec.writeRole(of: spec, among: p.commands).role
        }
        #expect(role("fg-pressure-tx", "address") == .admin)
        #expect(role("fg-pressure-tx", "baud-code") == .admin)
        #expect(role("fg-pressure-tx", "zero") == .technician)
        #expect(role("fg-efd", "leakage-alarm-setting") == .admin)
        for n in 1...4 { #expect(role("fg-efd", "t\(n)-alarm-setting") == .admin, "t\(n)") }
        #expect(role("fg-efd", "control") == .technician, "self-test, silence and reset write it")
        #expect(BuiltinProfiles["fg-efd"]?.point("control").map { CommandSpec.writeRole(of: $0, among: BuiltinProfiles["fg-efd"]!.commands).command } == .some(nil))

        let holding = PointSpec(name: "word", table: .holding, address: 10, type: .u32)
        #expect(holding.sharesStorage(with: PointSpec(name: "hi", table: .holding, address: 11, type: .u16)), "u32 at 10 spans 11")
        #expect(!holding.sharesStorage(with: PointSpec(name: "next", table: .holding, address: 12, type: .u16)))
        #expect(!holding.sharesStorage(with: PointSpec(name: "coil", table: .coil, address: 10, type: .bool)), "another table")
        let bit0 = PointSpec(name: "b0", table: .holding, address: 5, type: .u16, bits: BitField(lowest: 0))
        #expect(!bit0.sharesStorage(with: PointSpec(name: "b1", table: .holding, address: 5, type: .u16, bits: BitField(lowest: 1))))
        #expect(bit0.sharesStorage(with: PointSpec(name: "all", table: .holding, address: 5, type: .u16)))
    }

    @Test func everyBuiltinReadsWithoutIssues() throws {
        let profiles = try BuiltinProfiles.load()
        #expect(profiles.count == BuiltinProfiles.sources.count)
        #expect(Set(profiles.map(\.id)).count == profiles.count)
        #expect(BuiltinProfiles.all == profiles)
    }

    @Test(arguments: contracts.map(\.id))
    func matchesTheArchitectureContract(id: String) throws {
        let c = try #require(contracts.first { $0.id == id })
        let p = try #require(BuiltinProfiles[id])
        #expect(p.family == c.family && p.app == c.app)
        #expect(Set(p.points.map(\.name)) == Set(c.points.keys))
        for point in p.points {
            let unit = c.points[point.name]
            #expect((point.type == .bool ? "bool" : point.engineeringUnit) == unit, "\(id).\(point.name)")
        }
        #expect(Dictionary(uniqueKeysWithValues: p.signals.map { ($0.name, $0.direction) }) == c.signals)
    }

    /// The requests of one poll cycle of each built-in Modbus profile (docs/register-maps.md quotes them).
    @Test func everyBuiltinPollsInTheseRequests() {
        let expected: [String: [String]] = [
            "fg-slc": ["input 0x0000+11!", "coil 0x0000+1", "holding 0x0000+3"],
            "fg-pole-env": ["input 0x0000+9"],
            "fg-tilt": ["input 0x0000+3!"],
            "fg-pressure-tx": ["input 0x0000+3!", "holding 0x0000+3"],
            "fg-ai4": ["input 0x0000+4"],
            "fg-level": ["input 0x0000+2"],
            "fg-air-terminal": ["input 0x0000+8"],
            "senseair-s8": ["holding 0x0001+1", "holding 0x001F+1", "input 0x0000+4"],
            "fg-pm-tx": ["holding 0x0000+2"],
            "fg-th-tx": ["holding 0x0000+2"],
            "fg-lift-ctl": ["holding 0x0000+4"],
            "fg-efd": ["input 0x0000+16!", "holding 0x0010+5"],
        ]
        let modbus = BuiltinProfiles.all.filter(\.usesModbus)
        #expect(Set(modbus.map(\.id)) == Set(expected.keys))
        for p in modbus {
            #expect(ReadPlan(profile: p).requests.map(\.description) == expected[p.id], "\(p.id)")
        }
    }

    @Test func theBuiltinsCoverTheContractAndNothingElse() {
        #expect(BuiltinProfiles.all.map(\.id) == contracts.map(\.id))
        #expect(BuiltinProfiles["nope"] == nil)
        #expect(BuiltinProfiles.byID.count == contracts.count && BuiltinProfiles.byID["fg-slc"] == BuiltinProfiles.all[0])
    }

    @Test func pressureTransmitterUsesCDABAndItsCommandsEncodeInThatOrder() throws {
        let p = try #require(BuiltinProfiles["fg-pressure-tx"])
        let pressure = try #require(p.point("pressure"))
        #expect(pressure.type == .f32 && pressure.wordOrder == .cdab && pressure.priority == .critical)
        let plan = ReadPlan(profile: p)
        #expect(plan.requests.map(\.description) == ["input 0x0000+3!", "holding 0x0000+3"])
        var readings: [Reading?] = []
        let t = Timestamp(milliseconds: 1_000)
        // 0.35 MPa as f32 is 0x3EB33333; CDAB puts the low word first.
        plan.decode([.registers([0x3333, 0x3EB3, 0]), .registers([1, 2, 0])], now: t, onlineSince: nil, into: &readings)
        #expect(readings[0]?.value == .number(0.35) && readings[0]?.quality == .good, "the float's own digits")
        plan.decode([.registers([0x3333, 0x3EB3, 1]), .registers([1, 2, 0])], now: t, onlineSince: nil, into: &readings)
        #expect(readings[0]?.quality == .sensorFault && readings[1]?.value == .bool(true))

        let setBaud = try #require(p.command("set-baud"))
        #expect(try setBaud.writes(arguments: ["baud": 19200]) == [PointWrite(point: "baud-code", table: .holding, address: 1, value: .registers([3]))])
        #expect(throws: CommandSpecError.badArgument(parameter: "baud", "14400 is not one of 2400, 4800, 9600, 19200, 38400, 57600, 115200")) {
            try setBaud.writes(arguments: ["baud": 14400])
        }
        let setAddress = try #require(p.command("set-address"))
        #expect(throws: CommandSpecError.badArgument(parameter: "address", "248 is out of range (expected 1…247)")) {
            try setAddress.writes(arguments: ["address": 248])
        }
        #expect(throws: CommandSpecError.missingArgument(parameter: "address")) { try setAddress.writes(arguments: [:]) }
        #expect(throws: CommandSpecError.unknownArgument("adress")) { try setAddress.writes(arguments: ["adress": 5, "address": 5]) }
        #expect(try p.command("zero")?.writes(arguments: [:]) == [PointWrite(point: "zero", table: .holding, address: 2, value: .registers([1]))])
    }

    @Test func senseairS8UsesItsRealMap() throws {
        let s8 = try #require(BuiltinProfiles["senseair-s8"])
        #expect(s8.modbus.unit == 0x68 && s8.modbus.baud == 9600)
        #expect(s8.point("meter-status")?.table == .input && s8.point("meter-status")?.address == 0x0000)
        #expect(s8.point("co2")?.table == .input && s8.point("co2")?.address == 0x0003)
        #expect(s8.point("special-command")?.table == .holding && s8.point("special-command")?.address == 0x0001)
        #expect(s8.point("abc-period")?.table == .holding && s8.point("abc-period")?.address == 0x001F)
        #expect(ReadPlan(profile: s8).requests.map(\.description) == ["holding 0x0001+1", "holding 0x001F+1", "input 0x0000+4"])
        let calibrate = try #require(s8.command("background-calibration"))
        #expect(try calibrate.writes(arguments: [:]) == [
            PointWrite(point: "holding@0", table: .holding, address: 0, value: .registers([0])),
            PointWrite(point: "special-command", table: .holding, address: 1, value: .registers([0x7C06])),
        ])
        #expect(try s8.command("zero-calibration")?.writes(arguments: [:]).last?.value == .registers([0x7C07]))
        #expect(try s8.command("set-abc-period")?.writes(arguments: ["hours": 180]) == [
            PointWrite(point: "abc-period", table: .holding, address: 31, value: .registers([180])),
        ])
    }

    @Test func aSiteGivesAnAnalogChannelItsLoopRange() throws {
        let ai = try #require(BuiltinProfiles["fg-ai4"])
        let r = JSONReader()
        let o = try #require(r.object(try JSONValue.parse(#"{"ch1": {"loop": {"range": [0, 1.6], "unit": "MPa"}, "priority": "critical"}}"#)))
        let site = try #require(ai.overriding(o))
        let plan = ReadPlan(profile: site)
        #expect(plan.requests.map(\.description) == ["input 0x0000+4!"])
        var readings: [Reading?] = []
        plan.decode([.registers([12_000, 2_000, 4_000, 20_000])], now: .epoch, onlineSince: nil, into: &readings)
        #expect(readings[0] == .number(0.8, at: .epoch))
        #expect(readings[1] == .number(2, at: .epoch))
        #expect(site.point("ch1")?.engineeringUnit == "MPa")
    }
}
