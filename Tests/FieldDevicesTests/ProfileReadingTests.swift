import Testing
import FieldCore
@testable import FieldDevices

/// Reads `json` as a profile and returns it with every issue's description.
private func read(_ json: String) throws -> (DeviceProfile?, [String]) {
    let r = JSONReader()
    let o = try #require(r.object(try JSONValue.parse(json)))
    let p = DeviceProfile.read(o)
    return (p, r.issues.map(\.description))
}

@Suite struct ProfileReadingTests {
    @Test func readsEveryField() throws {
        let (profile, issues) = try read("""
        {"id": "meter-x", "family": "generic", "app": "pressure", "description": "test meter", "vendor": "ACME", "model": "X1",
         "modbus": {"unit": 5, "baud": 19200, "parity": "even", "dataBits": 8, "stopBits": 1, "maxGap": 2, "maxRegisters": 60},
         "points": [
           {"name": "status", "table": "input", "address": 0, "type": "u16"},
           {"name": "flow", "table": "input", "address": 1, "type": "f32", "wordOrder": "CDAB", "scale": 2, "offset": -1,
            "unit": "L/s", "range": [0, 100], "deadband": 0.5, "priority": "critical", "warmUp": "30s",
            "statusFrom": {"point": "status", "sensorFault": [0, 1], "outOfRange": [5], "warmingUp": [7]}},
           {"name": "loop", "table": "input", "address": 3, "type": "u16", "scale": 0.001, "unit": "mA",
            "loop": {"range": [0, 1.6], "unit": "MPa", "faultBelow": 3.5}},
           {"name": "alarm", "table": "input", "address": 0, "bit": 3},
           {"name": "mode", "table": "input", "address": 0, "bit": 8, "width": 4},
           {"name": "relay", "table": "coil", "address": 7, "access": "readwrite"},
           {"name": "address", "table": "holding", "address": 100, "type": "u16", "access": "write"}
         ],
         "signals": [
           {"name": "door", "direction": "in", "debounce": "50ms", "trueMeans": "open", "falseMeans": "closed", "priority": "critical"},
           {"name": "lamp", "direction": "out", "safe": true, "initial": false}
         ],
         "commands": [
           {"name": "set-address", "role": "admin", "description": "new unit address",
            "parameters": [{"name": "address", "range": [1, 247]}],
            "writes": [{"point": "address", "parameter": "address"}]},
           {"name": "set-baud", "parameters": [{"name": "baud", "choices": {"9600": 2, "19200": 3}}],
            "writes": [{"table": "holding", "address": 101, "parameter": "baud"}, {"table": "coil", "address": 9, "value": true}]}
         ]}
        """)
        #expect(issues == [])
        let p = try #require(profile)
        #expect(p.id == "meter-x" && p.family == .generic && p.app == "pressure" && p.vendor == "ACME" && p.model == "X1")
        #expect(p.modbus == ModbusDefaults(unit: 5, baud: 19200, parity: .even, readLimits: ReadLimits(maxRegisters: 60, maxGap: 2)))
        let flow = try #require(p.point("flow"))
        #expect(flow.type == .f32 && flow.wordOrder == .cdab && flow.scale == 2 && flow.offset == -1 && flow.range == 0...100)
        #expect(flow.priority == .critical && flow.warmUp == .seconds(30) && flow.deadband == 0.5 && flow.span == 1..<3)
        #expect(flow.statusFrom == StatusSource(point: "status", sensorFault: 0b11, outOfRange: 0b10_0000, warmingUp: 0b1000_0000))
        #expect(p.point("loop")?.loop == CurrentLoop(low: 0, high: 1.6, unit: "MPa", faultBelow: 3.5))
        #expect(p.point("loop")?.engineeringUnit == "MPa")
        #expect(p.point("alarm")?.type == .bool && p.point("alarm")?.bits == BitField(lowest: 3))
        #expect(p.point("mode")?.type == .u16 && p.point("mode")?.bits?.mask == 0x0F00)
        #expect(p.point("relay")?.type == .bool && p.point("relay")?.isWritable == true)
        #expect(p.signal("door") == SignalSpec(name: "door", direction: .input, debounce: .milliseconds(50), trueMeans: "open",
                                               falseMeans: "closed", priority: .critical))
        #expect(p.signal("lamp")?.safe == true && p.signal("lamp")?.initial == false)
        let baud = try #require(p.command("set-baud"))
        #expect(baud.parameters[0].choices == [CommandChoice(value: 9600, code: 2), CommandChoice(value: 19200, code: 3)])
        #expect(baud.writes[0].target.name == "holding@101" && !baud.writes[0].isProfilePoint)
        #expect(p.command("set-address")?.writes[0].value == .parameter("address"))
        #expect(p.command("set-address")?.role == .admin)
        #expect(baud.role == .technician, "a command without a role is the technician's")
    }

    /// Issue 19: a command's role is technician or admin; anything else is named with its path.
    @Test func aCommandsRoleIsChecked() throws {
        for (role, message) in [("viewer", #"commands[0].role: a command acts on the device: give "technician" or "admin" (viewers only look)"#),
                                ("root", #"commands[0].role: unknown value "root""#)] {
            let (profile, issues) = try read("""
            {"id": "x", "family": "generic",
             "points": [{"name": "relay", "table": "coil", "address": 7, "access": "readwrite"}],
             "commands": [{"name": "on", "role": "\(role)", "writes": [{"point": "relay", "value": true}]}]}
            """)
            #expect(profile?.commands.isEmpty != false)
            #expect(issues.contains { $0.hasPrefix(message) }, "\(issues)")
        }
    }

    @Test func reportsEveryProblemWithItsPath() throws {
        let (profile, issues) = try read("""
        {"id": "bad", "family": "lamp", "colour": "red",
         "points": [
           {"name": "a", "table": "holding", "address": 10, "type": "flaot32"},
           {"name": "b", "table": "holding", "address": 65535, "type": "u32"},
           {"name": "c", "table": "holding", "address": 1, "bit": 16},
           {"name": "d", "table": "holding", "address": 2, "type": "bool"},
           {"name": "e", "table": "input", "address": 3, "type": "u16", "access": "readwrite"},
           {"name": "f", "table": "coil", "address": 0, "loop": {"range": [0, 1], "unit": "m"}},
           {"name": "g", "table": "input", "address": 4, "type": "u16", "statusFrom": {"point": "nope", "sensorFault": [0]}},
           {"name": "g", "table": "input", "address": 20, "type": "u16"},
           {"name": "h", "table": "input", "address": 4, "type": "u32"},
           {"name": "i", "table": "holding", "address": 5, "width": 3, "type": "u16"},
           {"name": "j", "table": "coil", "address": 1, "wordOrder": "CDAB"},
           {"name": "k", "table": "holding", "address": 30, "type": "u16", "scale": 0, "unitt": "V"}
         ],
         "commands": [
           {"name": "go", "parameters": [{"name": "x", "range": [0, 10]}],
            "writes": [{"point": "zzz", "value": 1}, {"table": "holding", "address": 40, "value": 70000}]}
         ]}
        """)
        #expect(profile == nil)
        let expected = [
            "family: unknown value \"lamp\" (expected one of: lamp-pole, fire-water, indoor-air, elevator, electrical-fire, generic)",
            "colour: unknown key (expected one of: $comment, app, commands, description, family, id, modbus, model, points, signals, vendor)",
            "points[0].type: unknown value \"flaot32\" (expected one of: bool, u16, i16, u32, i32, f32, u64, i64, f64)",
            "points[1].address: a u32 at 65535 needs registers 65535…65536, past the last register (65535)",
            "points[2].bit: 16 is out of range (expected 0…15)",
            "points[3].type: a bool in a holding register needs \"bit\" (which bit of the register, 0–15)",
            "points[4].access: an input cannot be written (only coils and holding registers can)",
            "points[5].loop: \"loop\" applies to numbers, not to a bool point",
            "points[9].width: \"width\" needs \"bit\" (the field's lowest bit)",
            "points[10].wordOrder: word order applies to whole registers, not to a coil",
            "points[11].scale: must not be 0",
            "points[11].unitt: unknown key (did you mean \"unit\"?)",
            "points[7].name: duplicate name \"g\" (also points[6]): points and signals share one namespace per device",
            "points[8].address: \"h\" overlaps \"g\" (points[6]) at input 4; mark one \"alias\": true if both views are meant",
            "points[6].statusFrom.point: no point named \"nope\" in this profile",
            "commands[0].writes[0].point: no point named \"zzz\" in this profile",
            "commands[0].writes[1].value: holding@40 (holding 0x0028): raw value 70000 does not fit (0…65535)",
            "commands[0].parameters: parameter \"x\" is not used by any write",
        ]
        for e in expected { #expect(issues.contains(e), "missing: \(e)") }
        #expect(issues.count == expected.count, "\(issues)")
    }

    @Test func bitViewsOfAWordAndAliasesMayShareRegisters() throws {
        let (profile, issues) = try read("""
        {"id": "views", "family": "generic", "points": [
           {"name": "flags", "table": "input", "address": 0, "type": "u16"},
           {"name": "relay-failure", "table": "input", "address": 0, "bit": 1},
           {"name": "driver-failure", "table": "input", "address": 0, "bit": 2},
           {"name": "energy", "table": "input", "address": 1, "type": "u32"},
           {"name": "energy-low", "table": "input", "address": 2, "type": "u16", "alias": true},
           {"name": "same-bit", "table": "input", "address": 0, "bit": 2}
        ]}
        """)
        #expect(profile == nil)
        #expect(issues == ["points[5].address: \"same-bit\" overlaps \"driver-failure\" (points[2]) at input 0; mark one \"alias\": true if both views are meant"])
    }

    @Test func statusSourcesMustBeRawIntegersWithThoseBits() throws {
        let (_, issues) = try read("""
        {"id": "st", "family": "generic", "points": [
           {"name": "fault", "table": "input", "address": 0, "bit": 0},
           {"name": "temp", "table": "input", "address": 1, "type": "i16", "scale": 0.1},
           {"name": "a", "table": "input", "address": 2, "type": "u16", "statusFrom": {"point": "fault", "sensorFault": [0, 1]}},
           {"name": "b", "table": "input", "address": 3, "type": "u16", "statusFrom": {"point": "temp", "sensorFault": [0]}},
           {"name": "c", "table": "input", "address": 4, "type": "u16", "statusFrom": {"point": "c", "sensorFault": [0]}},
           {"name": "d", "table": "input", "address": 5, "type": "u16", "statusFrom": {"point": "fault"}}
        ]}
        """)
        #expect(issues == [
            "points[5].statusFrom: names no bits: give at least one of sensorFault, outOfRange, warmingUp",
            "points[2].statusFrom: \"fault\" has 1 bit (0…0); a bit above that can never be set",
            "points[3].statusFrom.point: \"temp\" must be a raw integer (no float, scale, offset or loop) to take bits from",
            "points[4].statusFrom.point: a point cannot take its quality from itself",
        ])
    }

    @Test func loopLimitsAndSignalsAreChecked() throws {
        let (_, issues) = try read("""
        {"id": "lp", "family": "fire-water", "points": [
           {"name": "p", "table": "input", "address": 0, "type": "u16", "loop": {"range": [1, 1], "unit": "MPa", "validFrom": 4.2}},
           {"name": "q", "table": "holding", "address": 0, "type": "u16", "access": "readwrite", "loop": {"range": [0, 1], "unit": "m"}}
         ],
         "signals": [{"name": "door", "direction": "in", "safe": true}, {"name": "fan", "direction": "out", "debounce": "1s"},
                     {"name": "p", "direction": "sideways"}]}
        """)
        #expect(issues == [
            "points[0].loop.range: the values at 4 mA and 20 mA must differ",
            "points[0].loop: NE43 limits must satisfy faultBelow ≤ validFrom ≤ 4 mA (got 3.6, 4.2)",
            "points[1].loop: a 4–20 mA input cannot be written (access must be read)",
            "signals[0].safe: \"safe\" applies to outputs; this signal is an input",
            "signals[1].debounce: \"debounce\" applies to inputs; this signal is an output",
            "signals[2].direction: unknown value \"sideways\" (expected one of: in, out)",
        ])
    }

    @Test func parseThrowsEveryIssueAndSyntaxErrors() {
        #expect(throws: ConfigError.self) { try DeviceProfile.parse("{\"id\": ", source: "x.json") }
        do {
            _ = try DeviceProfile.parse(#"{"id": "empty", "family": "generic"}"#, source: "empty.json")
            Issue.record("an empty profile was accepted")
        } catch {
            #expect(error.source == "empty.json")
            #expect(error.issues.map(\.description) == ["(top level): a profile needs at least one point or signal"])
        }
    }

    @Test func listsRejectDuplicateIds() throws {
        let r = JSONReader()
        let o = try #require(r.object(try JSONValue.parse("""
        {"profiles": [{"id": "a", "family": "generic", "signals": [{"name": "x", "direction": "in"}]},
                      {"id": "a", "family": "generic", "signals": [{"name": "y", "direction": "in"}]}]}
        """)))
        let list = DeviceProfile.readAll(o)
        #expect(list.map(\.id) == ["a"])
        #expect(r.issues.map(\.description) == ["profiles[1].id: duplicate profile id \"a\" (also profiles[0])"])
    }

    @Test func sitesOverridePointsAndAreValidatedTheSameWay() throws {
        let base = try DeviceProfile.parse("""
        {"id": "ai", "family": "fire-water", "points": [
           {"name": "ch1", "table": "input", "address": 0, "type": "u16", "scale": 0.001, "unit": "mA"},
           {"name": "ch2", "table": "input", "address": 1, "type": "u16", "scale": 0.001, "unit": "mA"},
           {"name": "run", "table": "discrete", "address": 0}]}
        """, source: "ai")
        let r = JSONReader()
        let good = try #require(r.object(try JSONValue.parse("""
        {"ch1": {"loop": {"range": [0, 1.6], "unit": "MPa"}, "range": [0, 1.2], "priority": "critical"}}
        """)))
        let changed = try #require(base.overriding(good))
        #expect(changed.point("ch1")?.loop?.high == 1.6 && changed.point("ch1")?.priority == .critical)
        #expect(changed.point("ch1")?.address == 0 && changed.point("ch2") == base.point("ch2"))
        #expect(r.issues.isEmpty)

        let bad = try #require(r.object(try JSONValue.parse("""
        {"ch3": {"scale": 2}, "ch2": {"address": 9, "statusFrom": {"point": "ch9", "sensorFault": [0]}}, "run": {"deadband": 1}}
        """), at: JSONPath.root.key("devices").index(0).key("points")))
        #expect(base.overriding(bad) == nil)
        bad.finish()
        #expect(r.issues.map(\.description) == [
            "devices[0].points.ch2.address: unknown key (expected one of: $comment, deadband, decimals, description, loop, offset, priority, range, scale, statusFrom, unit, warmUp, wordOrder)",
            "devices[0].points.ch3: profile ai has no Modbus point named \"ch3\" (points: ch1, ch2, run)",
            "devices[0].points.run.deadband: \"deadband\" applies to numbers, not to a bool point",
            "devices[0].points.ch2.statusFrom.point: no point named \"ch9\" in this profile",
        ])
    }
}
