import FieldCore
import FieldDevices
import Testing
@testable import FieldApps

/// Issue 19: each app declares its commands as data; the documented examples (docs/lamp-pole.md,
/// fire-water.md, indoor-air.md, elevator.md, electrical-fire.md) pass its schema, and
/// out-of-range or unknown arguments are refused by it (the engine does this before the app
/// sees the command).
@Suite struct AppCommandSchemaTests {
    func spec(_ app: String, _ command: String) throws -> CommandSpec {
        let factory = try #require(BuiltinApps.factories[app], "no app \(app)")
        return try #require(factory.commands.first { $0.name == command }, "\(app) declares no \(command)")
    }

    func refusal(_ app: String, _ command: String, _ arguments: JSONValue) throws -> String? {
        do {
            _ = try spec(app, command).checked(arguments: arguments)
            return nil
        } catch let e as CommandSpecError {
            return e.description
        }
    }

    @Test func documentedExamplesPass() throws {
        let examples: [(String, String, JSONValue)] = [
            ("lamp-head", "lamp", ["action": "dim", "level": 40, "for": "2h"]),
            ("lamp-head", "lamp", ["action": "auto"]),
            ("pole-cabinet", "maintenance", ["action": "start", "for": "1h"]),
            ("pressure", "set-threshold", ["point": "ch1", "low": 0.12, "high": 0.6, "rapid-drop": 0.05]),
            ("pressure", "set-threshold", ["alarm": "low-pressure", "value": 0.12]),
            ("tank-level", "set-threshold", ["low": 0.8, "high": 4.5]),
            ("pump-room", "maintenance", ["action": "end"]),
            ("electrical-fire", "maintenance", ["action": "start"]),
            ("air-terminal", "fan", ["mode": "on", "for": "1h"]),
            ("air-terminal", "fan", "on"),
            ("air-terminal", "silence", ["for": "30m"]),
            ("air-terminal", "silence", ["cancel": true]),
            ("air-terminal", "silence", [:]),
            ("air-terminal", "status", .null),
            ("lift", "maintenance", "start"),
            ("lift", "set-floor", ["floor": 3]),
            ("lift", "set-floor", 3),
            ("lift", "stats", [:]),
        ]
        for (app, command, arguments) in examples {
            #expect(try refusal(app, command, arguments) == nil, "\(app) \(command) \(arguments.serialized())")
        }
    }

    @Test func checkedArgumentsAreTypedForTheApp() throws {
        // Words from a console line become the declared types; a bare value is the first parameter.
        #expect(try spec("lamp-head", "lamp").checked(arguments: ["action": "dim", "level": "40", "for": "120m"])
                == ["action": "dim", "level": 40, "for": "2h"])
        #expect(try spec("air-terminal", "fan").checked(arguments: "off") == ["mode": "off"])
        #expect(try spec("air-terminal", "silence").checked(arguments: ["cancel": "true"]) == ["cancel": true])
    }

    @Test func outOfRangeAndUnknownArgumentsAreRefused() throws {
        let cases: [(String, String, JSONValue, String)] = [
            ("lamp-head", "lamp", ["action": "dim", "level": 120], "level: 120 is out of range (expected 0…100)"),
            ("lamp-head", "lamp", ["action": "blink"], "action: expected one of on, off, dim, auto, got \"blink\""),
            ("lamp-head", "lamp", ["action": "on", "for": "2d"], "for: 2d is out of range (expected 1m…1d)"),
            ("lamp-head", "lamp", ["level": 50], "missing argument \"action\""),
            ("pressure", "set-threshold", ["low": 150], "low: 150 is out of range (expected 0…100)"),
            ("pressure", "set-threshold", ["alarm": "flood", "value": 1], "alarm: expected one of low-pressure, high-pressure, rapid-drop, got \"flood\""),
            ("tank-level", "set-threshold", ["low": -1], "low: -1 is out of range (expected 0…1000)"),
            ("air-terminal", "fan", ["mode": "on", "speed": 3], "speed: no such argument (fan takes mode, for)"),
            ("air-terminal", "fan", ["mode": "on", "for": "soon"], "for: expected a duration such as \"30m\" or \"2h\", got \"soon\""),
            ("air-terminal", "fan", ["mode": "on", "for": "1e20h"], "for: \"1e20h\" is out of range (expected 1m…1d)"),
            ("air-terminal", "fan", ["mode": "on", "for": 1e20], "for: 1e+20 is out of range (expected 1m…1d)"),
            ("air-terminal", "silence", ["cancel": "yes"], "cancel: expected true or false, got \"yes\""),
            ("air-terminal", "status", ["verbose": true], "verbose: no such argument (status takes none)"),
            ("lift", "set-floor", ["floor": 2.5], "floor: 2.5 is not a whole number"),
            ("lift", "set-floor", ["floor": 1000], "floor: 1000 is out of range (expected -99…999)"),
            ("lift", "maintenance", ["action": "start", "for": "30s"], "for: 30s is out of range (expected 1m…1d)"),
            ("pump-room", "maintenance", [:], "missing argument \"action\""),
        ]
        for (app, command, arguments, message) in cases {
            #expect(try refusal(app, command, arguments) == message, "\(app) \(command) \(arguments.serialized())")
        }
    }

    @Test func appsWithoutCommandsDeclareNone() {
        #expect(BuiltinApps.factories["tilt"]?.commands.isEmpty == true)
        #expect(BuiltinApps.factories["environment"]?.commands.isEmpty == true)
        // Every declared name is unique within its app, so a name picks one schema.
        for f in BuiltinApps.all {
            #expect(Set(f.commands.map(\.name)).count == f.commands.count, "\(f.name)")
        }
    }
}
