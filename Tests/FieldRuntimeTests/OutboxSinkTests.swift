import FieldCore
import FieldDevices
import FieldTestSupport
import Foundation
import Synchronization
import Testing
@testable import FieldRuntime

/// The glue the daemon hands the engine (`OutboxSink`): an alarm is in the outbox before
/// `EngineSink.alarm` returns, with or without a running uplink; telemetry waits in the outbox.
@Suite struct OutboxSinkTests {
    let encoder = UplinkEncoder(topics: UplinkTopics(gateway: "demo-7"), identity: UplinkDocTests.identity)
    let t0 = Timestamp(milliseconds: 1_767_225_600_000)

    func lowPressure(_ kind: AlarmEvent.Kind = .raise) -> AlarmEvent {
        AlarmEvent(kind: kind, id: AlarmID(rawValue: "hydrant-main.pressure/low-pressure"), severity: .major, time: t0,
                   value: .number(0.08), message: "pressure 0.08 MPa below 0.14 MPa")
    }

    /// The topics committed to the file, read through a connection of its own (what a process
    /// started after `kill -9` would find).
    func committedTopics(_ path: String) throws -> [String] {
        let reader = try SQLiteDatabase(path: path, mode: .readOnly)
        return try reader.query("SELECT topic FROM outbox ORDER BY seq") { $0.text(0) }
    }

    @Test func anAlarmIsCommittedBeforeAlarmReturnsWhenNoUplinkRuns() throws {
        let dir = try TemporaryDirectory("sink-alarm")
        let path = dir.file("outbox.db")
        let outbox = try Outbox(path: path, maxBytes: 8 << 20)
        defer { outbox.close() }
        let sink = OutboxSink(audit: nil, outbox: outbox, encoder: encoder)

        sink.alarm(lowPressure())
        // No waiting, no flush: the event and its telemetry mirror are already in the file.
        #expect(try committedTopics(path) == ["fieldgate/demo-7/alarms", "v1/gateway/telemetry"])
        sink.alarm(lowPressure(.clear))
        #expect(try committedTopics(path).count == 4)
        #expect(outbox.stats.depth[.alarm] == 4)
    }

    @Test func anAlarmIsCommittedBeforeAlarmReturnsWithAnUplinkAttached() throws {
        let dir = try TemporaryDirectory("sink-uplink")
        let path = dir.file("outbox.db")
        let outbox = try Outbox(path: path, maxBytes: 8 << 20)
        defer { outbox.close() }
        // An uplink that is never started: no broker, the records wait for it.
        let settings = UplinkSettings(url: MQTTURL("mqtt://127.0.0.1:1")!)
        let uplink = try Uplink(settings: settings, identity: UplinkDocTests.identity, devices: UplinkTests.devices, outbox: outbox,
                                commands: RecordingCommands())
        let sink = OutboxSink(audit: nil, outbox: outbox, encoder: uplink.encoder)
        sink.attach(uplink, points: PointTable())

        sink.alarm(lowPressure())
        let expected = uplink.encoder.alarm(lowPressure()).map { $0.topic }
        #expect(try committedTopics(path) == expected)
    }

    @Test func inMemoryTheAlarmIsHeldBeforeAlarmReturns() throws {
        // The fallback when the state directory cannot take a file: nothing survives a restart,
        // but the alarm is in the outbox (and sent while the gateway runs) before the engine goes on.
        let outbox = try Outbox(path: ":memory:", maxBytes: 1 << 20)
        defer { outbox.close() }
        let sink = OutboxSink(audit: nil, outbox: outbox, encoder: encoder)
        sink.alarm(lowPressure())
        #expect(outbox.stats.depth[.alarm] == 2)
    }

    @Test func withoutAnUplinkConfiguredNothingIsStored() async throws {
        let dir = try TemporaryDirectory("sink-none")
        let path = dir.file("outbox.db")
        let outbox = try Outbox(path: path, maxBytes: 8 << 20)
        defer { outbox.close() }
        let sink = OutboxSink(audit: nil, outbox: outbox, encoder: nil)
        sink.alarm(lowPressure())
        sink.gatewayAlarm("storage-unavailable", "no disk")
        sink.telemetry([TelemetryPoint(PointRef(device: "hydrant-main", point: "pressure"),
                                       Reading(.number(0.3), at: t0), qualityChanged: false)])
        #expect(try await outbox.records().isEmpty, "no platform, nothing kept for one: the log has the alarm")
    }

    @Test func telemetryWaitsInTheOutboxWithOrWithoutAnUplink() async throws {
        let outbox = try Outbox(path: ":memory:", maxBytes: 1 << 20)
        defer { outbox.close() }
        let sink = OutboxSink(audit: nil, outbox: outbox, encoder: encoder)
        let reading = TelemetryPoint(PointRef(device: "hydrant-main", point: "pressure"),
                                     Reading(.number(0.3), at: t0), qualityChanged: false)
        sink.telemetry([reading])
        #expect(await eventually { outbox.stats.depth[.telemetry] == 1 })

        let uplink = try Uplink(settings: UplinkSettings(url: MQTTURL("mqtt://127.0.0.1:1")!), identity: UplinkDocTests.identity,
                                devices: UplinkTests.devices, outbox: outbox, commands: RecordingCommands())
        sink.attach(uplink, points: PointTable())
        sink.telemetry([reading])
        #expect(await eventually { outbox.stats.depth[.telemetry] == 2 })
        let records = try await outbox.records()
        let expected = try #require(encoder.telemetry(TelemetrySample.samples([reading])))
        #expect(records.map(\.message.text) == [expected.text, expected.text], "the same message either way")
    }

    @Test func aGatewayAlarmIsCommittedWithTheNextWrite() async throws {
        let dir = try TemporaryDirectory("sink-gateway")
        let path = dir.file("outbox.db")
        let outbox = try Outbox(path: path, maxBytes: 8 << 20)
        defer { outbox.close() }
        let sink = OutboxSink(audit: nil, outbox: outbox, encoder: encoder, clock: ManualClock(t0))
        sink.gatewayAlarm("uplink-unavailable", "the uplink cannot start")
        #expect(await eventually { ((try? committedTopics(path)) ?? []).count == 2 })
        let stored = try await outbox.records()
        #expect(stored.first?.message.text.contains("gateway/uplink-unavailable") == true)
    }
}
