import FieldCore
@testable import FieldEngine
@testable import FieldStore
import FieldTestSupport
@testable import FieldUplink
import Foundation
import Synchronization
import Testing
@testable import FieldDevices
@testable import FieldRuntime

/// The runtime's side of the RPC path, for tests: records the commands and answers as told.
final class RecordingCommands: GatewayCommandHandler {
    private let received = Mutex<[GatewayCommand]>([])
    private let answer: @Sendable (GatewayCommand) async -> Result<JSONValue, CommandError>

    init(answer: @escaping @Sendable (GatewayCommand) async -> Result<JSONValue, CommandError> = { _ in .success(["done": true]) }) {
        self.answer = answer
    }

    func execute(_ command: GatewayCommand, origin: CommandOrigin) async -> Result<JSONValue, CommandError> {
        #expect(origin == .platform)
        received.withLock { $0.append(command) }
        return await answer(command)
    }

    var commands: [GatewayCommand] { received.withLock { $0 } }
}

/// A gate a slow command waits at until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { c in
            let now = state.withLock { s in
                if s.open { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume() }
    }
}

extension MosquittoSubscriber.Message {
    var json: JSONValue? { try? JSONValue.parse(payload) }
}

@Suite struct UplinkTests {
    static let devices = [UplinkDocTests.hydrant, UplinkDocTests.lamp, UplinkDocTests.lift]

    func uplink(_ broker: MosquittoBroker, outbox: Outbox, commands: any GatewayCommandHandler = RecordingCommands(),
                allowRegisterRPC: Bool = false, tls: TLSConfig? = nil, clock: any FieldClock = SystemClock()) throws -> Uplink {
        // A client id of its own: tests run in parallel, and a broker drops a client when another
        // connects with the same id.
        let settings = UplinkSettings(url: MQTTURL(broker.url)!, clientID: "uplink-test-\(UUID().uuidString.prefix(8))",
                                      keepalive: .seconds(5), tls: tls, allowRegisterRPC: allowRegisterRPC,
                                      reconnectDelay: .milliseconds(50) ... .milliseconds(400))
        return try Uplink(settings: settings, identity: UplinkDocTests.identity, devices: UplinkTests.devices, outbox: outbox,
                          commands: commands, clock: clock)
    }

    @Test func announcesTheGatewayAndDeliversTelemetryAlarmsAndHealth() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let observer = try MosquittoSubscriber(port: broker.port)
        try await observer.start()
        let dir = try TemporaryDirectory("uplink")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        let up = try uplink(broker, outbox: outbox)
        let encoder = up.encoder
        try up.start()
        #expect(await observer.wait { $0.contains { $0.topic == "v1/gateway/attributes" } })
        let connects = observer.messages(on: "v1/gateway/connect").compactMap(\.json)
        #expect(Set(connects) == Set(UplinkTests.devices.map { try! JSONValue.parse(encoder.connect($0).text) }))
        #expect(observer.messages(on: "fieldgate/demo-7/status").last?.json == ["online": true, "ts": observer.messages(on: "fieldgate/demo-7/status").last?.json?["ts"] ?? nil])
        #expect(observer.messages(on: "v1/devices/me/attributes").first?.json?["firmwareVersion"] == .string(FieldgateVersion.string))
        #expect(up.status.connected)

        let t0 = Timestamp(milliseconds: 1_767_225_600_000)
        up.publish(telemetry: [TelemetrySample(device: "hydrant-main", time: t0, values: ["pressure": .number(0.32)])])
        let raise = AlarmEvent(kind: .raise, id: AlarmID(rawValue: "hydrant-main.pressure/low-pressure"), severity: .major, time: t0,
                               value: .number(0.08), message: "pressure 0.08 MPa below 0.14 MPa")
        OutboxSink(audit: nil, outbox: outbox, encoder: up.encoder).alarm(raise)
        up.publish(health: GatewayHealth(time: t0, uptime: .seconds(60), buses: [BusHealth(name: "rs485-1", utilisation: 0.1, transactions: 10, errors: 0)]))
        #expect(await observer.wait { $0.contains { $0.topic == "v1/devices/me/telemetry" } })
        let published = try JSONValue.parse(encoder.alarm(raise)[0].text)   // outside #expect: Swift 6.0's takes no try inside
        #expect(observer.messages(on: "fieldgate/demo-7/alarms").compactMap(\.json) == [published])
        let telemetry = observer.messages(on: "v1/gateway/telemetry").compactMap(\.json)
        #expect(telemetry.contains(["demo-7.hydrant-main": [["ts": 1_767_225_600_000, "values": ["pressure": 0.32]]]]))
        #expect(telemetry.contains(try JSONValue.parse(encoder.alarm(raise)[1].text)))
        let health = observer.messages(on: "v1/devices/me/telemetry").first?.json?["values"]
        #expect(health?["bus.rs485-1.transactions"] == 10 && health?["outbox.depth"] != nil && health?["mqtt.reconnects"] == 0)
        #expect(await eventually { outbox.stats.totalDepth == 0 }, "every record is deleted once acknowledged")

        up.updateAttributes(device: "hydrant-main", ["serialNumber": "PT420-2309-0117"])
        #expect(await observer.wait { $0.contains { $0.json?["demo-7.hydrant-main"]?["serialNumber"] == "PT420-2309-0117" } })

        up.stop()
        #expect(await observer.wait { $0.last { $0.topic == "fieldgate/demo-7/status" }?.json?["online"] == false },
                "a clean stop says offline itself (the broker sends no will after a DISCONNECT)")
        #expect(!up.status.connected)
    }

    @Test func afterAnOutageEveryAlarmArrivesOnceInOrderAheadOfTheTelemetryBacklog() async throws {
        let broker = try MosquittoBroker(.init(persistent: true))
        try await broker.start()
        // A persistent session on a persistent broker: what the gateway sends before the
        // observer is back after the outage waits for it.
        let observer = try MosquittoSubscriber(port: broker.port, persistent: true)
        try await observer.start()
        let dir = try TemporaryDirectory("outage")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 8 << 20)
        let clock = ManualClock()
        let up = try uplink(broker, outbox: outbox, clock: clock)
        let sink = OutboxSink(audit: nil, outbox: outbox, encoder: up.encoder, clock: clock)
        try up.start()
        #expect(await observer.wait { $0.contains { $0.topic == "v1/gateway/attributes" } })

        broker.stop()
        #expect(await eventually { !up.status.connected })
        var table = AlarmTable()
        var expected: [String] = []
        let low = AlarmID(rawValue: "hydrant-main.pressure/low-pressure")
        let trapped = AlarmID(device: "lift-1", type: "trapped-passenger")
        for round in 0..<10 {
            for i in 0..<20 {
                up.publish(telemetry: [TelemetrySample(device: "hydrant-main", time: clock.now(), values: ["pressure": .number(0.3 + Double(round * 20 + i) / 10000)])])
                clock.advance(by: .milliseconds(500))
            }
            var events = [
                table.apply(.raise(value: .number(0.08), message: "pressure low, round \(round)"), id: low, severity: .major, now: clock.now()),
                table.apply(.raise(value: nil, message: "trapped, round \(round)"), id: trapped, severity: .critical, now: clock.now() + .seconds(1)),
                table.apply(.clear(value: .number(0.2)), id: low, severity: .major, now: clock.now() + .seconds(2)),
            ]
            events.append(table.acknowledge(trapped, by: "li.wei", now: clock.now() + .seconds(3)))
            events.append(table.apply(.clear(value: nil), id: trapped, severity: .critical, now: clock.now() + .seconds(4)))
            for e in events.compactMap({ $0 }) {
                sink.alarm(e)
                expected.append(up.encoder.alarm(e)[0].text)
            }
            clock.advance(by: .seconds(5))
        }
        #expect(expected.count == 50)
        #expect(outbox.stats.depth == [.alarm: 100, .telemetry: 200], "each event and its mirror wait in the outbox")

        try await broker.start()
        let arrived = await observer.wait(timeout: .seconds(30)) { messages in
            messages.filter { $0.topic == "v1/gateway/telemetry" && $0.payload.contains(#""pressure":"#) }.count >= 200
                && messages.filter { $0.topic == "fieldgate/demo-7/alarms" }.count >= expected.count
        }
        #expect(arrived, "\(observer.messages.count) messages; \(observer.transcript.suffix(2000))")
        let messages = observer.messages
        let alarms = messages.filter { $0.topic == "fieldgate/demo-7/alarms" }
        #expect(alarms.map(\.payload) == expected, "every alarm event, exactly once, in the order raised, with its content")
        let lastAlarm = messages.lastIndex { $0.topic == "fieldgate/demo-7/alarms" || $0.payload.contains("alarm.") }
        let firstBacklog = messages.firstIndex { $0.topic == "v1/gateway/telemetry" && $0.payload.contains(#""pressure":"#) }
        #expect(lastAlarm != nil && firstBacklog != nil && lastAlarm! < firstBacklog!, "alarms and their mirrors go before the telemetry backlog")
        let pressures = messages.filter { $0.topic == "v1/gateway/telemetry" && $0.payload.contains(#""pressure":"#) }
            .compactMap { $0.json?["demo-7.hydrant-main"]?.arrayValue?.first?["values"]?["pressure"]?.numberValue }
        #expect(pressures == (0..<200).map { 0.3 + Double($0) / 10000 }, "the telemetry backlog arrives complete and in order")
        #expect(await eventually { outbox.stats.totalDepth == 0 })
        #expect(up.status.reconnects == 1)
        up.stop()
    }

    @Test func theLastWillSaysOfflineWhenTheGatewayDies() async throws {
        guard let bench = builtProduct("fieldbench") else {
            Issue.record("fieldbench is not built next to the tests (swift build --build-tests builds it)")
            return
        }
        let broker = try MosquittoBroker()
        try await broker.start()
        let observer = try MosquittoSubscriber(port: broker.port, filter: "fieldgate/will-test/status")
        try await observer.start()
        let dir = try TemporaryDirectory("will")
        let output = Mutex("")
        let child = try SpawnedProcess(bench, ["outbox-writer", "--db", dir.file("outbox.db"), "--mqtt", broker.url, "--gateway", "will-test", "--count", "1"],
                                     output: .pipe { data in output.withLock { $0 += String(decoding: data, as: UTF8.self) } })
        #expect(await eventually { output.withLock { $0.contains("done") } }, "\(output.withLock { $0 })")
        #expect(await observer.wait { $0.last?.json?["online"] == true })
        child.send(SIGKILL)
        child.wait()
        #expect(await observer.wait { $0.last?.json == ["online": false] }, "the broker publishes the will when the connection dies: \(observer.messages)")
    }

    @Test func platformCommandsAreAnsweredAndMalformedOnesChangeNothing() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let observer = try MosquittoSubscriber(port: broker.port, filter: "v1/#")
        try await observer.start()
        let dir = try TemporaryDirectory("rpc")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        let commands = RecordingCommands { c in
            c == .restart ? .success(["restarting": true]) : .success(["until": "2026-01-01T10:00:00.000+08:00", "by": "platform"])
        }
        let up = try uplink(broker, outbox: outbox, commands: commands)
        try up.start()
        #expect(await eventually { up.status.connected })
        #expect(await observer.wait { $0.contains { $0.topic == "v1/gateway/attributes" } })

        func replies() -> [Int: JSONValue] {
            var r: [Int: JSONValue] = [:]
            for m in observer.messages(on: "v1/gateway/rpc") {
                guard let j = m.json, j["data"]?["method"] == nil, let id = j["id"]?.numberValue else { continue }
                r[Int(id)] = j["data"]
            }
            return r
        }
        let requests = [
            (1, #"{"device": "demo-7.lamp-1", "data": {"id": 1, "method": "setLamp", "params": {"action": "dim", "level": 40, "for": "2h"}}}"#),
            (2, #"{"device": "demo-7.lamp-1", "data": {"id": 2, "method": "blink", "params": {}}}"#),
            (3, #"{"device": "demo-7.lamp-1", "data": {"id": 3, "method": "setLamp", "params": {"action": 1}}}"#),
            (4, #"{"device": "demo-7.lamp-1", "data": {"id": 4, "method": "setLamp", "params": {"action": "dim", "level": 101}}}"#),
            (5, #"{"device": "demo-7.lamp-7", "data": {"id": 5, "method": "setLamp", "params": {"action": "on"}}}"#),
            (6, #"{"device": "demo-7.hydrant-main", "data": {"id": 6, "method": "readRegisters", "params": {"table": "input", "address": 0, "count": 2}}}"#),
            (7, #"{"device": "demo-7.lamp-1", "data": {"id": 7, "method": "setLamp", "params": "{\"action\": \"on\"}"}}"#),
        ]
        try broker.publish(topic: "v1/gateway/rpc", payload: "{this is not JSON")
        for (_, payload) in requests { try broker.publish(topic: "v1/gateway/rpc", payload: payload) }
        try broker.publish(topic: "v1/devices/me/rpc/request/9", payload: #"{"method": "restart", "params": {}}"#)
        try broker.publish(topic: "v1/devices/me/rpc/request/10", payload: #"{"method": "restart", "params": {"#)
        try broker.publish(topic: "v1/devices/me/rpc/request/11", payload: #"{"method": "reboot"}"#)
        #expect(await eventually { replies().count == requests.count && observer.messages.filter { $0.topic.hasPrefix("v1/devices/me/rpc/response/") }.count == 3 },
                "\(observer.messages)")

        let r = replies()
        #expect(r[1] == ["success": true, "result": ["until": "2026-01-01T10:00:00.000+08:00", "by": "platform"]])
        #expect(r[2] == ["success": false, "error": "invalid-argument", "message": "unknown method \"blink\" (expected one of: setLamp, setThreshold, ackAlarm, runCommand, writePoint, readRegisters, writeRegisters)"])
        #expect(r[3] == ["success": false, "error": "invalid-argument", "message": "params.action: expected a string, got a number"])
        #expect(r[4] == ["success": false, "error": "invalid-argument", "message": "params.level: 101 is out of range (expected 0…100)"])
        #expect(r[5]?["error"] == "not-found")
        #expect(r[6]?["error"] == "forbidden")
        #expect(r[7]?["success"] == true)
        let gateway = Dictionary(uniqueKeysWithValues: observer.messages.filter { $0.topic.hasPrefix("v1/devices/me/rpc/response/") }.map { ($0.topic, $0.json) })
        #expect(gateway["v1/devices/me/rpc/response/9"] == ["success": true, "result": ["restarting": true]])
        #expect(gateway["v1/devices/me/rpc/response/10"]??["error"] == "invalid-argument")
        #expect(gateway["v1/devices/me/rpc/response/11"]??["error"] == "invalid-argument")

        // Commands run concurrently, so they may start in any order.
        #expect(commands.commands.count == 3, "only the three valid commands ran: \(commands.commands)")
        #expect(Set(commands.commands) == [.app(device: "lamp-1", command: "lamp", arguments: ["action": "dim", "level": 40, "for": "2h"]),
                                           .app(device: "lamp-1", command: "lamp", arguments: ["action": "on"]), .restart])
        #expect(up.status.rpcReceived == 11 && up.status.rpcRejected == 8, "\(up.status)")
        up.stop()
    }

    @Test func aSlowCommandDoesNotHoldUpOthersOrTheConnection() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let observer = try MosquittoSubscriber(port: broker.port, filter: "v1/gateway/rpc")
        try await observer.start()
        let dir = try TemporaryDirectory("slow")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        let gate = Gate()
        let commands = RecordingCommands { c in
            if case .acknowledge = c { await gate.wait() }
            return .success(["ok": true])
        }
        let up = try uplink(broker, outbox: outbox, commands: commands)
        try up.start()
        #expect(await eventually { up.status.connected })
        func answered(_ id: Int) -> Bool {
            observer.messages.contains { $0.json?["id"] == .number(Double(id)) && $0.json?["data"]?["success"] == true }
        }
        try broker.publish(topic: "v1/gateway/rpc", payload: #"{"device": "demo-7.lift-1", "data": {"id": 20, "method": "ackAlarm", "params": {"alarm": "trapped-passenger"}}}"#)
        #expect(await eventually { commands.commands.count == 1 }, "the slow command is running")
        try broker.publish(topic: "v1/gateway/rpc", payload: #"{"device": "demo-7.lamp-1", "data": {"id": 21, "method": "setLamp", "params": {"action": "on"}}}"#)
        #expect(await eventually { answered(21) }, "answered while the other command waits for its bus")
        #expect(!answered(20))
        gate.open()
        #expect(await eventually { answered(20) })
        up.stop()
    }

    @Test func tlsWithAClientCertificate() async throws {
        let certs = try TestCertificates(client: "demo-7")
        let broker = try MosquittoBroker(.init(tls: certs.brokerTLS()))
        try await broker.start()
        let observer = try MosquittoSubscriber(port: broker.port, filter: "fieldgate/#", extra: certs.clientOptions)
        try await observer.start()
        let dir = try TemporaryDirectory("tls")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        let up = try uplink(broker, outbox: outbox, tls: TLSConfig(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey))
        try up.start()
        #expect(await eventually { up.status.connected }, "\(up.status) \(broker.log)")
        OutboxSink(audit: nil, outbox: outbox, encoder: up.encoder)
            .alarm(AlarmEvent(kind: .raise, id: AlarmID(device: "lift-1", type: "alarm-button"), severity: .critical,
                              time: Timestamp(milliseconds: 1_767_225_600_000), value: nil, message: "alarm button pressed"))
        #expect(await observer.wait { $0.contains { $0.topic == "fieldgate/demo-7/alarms" } })
        up.stop()
    }

    @Test func aCallbackHandlerAnswersFromAnotherThread() async {
        let handler = UplinkCommandHandler { command, origin, reply in
            Thread { reply(command == .restart && origin == .platform ? .success(["restarting": true]) : .failure(CommandError(.notFound, "no"))) }.start()
        }
        #expect(await handler.execute(.restart, origin: .platform) == .success(["restarting": true]))
        #expect(await handler.execute(.acknowledge(AlarmID(rawValue: "a/b")), origin: .platform) == .failure(CommandError(.notFound, "no")))
    }

    @Test func theEnginesTelemetryBecomesOneSamplePerDeviceAndTime() {
        let t0 = UplinkDocTests.t0
        let samples = TelemetrySample.samples([
            TelemetryPoint(PointRef(device: "lamp-1", point: "power"), .number(61.5, at: t0), qualityChanged: false),
            TelemetryPoint(PointRef(device: "hydrant-main", point: "pressure"), .number(0.31, at: t0 + .seconds(1)), qualityChanged: false),
            TelemetryPoint(PointRef(device: "lamp-1", point: "voltage"), Reading(nil, quality: .commError, at: t0), qualityChanged: true),
            TelemetryPoint(PointRef(device: "hydrant-main", point: "pressure"), .number(0.32, at: t0), qualityChanged: false),
        ])
        #expect(samples == [TelemetrySample(device: "hydrant-main", time: t0, values: ["pressure": .number(0.32)]),
                            TelemetrySample(device: "lamp-1", time: t0, values: ["power": .number(61.5), "voltage.quality": .text("comm-error")]),
                            TelemetrySample(device: "hydrant-main", time: t0 + .seconds(1), values: ["pressure": .number(0.31)])])
    }

    /// Quality is state at the platform (latest value per key): it goes with the sample where it
    /// changed, the return to good included, and not with every sample.
    @Test func qualityIsSentWhenItChangesIncludingTheReturnToGood() {
        let t0 = UplinkDocTests.t0
        let table = PointTable()
        table.mode = .every
        let ref = PointRef(device: "lamp-1", point: "voltage")
        table.declare(ref, PointInfo(unit: "V", source: .modbus))
        table.update(ref, .number(229.1, at: t0))
        table.update(ref, .number(229.2, at: t0 + .seconds(1)))
        table.update(ref, Reading(.number(229.2), quality: .commError, at: t0 + .seconds(2)))
        table.update(ref, Reading(.number(229.2), quality: .commError, at: t0 + .seconds(3)))
        table.update(ref, .number(229.3, at: t0 + .seconds(4)))
        let samples = TelemetrySample.samples(table.takeChanged())
        #expect(samples.map(\.values) == [["voltage": .number(229.1), "voltage.quality": .text("good")],
                                          ["voltage": .number(229.2)],
                                          ["voltage.quality": .text("comm-error")],
                                          ["voltage": .number(229.3), "voltage.quality": .text("good")]])
        #expect(table.takeChanged().isEmpty)
    }

    /// `every` sends each sample with its own time, `changes` those that moved beyond the
    /// deadband, `latest` one per period: what the telemetry modes of docs/configuration.md say.
    @Test func theTelemetryModesKeepWhatTheySay() {
        let t0 = UplinkDocTests.t0
        let values = [0.300, 0.301, 0.310, 0.310, 0.305]
        func sent(_ mode: TelemetryMode) -> [Double] {
            let table = PointTable()
            table.mode = mode
            let ref = PointRef(device: "main-pt", point: "pressure")
            table.declare(ref, PointInfo(unit: "MPa", source: .modbus, deadband: 0.005))
            for (i, v) in values.enumerated() { table.update(ref, .number(v, at: t0 + .seconds(Int64(i)))) }
            return table.takeChanged().compactMap { $0.reading.value?.number }
        }
        #expect(sent(.every) == values)
        #expect(sent(.changes) == [0.300, 0.310, 0.305])
        #expect(sent(.latest) == [0.305])
    }

    @Test func theMQTTOptionOverridesTheSitesBroker() throws {
        let site = UplinkConfig(url: MQTTURL("mqtts://gw7:s3cret@iot.example.cn:8883")!, clientID: "pole-7", topicPrefix: "city/zz",
                                keepalive: .seconds(60), tls: TLSConfig(caFile: "/etc/fieldgate/ca.pem", certFile: nil, keyFile: nil),
                                allowRegisterRPC: true)
        #expect(UplinkSettings.resolve(site: nil, override: nil) == nil)
        #expect(UplinkSettings.resolve(site: site, override: nil) == UplinkSettings(site))

        let plain = UplinkSettings.resolve(site: site, override: MQTTURL("mqtt://127.0.0.1:1883"))!
        #expect(plain.url.description == "mqtt://127.0.0.1:1883" && plain.url.password == nil, "a demo broker never gets the site's password")
        #expect(plain.tls == nil && plain.topicPrefix == "city/zz" && plain.clientID == "pole-7" && plain.allowRegisterRPC)

        let secure = UplinkSettings.resolve(site: site, override: MQTTURL("mqtts://u:p@broker.test:8884"))!
        #expect(secure.tls?.caFile == "/etc/fieldgate/ca.pem" && secure.url.username == "u" && secure.url.password == "p")

        let bare = UplinkSettings.resolve(site: nil, override: MQTTURL("mqtts://broker.test"))!
        let topics = UplinkTopics(gateway: "demo-7")
        let options = bare.clientOptions(topics: topics, encoder: UplinkEncoder(topics: topics, identity: UplinkDocTests.identity))
        #expect(options.port == 8883 && options.tls == MQTTClientOptions.TLS() && options.clientID == "fieldgate-demo-7",
                "mqtts:// without a CA file uses the system's CAs")
        #expect(options.will?.topic == "fieldgate/demo-7/status" && options.will?.retain == true)
    }
}
