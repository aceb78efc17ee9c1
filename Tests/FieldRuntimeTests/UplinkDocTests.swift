import FieldCore
import FieldDevices
@testable import FieldEngine
@testable import FieldStore
@testable import FieldUplink
import Foundation
import Testing
@testable import FieldRuntime

/// FieldDevices has a `CommandError` of its own (a profile's command specs); the tests mean the runtime's.
typealias CommandError = FieldRuntime.CommandError

/// docs/uplink.md's examples are what the code sends: each `<!-- example: name -->` block (topic
/// on the first line, payload after) is compared with the encoder's or the RPC parser's output
/// for the input the page describes.
@Suite struct UplinkDocTests {
    struct Example {
        var topic: String
        var payload: String
        var json: JSONValue? { try? JSONValue.parse(payload) }
    }

    static let examples: [String: Example] = {
        let text = (try? String(contentsOfFile: repositoryRoot + "/docs/uplink.md", encoding: .utf8)) ?? ""
        var found: [String: Example] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        while let line = lines.popFirst() {
            guard line.hasPrefix("<!-- example: "), line.hasSuffix(" -->") else { continue }
            let name = String(line.dropFirst("<!-- example: ".count).dropLast(" -->".count))
            guard lines.popFirst()?.hasPrefix("```") == true, let topic = lines.popFirst() else { continue }
            var body: [String] = []
            while let l = lines.popFirst(), !l.hasPrefix("```") { body.append(l) }
            found[name] = Example(topic: topic, payload: body.joined(separator: "\n"))
        }
        return found
    }()

    static let identity = UplinkIdentity(gateway: "demo-7", siteName: "Demo street 7", board: "rpi4-2ch-rs485",
                                         firmware: "0.1.0", latitude: 34.75, longitude: 113.62)
    static let hydrant = UplinkDevice(id: "hydrant-main", name: "Hydrant main", profile: "fg-pressure-tx", family: "fire-water",
                                      app: "pressure", vendor: "Fieldgate", model: "PT-420", bus: "rs485-1", address: 3,
                                      units: ["pressure": "MPa"], extra: ["serialNumber": "PT420-2309-0117"],
                                      points: BuiltinProfiles["fg-pressure-tx"]?.points ?? [], commands: BuiltinProfiles["fg-pressure-tx"]?.commands ?? [])
    static let lamp = UplinkDevice(id: "lamp-1", name: "Lamp 1, head A", profile: "fg-slc", family: "lamp-pole", app: "lamp-head",
                                   bus: "rs485-1", address: 5, units: ["dim": "%", "power": "W", "voltage": "V"],
                                   points: BuiltinProfiles["fg-slc"]?.points ?? [])
    static let lift = UplinkDevice(id: "lift-1", name: "Lift 1", profile: "fg-lift", family: "elevator", app: "lift")
    static let encoder = UplinkEncoder(topics: UplinkTopics(gateway: "demo-7"), identity: identity)
    static let parser = UplinkRPC(topics: encoder.topics, identity: identity, devices: [hydrant, lamp, lift], allowRegisterRPC: false)
    /// A site whose `uplink.rpcRole` is admin: the platform may run set-baud.
    static let parserAsAdmin = UplinkRPC(topics: encoder.topics, identity: identity, devices: [hydrant, lamp, lift], allowRegisterRPC: false,
                                         role: .admin)
    static let parserWithRegisters = UplinkRPC(topics: encoder.topics, identity: identity, devices: [hydrant, lamp, lift], allowRegisterRPC: true)
    static let t0 = Timestamp(milliseconds: 1_767_225_600_000)

    /// Checks that `message` is example `name`, topic and payload.
    func expect(_ message: OutboxMessage, is name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let example = UplinkDocTests.examples[name] else {
            Issue.record("docs/uplink.md has no example \"\(name)\"", sourceLocation: sourceLocation)
            return
        }
        #expect(message.topic == example.topic, "example \(name)", sourceLocation: sourceLocation)
        #expect((try? JSONValue.parse(message.text)) == example.json, "example \(name): the code sends \(message.text)", sourceLocation: sourceLocation)
    }

    @Test func everyExampleIsJSON() {
        #expect(UplinkDocTests.examples.count >= 30)
        for (name, e) in UplinkDocTests.examples where name != "rpc-malformed-request" {
            #expect(e.json != nil, "example \(name) does not parse")
        }
    }

    @Test func statusAndWill() {
        let e = UplinkDocTests.encoder
        expect(e.status(online: true, at: UplinkDocTests.t0), is: "status-online")
        expect(e.status(online: false), is: "status-will")
        let url = MQTTURL("mqtt://127.0.0.1:1883")!
        let will = UplinkSettings(url: url).clientOptions(topics: e.topics, encoder: e).will!
        expect(OutboxMessage(topic: will.topic, payload: will.payload), is: "status-will")
        #expect(will.retain && will.qos == 1)
    }

    @Test func devicesAndTheGateway() {
        let e = UplinkDocTests.encoder
        expect(e.connect(UplinkDocTests.hydrant), is: "connect")
        expect(e.deviceAttributes([UplinkDocTests.hydrant, UplinkDocTests.lamp]), is: "device-attributes")
        expect(e.gatewayAttributes(deviceCount: 2), is: "gateway-attributes")
    }

    @Test func telemetry() {
        let t0 = UplinkDocTests.t0
        func lamp(_ point: String, _ r: Reading, qualityChanged: Bool = false) -> TelemetryPoint {
            TelemetryPoint(PointRef(device: "lamp-1", point: point), r, qualityChanged: qualityChanged)
        }
        let lamp = TelemetrySample.samples([
            lamp("switch", .bool(true, at: t0)), lamp("dim", .number(50, at: t0)), lamp("power", .number(61.5, at: t0)),
            lamp("voltage", Reading(.number(0), quality: .commError, at: t0), qualityChanged: true),
        ])
        let pressure = PointRef(device: "hydrant-main", point: "pressure")
        let hydrant = TelemetrySample.samples([
            TelemetryPoint(pressure, .number(0.32, at: t0), qualityChanged: true),
            TelemetryPoint(pressure, .number(0.31, at: t0 + .seconds(1)), qualityChanged: false),
            TelemetryPoint(PointRef(device: "hydrant-main", point: "drift"), .number(.nan, at: t0), qualityChanged: false),
        ])
        expect(UplinkDocTests.encoder.telemetry(hydrant + lamp)!, is: "telemetry")
        #expect(UplinkDocTests.encoder.telemetry([TelemetrySample(device: "lamp-1", time: t0, values: ["power": .number(.infinity)])]) == nil,
                "nothing to send, no message")
    }

    @Test func alarmEventsAndTheirMirrors() {
        let e = UplinkDocTests.encoder
        let id = AlarmID(rawValue: "hydrant-main.pressure/low-pressure")
        var table = AlarmTable()
        let raise = table.apply(.raise(value: .number(0.08), message: "pressure 0.08 MPa below 0.14 MPa"), id: id, severity: .major, now: UplinkDocTests.t0)!
        let clear = table.apply(.clear(value: .number(0.16)), id: id, severity: .major, now: UplinkDocTests.t0 + .seconds(60))!
        let liftID = AlarmID(device: "lift-1", type: "trapped-passenger")
        _ = table.apply(.raise(value: nil, message: "passenger trapped outside the door zone for 15 s"), id: liftID, severity: .critical, now: UplinkDocTests.t0)
        let ack = table.acknowledge(liftID, by: "li.wei", now: UplinkDocTests.t0 + .seconds(120))!
        for (event, name) in [(raise, "alarm-raise"), (clear, "alarm-clear"), (ack, "alarm-acknowledge")] {
            let messages = e.alarm(event)
            #expect(messages.count == 2)
            expect(messages[0], is: name)
            expect(messages[1], is: name + "-mirror")
        }
    }

    @Test func health() {
        let h = GatewayHealth(time: UplinkDocTests.t0, uptime: .seconds(86400),
                              buses: [BusHealth(name: "rs485-1", utilisation: 0.42, transactions: 1_203_344, errors: 17)],
                              devices: [DeviceHealth(id: "hydrant-main", online: true, errors: 2), DeviceHealth(id: "lamp-1", online: false, errors: 15)],
                              outbox: OutboxStats(depth: [.telemetry: 12], bytes: 9600, maxBytes: 1 << 20, dropped: [.telemetry: 340], memory: 12),
                              uplink: UplinkStatus(broker: "mqtt://iot.example.cn:1883", reconnects: 3, rpcReceived: 5, rpcRejected: 1))
        expect(UplinkDocTests.encoder.health(h), is: "health")
    }

    /// Feeds request example `name-request` to the RPC parser; `execute` checks the command and
    /// gives the runtime's answer; the answer must be example `name-reply`.
    func checkRPC(_ name: String, parser: UplinkRPC = UplinkDocTests.parser, sourceLocation: SourceLocation = #_sourceLocation,
             execute: (GatewayCommand) -> Result<JSONValue, CommandError> = { c in
                 Issue.record("\(c) should have been refused")
                 return .success(.null)
             }) {
        guard let request = UplinkDocTests.examples[name + "-request"] else {
            Issue.record("docs/uplink.md has no example \"\(name)-request\"", sourceLocation: sourceLocation)
            return
        }
        let reply: OutboxMessage
        switch parser.parse(topic: request.topic, payload: Array(request.payload.utf8)) {
        case .execute(let r): reply = UplinkDocTests.encoder.rpcReply(to: r.address, execute(r.command))
        case .refuse(let address, let error): reply = UplinkDocTests.encoder.rpcReply(to: address, .failure(error))
        case .ignore(let reason):
            Issue.record("\(name) was ignored: \(reason ?? "")", sourceLocation: sourceLocation)
            return
        }
        expect(reply, is: name + "-reply", sourceLocation: sourceLocation)
    }

    @Test func commandsAndTheirAnswers() {
        checkRPC("rpc-setLamp") { c in
            #expect(c == .app(device: "lamp-1", command: "lamp", arguments: ["action": "dim", "level": 40, "for": "2h"]))
            return .success(["until": "2026-01-01T10:00:00.000+08:00", "by": "platform"])
        }
        checkRPC("rpc-setLamp-invalid")
        checkRPC("rpc-setThreshold") { c in
            #expect(c == .app(device: "hydrant-main", command: "set-threshold", arguments: ["alarm": "low-pressure", "value": 0.12]))
            return .success(["point": "pressure", "low": 0.12, "high": nil, "rapid-drop": 0.05, "persistent": false])
        }
        checkRPC("rpc-ackAlarm") { c in
            #expect(c == .acknowledge(AlarmID(rawValue: "lift-1/trapped-passenger")))
            return .success(["alarm": "lift-1/trapped-passenger", "by": "platform"])
        }
        checkRPC("rpc-ackAlarm-gateway") { c in
            #expect(c == .acknowledge(AlarmID(rawValue: "hydrant-main.pressure/low-pressure")))
            return .failure(CommandError(.notFound, "alarm hydrant-main.pressure/low-pressure is not active or already acknowledged"))
        }
        checkRPC("rpc-readRegisters", parser: UplinkDocTests.parserWithRegisters) { c in
            #expect(c == .readRegisters(bus: "rs485-1", unit: 3, table: .input, address: 0, count: 2))
            return .success(["values": [16020, 52429]])
        }
        checkRPC("rpc-runCommand-forbidden")
        checkRPC("rpc-runCommand", parser: UplinkDocTests.parserAsAdmin) { c in
            #expect(c == .deviceCommand(device: "hydrant-main", command: "set-baud", arguments: ["baud": 9600]))
            return .success(["unit": 3])
        }
        checkRPC("rpc-runCommand-invalid")
        checkRPC("rpc-writePoint") { c in
            #expect(c == .writePoint(PointRef(device: "lamp-1", point: "dim"), .number(40)))
            return .success(40)
        }
        checkRPC("rpc-writePoint-refused") { c in
            #expect(c == .writePoint(PointRef(device: "lamp-1", point: "dim"), .number(60)))
            return .failure(CommandError(.deviceError, "rs485-1 unit 5 write single register 0+1: exception 0x04 server device failure"))
        }
        checkRPC("rpc-writePoint-read-only")
        checkRPC("rpc-writeRegisters-forbidden")
        checkRPC("rpc-restart") { c in
            #expect(c == .restart)
            return .success(["restarting": true])
        }
        checkRPC("rpc-unknown-method")
        checkRPC("rpc-wrong-type")
        checkRPC("rpc-unknown-device")
    }

    @Test func malformedJSONForTheGatewayGetsAnInvalidArgumentAnswer() {
        guard let request = UplinkDocTests.examples["rpc-malformed-request"], let reply = UplinkDocTests.examples["rpc-malformed-reply"] else {
            Issue.record("docs/uplink.md lacks the malformed request example")
            return
        }
        guard case .refuse(let address, let error) = UplinkDocTests.parser.parse(topic: request.topic, payload: Array(request.payload.utf8)) else {
            Issue.record("a malformed request must be refused")
            return
        }
        let message = UplinkDocTests.encoder.rpcReply(to: address, .failure(error))
        #expect(message.topic == reply.topic)
        #expect(error.code == .invalidArgument && error.message.hasPrefix("invalid JSON at line 1, column 34: "), "\(error.message)")
        // The page shortens the parser's own words to "…".
        var documented = reply.json
        if case .object(var o)? = documented { o["message"] = .string(error.message); documented = .object(o) }
        #expect((try? JSONValue.parse(message.text)) == documented)
    }
}
