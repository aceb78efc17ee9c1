import FieldCore
import FieldDevices
@testable import FieldEngine
@testable import FieldUplink
import Testing
@testable import FieldRuntime

/// Every RPC method's happy path becomes the right `GatewayCommand`; every malformed request is
/// refused with an error that names what is wrong, and nothing runs.
@Suite struct UplinkRPCTests {
    let parser = UplinkRPC(topics: UplinkTopics(gateway: "demo-7"), identity: UplinkDocTests.identity,
                           devices: [UplinkDocTests.hydrant, UplinkDocTests.lamp, UplinkDocTests.lift], allowRegisterRPC: true)
    let locked = UplinkDocTests.parser

    func device(_ name: String, _ method: String, _ params: String, parser: UplinkRPC? = nil) -> UplinkRPCOutcome {
        let payload = #"{"device": "demo-7.\#(name)", "data": {"id": 1, "method": "\#(method)", "params": \#(params)}}"#
        return (parser ?? self.parser).parse(topic: "v1/gateway/rpc", payload: Array(payload.utf8))
    }

    func gateway(_ payload: String, parser: UplinkRPC? = nil) -> UplinkRPCOutcome {
        (parser ?? self.parser).parse(topic: "v1/devices/me/rpc/request/5", payload: Array(payload.utf8))
    }

    func command(_ outcome: UplinkRPCOutcome, sourceLocation: SourceLocation = #_sourceLocation) -> GatewayCommand? {
        guard case .execute(let r) = outcome else {
            Issue.record("expected a command, got \(outcome)", sourceLocation: sourceLocation)
            return nil
        }
        return r.command
    }

    func refusal(_ outcome: UplinkRPCOutcome, sourceLocation: SourceLocation = #_sourceLocation) -> CommandError? {
        guard case .refuse(_, let e) = outcome else {
            Issue.record("expected a refusal, got \(outcome)", sourceLocation: sourceLocation)
            return nil
        }
        return e
    }

    /// Issue 17: `"for": "1e20h"` trapped converting to milliseconds and killed the gateway.
    @Test func hugeDurationsAndNumbersAreRefusedByName() {
        #expect(refusal(device("lamp-1", "setLamp", #"{"action": "on", "for": "1e20h"}"#))?.message
                == #"params.for: "1e20h" is out of range (expected 1m…1d)"#)
        #expect(refusal(device("lamp-1", "setLamp", #"{"action": "on", "for": 1e20}"#))?.message
                == "params.for: 1e+20 is out of range (expected 1m…1d)")
        #expect(refusal(device("lamp-1", "setLamp", #"{"action": "dim", "level": 9.5e15}"#))?.message.contains("params.level: 9500000000000000 is out of range") == true)
        let threshold = command(device("hydrant-main", "setThreshold", #"{"alarm": "low-pressure", "value": 1e308}"#))
        #expect(threshold == .app(device: "hydrant-main", command: "set-threshold", arguments: ["alarm": "low-pressure", "value": 1e308]),
                "the app checks the value against the alarm's limits")
    }

    /// On a broker several gateways share, a device command named after another gateway is that
    /// gateway's: no reply (the platform would get two), unless this one is configured alone.
    @Test func commandsForOtherGatewaysDevicesAreLeftToThem() {
        let payload = Array(#"{"device": "demo-8.lamp-1", "data": {"id": 3, "method": "setLamp", "params": {"action": "on"}}}"#.utf8)
        #expect(parser.parse(topic: "v1/gateway/rpc", payload: payload) == .ignore(reason: nil))
        let sole = UplinkRPC(topics: UplinkTopics(gateway: "demo-7"), identity: UplinkDocTests.identity,
                             devices: [UplinkDocTests.lamp], allowRegisterRPC: false, soleGateway: true)
        #expect(refusal(sole.parse(topic: "v1/gateway/rpc", payload: payload))?.message == "no device \"demo-8.lamp-1\" behind gateway demo-7")
        #expect(refusal(device("lamp-9", "setLamp", #"{"action": "on"}"#))?.code == .notFound,
                "a device named after this gateway that it does not have is answered")
    }

    @Test func setLampTakesOnOffDimAndAutoWithAnExpiry() {
        #expect(command(device("lamp-1", "setLamp", #"{"action": "on"}"#)) == .app(device: "lamp-1", command: "lamp", arguments: ["action": "on"]))
        #expect(command(device("lamp-1", "setLamp", #"{"action": "off", "for": 600}"#))
                == .app(device: "lamp-1", command: "lamp", arguments: ["action": "off", "for": "10m"]))
        #expect(command(device("lamp-1", "setLamp", #"{"action": "dim", "level": 0, "for": "90m"}"#))
                == .app(device: "lamp-1", command: "lamp", arguments: ["action": "dim", "level": 0, "for": "90m"]))
        #expect(command(device("lamp-1", "setLamp", #"{"action": "auto"}"#)) == .app(device: "lamp-1", command: "lamp", arguments: ["action": "auto"]))
        #expect(command(device("lamp-1", "setLamp", #""{\"action\": \"on\"}""#)) == .app(device: "lamp-1", command: "lamp", arguments: ["action": "on"]),
                "ThingsBoard widgets send params as a JSON string")
        #expect(command(gateway(#"{"method": "setLamp", "params": {"device": "lamp-1", "action": "on"}}"#))
                == .app(device: "lamp-1", command: "lamp", arguments: ["action": "on"]))
        #expect(command(gateway(#"{"method": "setLamp", "params": {"device": "demo-7.lamp-1", "action": "on"}}"#))
                == .app(device: "lamp-1", command: "lamp", arguments: ["action": "on"]))
    }

    @Test func setLampRefusesWhatALampCannotDo() {
        let cases: [(String, String)] = [
            (#"{"action": "dim"}"#, "params.level: required with action \"dim\""),
            (#"{"action": "dim", "level": 120}"#, "params.level: 120 is out of range (expected 0…100)"),
            (#"{"action": "dim", "level": 40.5}"#, "params.level: expected an integer, got 40.5"),
            (#"{"action": "dim", "level": "40"}"#, "params.level: expected an integer, got a string"),
            (#"{"action": "off", "level": 10}"#, "params.level: not allowed with action \"off\""),
            (#"{"action": "auto", "for": "1h"}"#, "params.for: not allowed with action \"auto\""),
            (#"{"action": "on", "for": "25h"}"#, "params.for: 25h is out of range (expected 1m…1d)"),
            (#"{"action": "on", "for": "soon"}"#, "params.for: expected a duration"),
            (#"{"action": "blink"}"#, "params.action: \"blink\" is not allowed (expected one of: on, off, dim, auto)"),
            (#"{}"#, "params.action: missing (required)"),
            (#"{"action": "on", "levle": 3}"#, "params.levle: unknown key (did you mean \"level\"?)"),
            (#"[1, 2]"#, "params: expected an object, got an array"),
        ]
        for (params, message) in cases {
            let e = refusal(device("lamp-1", "setLamp", params))
            #expect(e?.code == .invalidArgument, "\(params)")
            #expect(e?.message.contains(message) == true, "\(params): \(e?.message ?? "")")
        }
        let notALamp = refusal(device("hydrant-main", "setLamp", #"{"action": "on"}"#))
        #expect(notALamp?.message == "params: device hydrant-main is not a lamp head (its app is \"pressure\")")
        let noDevice = refusal(gateway(#"{"method": "setLamp", "params": {"action": "on"}}"#))
        #expect(noDevice?.message == "params.device: missing (required)")
        let unknown = refusal(gateway(#"{"method": "setLamp", "params": {"device": "lamp-9", "action": "on"}}"#))
        #expect(unknown?.code == .notFound && unknown?.message == "params.device: no device \"lamp-9\" on gateway demo-7")
    }

    @Test func setThresholdNamesTheAlarmAndTheValue() {
        #expect(command(device("hydrant-main", "setThreshold", #"{"alarm": "low-pressure", "value": 0.12}"#))
                == .app(device: "hydrant-main", command: "set-threshold", arguments: ["alarm": "low-pressure", "value": 0.12]))
        #expect(refusal(device("hydrant-main", "setThreshold", #"{"alarm": "low-pressure"}"#))?.message == "params.value: missing (required)")
        #expect(refusal(device("hydrant-main", "setThreshold", #"{"alarm": "low pressure", "value": 1}"#))?.message.hasPrefix("params.alarm: \"low pressure\" is not a valid id") == true)
        #expect(refusal(device("hydrant-main", "setThreshold", #"{"alarm": "low-pressure", "value": "0.12"}"#))?.message == "params.value: expected a number, got a string")
        let bare = UplinkRPC(topics: UplinkTopics(gateway: "demo-7"), identity: UplinkDocTests.identity,
                             devices: [UplinkDevice(id: "co2", profile: "senseair-s8", family: "indoor-air")], allowRegisterRPC: false)
        #expect(refusal(device("co2", "setThreshold", #"{"alarm": "high", "value": 1}"#, parser: bare))?.message == "params: device co2 has no app with alarm thresholds")
    }

    @Test func ackAlarmTakesAFullIdOrOnADeviceItsType() {
        #expect(command(device("lift-1", "ackAlarm", #"{"alarm": "trapped-passenger"}"#)) == .acknowledge(AlarmID(rawValue: "lift-1/trapped-passenger")))
        #expect(command(device("hydrant-main", "ackAlarm", #"{"alarm": "hydrant-main.pressure/low-pressure"}"#))
                == .acknowledge(AlarmID(rawValue: "hydrant-main.pressure/low-pressure")))
        #expect(command(gateway(#"{"method": "ackAlarm", "params": {"alarm": "lift-1/trapped-passenger"}}"#))
                == .acknowledge(AlarmID(rawValue: "lift-1/trapped-passenger")))
        #expect(refusal(device("lift-1", "ackAlarm", #"{"alarm": "hydrant-main/low-pressure"}"#))?.message
                == "params.alarm: alarm hydrant-main/low-pressure is not one of device lift-1's")
        #expect(refusal(gateway(#"{"method": "ackAlarm", "params": {"alarm": "trapped-passenger"}}"#))?.message.hasPrefix("params.alarm: \"trapped-passenger\" is not an alarm id") == true,
                "the gateway needs the full id")
        #expect(refusal(gateway(#"{"method": "ackAlarm", "params": {"alarm": "a/b/c"}}"#))?.code == .invalidArgument)
        #expect(refusal(gateway(#"{"method": "ackAlarm", "params": {"alarm": 7}}"#))?.message == "params.alarm: expected a string, got a number")
    }

    @Test func registerAccessIsRestrictedAndChecked() {
        #expect(refusal(device("hydrant-main", "readRegisters", #"{"table": "input", "address": 0, "count": 2}"#, parser: locked))?.code == .forbidden)
        #expect(refusal(gateway(#"{"method": "writeRegisters", "params": {}}"#, parser: locked))?.code == .forbidden)
        #expect(command(device("hydrant-main", "readRegisters", #"{"table": "input", "address": 0, "count": 2}"#))
                == .readRegisters(bus: "rs485-1", unit: 3, table: .input, address: 0, count: 2))
        #expect(command(gateway(#"{"method": "readRegisters", "params": {"bus": "rs485-2", "unit": 247, "table": "coil", "address": 100, "count": 2000}}"#))
                == .readRegisters(bus: "rs485-2", unit: 247, table: .coil, address: 100, count: 2000))
        #expect(command(gateway(#"{"method": "readRegisters", "params": {"device": "lamp-1", "table": "holding", "address": 0, "count": 1}}"#))
                == .readRegisters(bus: "rs485-1", unit: 5, table: .holding, address: 0, count: 1))
        #expect(command(device("lamp-1", "writeRegisters", #"{"table": "holding", "address": 1, "values": [80, 65535]}"#))
                == .writeRegisters(bus: "rs485-1", unit: 5, table: .holding, address: 1, values: [80, 65535]))
        #expect(command(gateway(#"{"method": "writeRegisters", "params": {"bus": "rs485-1", "unit": 5, "table": "coil", "address": 0, "values": [1, 0]}}"#))
                == .writeRegisters(bus: "rs485-1", unit: 5, table: .coil, address: 0, values: [1, 0]))

        let cases: [(UplinkRPCOutcome, String)] = [
            (device("hydrant-main", "readRegisters", #"{"table": "input", "address": 0, "count": 126}"#), "params.count: 126 is out of range (expected 1…125)"),
            (device("hydrant-main", "readRegisters", #"{"table": "input", "address": 65535, "count": 2}"#), "params.count: 2 from address 65535 runs past 65535"),
            (device("hydrant-main", "readRegisters", #"{"table": "inputs", "address": 0, "count": 1}"#), "params.table: unknown value \"inputs\""),
            (device("hydrant-main", "readRegisters", #"{"table": "input", "address": -1, "count": 1}"#), "params.address: -1 is out of range (expected 0…65535)"),
            (device("lift-1", "readRegisters", #"{"table": "input", "address": 0, "count": 1}"#), "params: device lift-1 has no Modbus side"),
            (device("lamp-1", "writeRegisters", #"{"table": "input", "address": 0, "values": [1]}"#), "params.table: \"input\" is not allowed (expected one of: holding, coil)"),
            (device("lamp-1", "writeRegisters", #"{"table": "holding", "address": 0, "values": [65536]}"#), "params.values[0]: expected an integer 0…65535, got 65536"),
            (device("lamp-1", "writeRegisters", #"{"table": "coil", "address": 0, "values": [2]}"#), "params.values[0]: expected 0 or 1, got 2"),
            (device("lamp-1", "writeRegisters", #"{"table": "holding", "address": 0, "values": []}"#), "params.values: 0 values (expected 1…123 per request)"),
            (device("lamp-1", "writeRegisters", #"{"table": "holding", "address": 0, "values": 7}"#), "params.values: expected an array, got a number"),
            (gateway(#"{"method": "readRegisters", "params": {"table": "input", "address": 0, "count": 1}}"#), "params.bus: missing (required)"),
            (gateway(#"{"method": "readRegisters", "params": {"bus": "rs485-1", "unit": 256, "table": "input", "address": 0, "count": 1}}"#), "params.unit: 256 is out of range (expected 0…255)"),
        ]
        for (outcome, message) in cases {
            let e = refusal(outcome)
            #expect(e?.code == .invalidArgument && e?.message.contains(message) == true, "\(message) — got \(e?.message ?? "")")
        }
    }

    /// A device whose profile declares a fractional command and writable points of each kind.
    static let inverter = UplinkDevice(
        id: "inv-1", profile: "inverter", family: "generic", bus: "rs485-1", address: 7,
        points: [PointSpec(name: "power-limit", table: .holding, address: 10, type: .f32, unit: "W", access: .readWrite, range: 0...5000),
                 PointSpec(name: "voltage-limit", table: .holding, address: 12, type: .u16, scale: 0.1, unit: "V", access: .write, range: 0...300),
                 PointSpec(name: "enabled", table: .coil, address: 0, type: .bool, access: .readWrite),
                 PointSpec(name: "power", table: .input, address: 0, type: .f32, unit: "W")],
        signals: [SignalSpec(name: "fan", direction: .output), SignalSpec(name: "door", direction: .input)],
        commands: [CommandSpec(name: "set-power-limit", parameters: [CommandParameter(name: "limit", unit: "W", range: 0...5000, integer: false)],
                               writes: [CommandWrite(target: PointSpec(name: "power-limit", table: .holding, address: 10, type: .f32,
                                                                       access: .readWrite, range: 0...5000),
                                                     isProfilePoint: true, value: .parameter("limit"))]),
                   CommandSpec(name: "set-address", parameters: [CommandParameter(name: "address", range: 1...247)],
                               writes: [CommandWrite(target: PointSpec(name: "holding@100", table: .holding, address: 100, type: .u16, access: .write),
                                                     isProfilePoint: false, value: .parameter("address"))])])
    var withInverter: UplinkRPC {
        UplinkRPC(topics: UplinkTopics(gateway: "demo-7"), identity: UplinkDocTests.identity,
                  devices: [Self.inverter, UplinkDocTests.lamp], allowRegisterRPC: false)
    }

    /// Issue 19: the platform acts with the site's `uplink.rpcRole`; a command whose declared
    /// role is above it is refused `forbidden`, naming the role, and nothing runs.
    @Test func commandsAboveThePlatformsRoleAreForbidden() {
        func parser(_ role: ConsoleUser.Role) -> UplinkRPC {
            UplinkRPC(topics: UplinkTopics(gateway: "demo-7"), identity: UplinkDocTests.identity,
                      devices: [UplinkDocTests.hydrant, UplinkDocTests.lamp, UplinkDocTests.lift], allowRegisterRPC: true, role: role)
        }
        let tech = parser(.technician), admin = parser(.admin), viewer = parser(.viewer)
        #expect(UplinkDocTests.parser.role == .technician, "technician unless the site says otherwise")
        let baud = #"{"command": "set-baud", "arguments": {"baud": 9600}}"#
        let forbidden = refusal(device("hydrant-main", "runCommand", baud, parser: tech))
        #expect(forbidden?.code == .forbidden)
        #expect(forbidden?.message == "runCommand set-baud needs the admin role; the platform acts as technician (the site's uplink.rpcRole)")
        #expect(refusal(gateway(#"{"method": "runCommand", "params": {"device": "hydrant-main", "command": "set-address", "arguments": {"address": 4}}}"#,
                                parser: tech))?.code == .forbidden)
        #expect(refusal(device("lift-1", "runCommand", #"{"command": "restore-stats", "arguments": {"trips": 5}}"#, parser: tech))?.message
                == "runCommand restore-stats needs the admin role; the platform acts as technician (the site's uplink.rpcRole)")
        #expect(command(device("hydrant-main", "runCommand", #"{"command": "zero"}"#, parser: tech))
                == .deviceCommand(device: "hydrant-main", command: "zero", arguments: [:]), "zero is the technician's")
        #expect(command(device("hydrant-main", "runCommand", baud, parser: admin))
                == .deviceCommand(device: "hydrant-main", command: "set-baud", arguments: ["baud": 9600]))
        #expect(command(device("lift-1", "runCommand", #"{"command": "restore-stats", "arguments": {"trips": 5}}"#, parser: admin))
                == .app(device: "lift-1", command: "restore-stats", arguments: ["trips": 5]))

        // A viewer platform may only acknowledge alarms.
        #expect(command(device("hydrant-main", "ackAlarm", #"{"alarm": "low-pressure"}"#, parser: viewer))
                == .acknowledge(AlarmID(rawValue: "hydrant-main/low-pressure")))
        #expect(refusal(device("lamp-1", "setLamp", #"{"action": "on"}"#, parser: viewer))?.message
                == "setLamp lamp needs the technician role; the platform acts as viewer (the site's uplink.rpcRole)")
        #expect(refusal(gateway(#"{"method": "restart"}"#, parser: viewer))?.message
                == "restart needs the technician role; the platform acts as viewer (the site's uplink.rpcRole)")
        #expect(refusal(device("lamp-1", "readRegisters", #"{"table": "holding", "address": 0, "count": 1}"#, parser: viewer))?.code == .forbidden)
        // The arguments are still checked first: a malformed command is invalid, whatever the role.
        #expect(refusal(device("hydrant-main", "runCommand", #"{"command": "set-baud", "arguments": {"baud": 9601}}"#, parser: tech))?.code
                == .invalidArgument)
    }

    /// Review of issue 19: a point that an admin-only profile command writes (the transmitter's
    /// `address` and `baud-code`, which set-address and set-baud write) needs the admin role for
    /// `writePoint` too; a point only technician commands write (`zero`) stays the technician's.
    @Test func writingAPointBehindAnAdminCommandNeedsTheAdmin() {
        func parser(_ role: ConsoleUser.Role) -> UplinkRPC {
            UplinkRPC(topics: UplinkTopics(gateway: "demo-7"), identity: UplinkDocTests.identity,
                      devices: [UplinkDocTests.hydrant], allowRegisterRPC: false, role: role)
        }
        let tech = parser(.technician), admin = parser(.admin)
        let address = refusal(device("hydrant-main", "writePoint", #"{"point": "address", "value": 9}"#, parser: tech))
        #expect(address?.code == .forbidden)
        #expect(address?.message == "writePoint address (set-address, an admin command, writes it) needs the admin role; the platform acts as technician (the site's uplink.rpcRole)")
        let gatewayForm = refusal(gateway(#"{"method": "writePoint", "params": {"device": "hydrant-main", "point": "baud-code", "value": 3}}"#, parser: tech))
        #expect(gatewayForm?.code == .forbidden && gatewayForm?.message.contains("set-baud") == true, "\(gatewayForm?.message ?? "")")
        #expect(command(device("hydrant-main", "writePoint", #"{"point": "zero", "value": 1}"#, parser: tech))
                == .writePoint(PointRef(device: "hydrant-main", point: "zero"), .number(1)), "zero is the technician's")
        #expect(command(device("hydrant-main", "writePoint", #"{"point": "address", "value": 9}"#, parser: admin))
                == .writePoint(PointRef(device: "hydrant-main", point: "address"), .number(9)))
        // The value is checked first: a malformed write is invalid, whatever the role.
        #expect(refusal(device("hydrant-main", "writePoint", #"{"point": "address", "value": 300}"#, parser: tech))?.code == .invalidArgument)
    }

    /// Issue 19: the platform runs a profile's commands and writes points by name, with typed
    /// values checked against the profile's schema before anything runs.
    @Test func runCommandAndWritePointAreCheckedByTheProfilesSchema() {
        let p = withInverter
        #expect(command(device("inv-1", "runCommand", #"{"command": "set-power-limit", "arguments": {"limit": 2500.75}}"#, parser: p))
                == .deviceCommand(device: "inv-1", command: "set-power-limit", arguments: ["limit": 2500.75]))
        #expect(command(gateway(#"{"method": "runCommand", "params": {"device": "inv-1", "command": "set-address", "arguments": {"address": 9}}}"#, parser: p))
                == .deviceCommand(device: "inv-1", command: "set-address", arguments: ["address": 9]))
        #expect(command(device("lamp-1", "runCommand", #"{"command": "lamp", "arguments": {"action": "on"}}"#, parser: p))
                == .app(device: "lamp-1", command: "lamp", arguments: ["action": "on"]), "a command the lamp head's app declares")
        #expect(command(device("inv-1", "writePoint", #"{"point": "power-limit", "value": 2500.75}"#, parser: p))
                == .writePoint(PointRef(device: "inv-1", point: "power-limit"), .number(2500.75)))
        #expect(command(device("inv-1", "writePoint", #"{"point": "voltage-limit", "value": 230.5}"#, parser: p))
                == .writePoint(PointRef(device: "inv-1", point: "voltage-limit"), .number(230.5)))
        #expect(command(device("inv-1", "writePoint", #"{"point": "enabled", "value": false}"#, parser: p))
                == .writePoint(PointRef(device: "inv-1", point: "enabled"), .bool(false)))
        #expect(command(gateway(#"{"method": "writePoint", "params": {"device": "inv-1", "point": "fan", "value": true}}"#, parser: p))
                == .writePoint(PointRef(device: "inv-1", point: "fan"), .bool(true)))

        let cases: [(UplinkRPCOutcome, String)] = [
            (device("inv-1", "runCommand", #"{"command": "set-power-limit", "arguments": {"limit": 5000.5}}"#, parser: p),
             "params.arguments.limit: 5000.5 is out of range (expected 0…5000)"),
            (device("inv-1", "runCommand", #"{"command": "set-address", "arguments": {"address": 9.5}}"#, parser: p),
             "params.arguments.address: 9.5 is not a whole number"),
            (device("inv-1", "runCommand", #"{"command": "set-address", "arguments": {}}"#, parser: p), "params.arguments.address: missing (required)"),
            (device("inv-1", "runCommand", #"{"command": "set-address", "arguments": {"address": "9"}}"#, parser: p),
             "params.arguments.address: expected a number, got a string"),
            (device("inv-1", "runCommand", #"{"command": "set-address", "arguments": {"address": 9, "baud": 1}}"#, parser: p),
             #"params.arguments.baud: set-address has no parameter "baud" (it takes address)"#),
            (device("inv-1", "runCommand", #"{"command": "reboot"}"#, parser: p),
             #"params.command: device inv-1 has no command "reboot" (its profile declares set-power-limit, set-address, and it runs no app)"#),
            (gateway(#"{"method": "runCommand", "params": {"command": "set-address"}}"#, parser: p), "params.device: missing (required)"),
            (device("inv-1", "writePoint", #"{"point": "power", "value": 1}"#, parser: p), "params.point: inv-1.power is read-only"),
            (device("inv-1", "writePoint", #"{"point": "voltage-limit", "value": 300.5}"#, parser: p), "params.value: "),
            (device("inv-1", "writePoint", #"{"point": "power-limit", "value": true}"#, parser: p), "params.value: expected a number for inv-1.power-limit, got a boolean"),
            (device("inv-1", "writePoint", #"{"point": "enabled", "value": 1}"#, parser: p), "params.value: expected true or false for inv-1.enabled, got a number"),
            (device("inv-1", "writePoint", #"{"point": "door", "value": true}"#, parser: p), "params.point: inv-1.door is an input signal; it cannot be written"),
            (device("inv-1", "writePoint", #"{"point": "speed", "value": 1}"#, parser: p), #"params.point: device inv-1 has no point "speed""#),
        ]
        for (outcome, message) in cases {
            let e = refusal(outcome)
            #expect(e?.code == .invalidArgument && e?.message.contains(message) == true, "\(message) — got \(e?.message ?? "")")
        }
    }

    /// Issue 19: `runCommand` also runs the commands a device's app declares, checked by the
    /// app's schema (words, durations, numbers with ranges) before anything runs; a name neither
    /// the profile nor the app declares is refused with the names that exist.
    @Test func runCommandChecksAnAppsCommandByTheAppsSchema() {
        #expect(command(device("lift-1", "runCommand", #"{"command": "set-floor", "arguments": {"floor": 3}}"#))
                == .app(device: "lift-1", command: "set-floor", arguments: ["floor": 3]))
        #expect(command(device("lift-1", "runCommand", #"{"command": "maintenance", "arguments": {"action": "start", "for": 7200}}"#))
                == .app(device: "lift-1", command: "maintenance", arguments: ["action": "start", "for": "2h"]), "typed as the app takes it")
        #expect(command(device("lift-1", "runCommand", #"{"command": "stats"}"#)) == .app(device: "lift-1", command: "stats", arguments: [:]))
        let cases: [(UplinkRPCOutcome, String)] = [
            (device("lift-1", "runCommand", #"{"command": "set-floor", "arguments": {"floor": 1000}}"#),
             "params.arguments.floor: 1000 is out of range (expected -99…999)"),
            (device("lift-1", "runCommand", #"{"command": "set-floor", "arguments": {}}"#), "params.arguments.floor: missing (required)"),
            (device("lift-1", "runCommand", #"{"command": "set-floor", "arguments": {"floor": 3, "car": 2}}"#),
             "params.arguments.car: no such argument (set-floor takes floor)"),
            (device("lift-1", "runCommand", #"{"command": "maintenance", "arguments": {"action": "pause"}}"#),
             #"params.arguments.action: expected one of start, end, got "pause""#),
            (device("lift-1", "runCommand", #"{"command": "restore-stats", "arguments": {"trips": -1}}"#),
             "params.arguments.trips: -1 is out of range (expected 0…1000000000000)"),
            (device("lift-1", "runCommand", #"{"command": "fly"}"#),
             #"params.command: device lift-1 has no command "fly" (its profile declares none; its app lift takes status, stats, restore-stats, maintenance, set-floor)"#),
            (device("lamp-1", "runCommand", #"{"command": "fan", "arguments": {"mode": "on"}}"#),
             #"params.command: device lamp-1 has no command "fan" (its profile declares none; its app lamp-head takes lamp)"#),
        ]
        for (outcome, message) in cases {
            let e = refusal(outcome)
            #expect(e?.code == .invalidArgument && e?.message.contains(message) == true, "\(message) — got \(e?.message ?? "")")
        }
    }

    @Test func restartIsForTheGatewayAndTakesNoParameters() {
        #expect(command(gateway(#"{"method": "restart"}"#)) == .restart)
        #expect(command(gateway(#"{"method": "restart", "params": {}}"#)) == .restart)
        #expect(refusal(gateway(#"{"method": "restart", "params": {"device": "lamp-1"}}"#))?.message.hasPrefix("params.device: unknown key") == true)
        #expect(refusal(device("lamp-1", "restart", "{}"))?.message.hasPrefix("unknown method \"restart\"") == true)
    }

    @Test func envelopesThatCannotBeReadAreRefusedOrIgnored() {
        let rpc = "v1/gateway/rpc"
        func parse(_ topic: String, _ payload: String) -> UplinkRPCOutcome { parser.parse(topic: topic, payload: Array(payload.utf8)) }
        guard case .ignore(let reason?) = parse(rpc, "{not json") else { Issue.record("malformed JSON on v1/gateway/rpc has no one to answer"); return }
        #expect(reason.contains("invalid JSON"))
        if case .ignore(nil) = parse(rpc, #"{"device": "demo-7.lamp-1", "id": 1, "data": {"success": true}}"#) {} else {
            Issue.record("the gateway's own answer echoed by the broker is ignored silently")
        }
        if case .ignore(_?) = parse(rpc, #"{"device": "demo-7.lamp-1", "data": {"method": "setLamp"}}"#) {} else { Issue.record("no id, no answer") }
        if case .ignore(_?) = parse(rpc, "[]") {} else { Issue.record("an array has no device") }
        if case .ignore(_?) = parse("v1/devices/me/rpc/request/", "{}") {} else { Issue.record("a request topic without an id") }

        let noMethod = parse(rpc, #"{"device": "demo-7.lamp-1", "data": {"id": 3, "params": {}}}"#)
        #expect(noMethod == .refuse(.device(name: "demo-7.lamp-1", id: 3), CommandError(.invalidArgument, "data.method: expected the method's name (a string)")))
        let otherGateway = parse(rpc, #"{"device": "pole-9.lamp-1", "data": {"id": "a", "method": "setLamp"}}"#)
        #expect(otherGateway == .ignore(reason: nil), "another gateway's device: that gateway answers")
        #expect(refusal(gateway("42"))?.message == "expected an object {\"method\", \"params\"}, got a number")
        #expect(refusal(gateway(#"{"method": 5}"#))?.message == "method: expected the method's name (a string)")
        #expect(refusal(gateway("{"))?.message.hasPrefix("invalid JSON") == true)
        #expect(refusal(gateway(#"{"method": "restart", "params": "not json"}"#))?.message == "params: expected an object, got a string")
    }

    @Test func aTopicPrefixAppliesToRequestsAndAnswers() {
        let topics = UplinkTopics(prefix: "city/zz", gateway: "demo-7")
        #expect(topics.rpc == "city/zz/v1/gateway/rpc" && topics.alarms == "city/zz/fieldgate/demo-7/alarms")
        let prefixed = UplinkRPC(topics: topics, identity: UplinkDocTests.identity, devices: [UplinkDocTests.lamp], allowRegisterRPC: false)
        guard case .execute(let r) = prefixed.parse(topic: "city/zz/v1/devices/me/rpc/request/77", payload: Array(#"{"method": "restart"}"#.utf8)) else {
            Issue.record("a prefixed gateway request is read")
            return
        }
        #expect(r.address == .gateway(requestID: "77"))
        let encoder = UplinkEncoder(topics: topics, identity: UplinkDocTests.identity)
        #expect(encoder.rpcReply(to: r.address, .success(.null)).topic == "city/zz/v1/devices/me/rpc/response/77")
        if case .ignore = prefixed.parse(topic: "v1/gateway/rpc", payload: []) {} else { Issue.record("an unprefixed topic is not ours") }
    }
}
