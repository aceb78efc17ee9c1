import FieldCore
import Foundation
import GB26875
import Synchronization
import Testing

@testable import FieldSim

/// The centre's reads (command 4) answered by the gateway's link from a real translator, over
/// real TCP, read back by the centre's own decoder; and the operation records of console and
/// platform commands reaching the centre.
@Suite("GB 26875.3 reads and operation records at the centre", .serialized)
struct CentreQueryTests {
    static let hydrant = GB26875System(type: 11, address: 1)
    static let pressure = PointRef(device: "main-pt", point: "pressure")

    /// The gateway's side: the translator the link answers from, and the point table's readings.
    final class Gateway: Sendable {
        // The same mapping as GB26875ReadTests' (GB26875Tests): the two test targets share no
        // module a fixture could live in without a new dependency, so each has its copy.
        static let mappings = [
            GB26875PointMapping(point: pressure, device: "main-pt", system: hydrant, component: GB26875ComponentRef(type: 0, address: 1),
                                analog: (5, 10_000)),
            GB26875PointMapping(point: PointRef(device: "pump-room", point: "fire-pump-run"), device: "pump-room", system: hydrant,
                                component: GB26875ComponentRef(type: 91, address: 4), whenTrue: .started, alarms: ["pump-fault": .fault]),
            GB26875PointMapping(point: nil, device: "cabinet-1", system: GB26875System(type: 128, address: 2),
                                component: GB26875ComponentRef(type: 0, address: 9)),
        ]
        /// Shared by the translator and the rig's link, as the gateway shares it.
        let timeSync: GB26875TimeSync
        let translator: Mutex<GB26875Translator>
        let current = Mutex<[PointRef: Reading]>([:])
        let confirmed = Mutex<[Int32]>([])
        /// An answer given instead of the translator's (a misbehaving answerer).
        let forced = Mutex<GB26875Answer?>(nil)

        init(mappings: [GB26875PointMapping] = Gateway.mappings) {
            let sync = GB26875TimeSync()
            timeSync = sync
            translator = Mutex(GB26875Translator(mappings: mappings, utcOffsetMinutes: 480, timeSync: sync))
        }

        var events: GB26875LinkEvents {
            GB26875LinkEvents(confirmed: { t in self.confirmed.withLock { $0.append(t) } }, rejected: { _, _ in }, ready: { _ in },
                              deviceState: { self.translator.withLock { $0.deviceState() } },
                              answer: { queries, now in
                                  if let forced = self.forced.withLock({ $0 }) { return forced }
                                  let readings = self.current.withLock { $0 }
                                  return self.translator.withLock { $0.answer(queries, now: now, current: { readings[$0] }) }
                              })
        }

        func records(_ make: (GB26875Translator) -> [GB26875Record]) throws -> [[UInt8]] {
            try translator.withLock { t in try make(t).map { try $0.unit.encoded() } }
        }
    }

    struct Rig {
        let centre = GB26875Centre()
        let gateway: Gateway
        let log = LogBook()
        let link: GB26875Link

        init(ackTimeout: Duration = .seconds(2), gateway: Gateway = Gateway()) throws {
            self.gateway = gateway
            try centre.start()
            let settings = GB26875LinkSettings(host: "127.0.0.1", port: centre.port, source: GB26875Address(2001), destination: GB26875Address(1),
                                               ackTimeout: ackTimeout, retries: 2, heartbeat: .seconds(60),
                                               reconnectMin: .milliseconds(100), reconnectMax: .milliseconds(400))
            let link = try GB26875Link(settings: settings, events: gateway.events, utcOffsetMinutes: 480, timeSync: gateway.timeSync,
                                       logger: Logger("gb26875", book: log))
            self.link = link
            Thread { link.run() }.start()
            waitFor("the connection") { link.status.connected && centre.connectionCount == 1 }
        }

        func stop() {
            link.stop()
            centre.stop()
            _ = Waiting.until(timeout: .seconds(5)) { link.status.connected ? nil : true }
        }

        func waitFor(_ what: String, _ condition: () -> Bool) {
            if Waiting.until(timeout: .seconds(15), { condition() ? true : nil }) == nil {
                Issue.record("timed out waiting for \(what); link \(link.status), centre problems \(centre.problems)")
            }
        }

        /// Sends a read and waits for its answer.
        func ask(_ data: [UInt8]) -> GB26875Centre.Answer? {
            let serial = centre.query(data)
            waitFor("the answer to request \(serial)") { centre.answer(to: serial) != nil }
            return centre.answer(to: serial)
        }
    }

    @Test func eachSupportedReadIsAnsweredWithTheGatewaysCurrentValues() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let now = SystemClock().now()
        _ = rig.gateway.translator.withLock {
            $0.alarm(AlarmEvent(kind: .raise, id: AlarmID(rawValue: "pump-room/pump-fault"), severity: .major, time: now, value: nil, message: ""))
        }
        rig.gateway.current.withLock { $0[Self.pressure] = Reading(.number(0.352), at: now) }

        let system = try #require(rig.ask([61, 1, 11, 1]))
        #expect(system.command == "response" && system.request == 61 && system.objects.count == 1)
        #expect(system.objects.first?["kind"] == "system-status" && system.objects.first?["state"] == ["normal", "fault"])
        let component = try #require(rig.ask([62, 1, 11, 1, 4, 0, 0, 0]))
        #expect(component.objects.first?["kind"] == "component-status" && component.objects.first?["state"] == ["normal", "fault"])
        #expect(component.objects.first?["component"]?["type"] == 91 && component.objects.first?["component"]?["address"] == 4)
        #expect(component.objects.first?["description"] == "pump-room.fire-pump-run")
        let analog = try #require(rig.ask([63, 1, 11, 1, 1, 0, 0, 0]))
        #expect(analog.objects.first?["value"] == 3520 && analog.objects.first?["reading"] == "352.0 kPa")
        let device = try #require(rig.ask([81, 1, 0]))
        #expect(device.objects.first?["kind"] == "device-status" && device.objects.first?["state"] == ["monitoring", "fault"])
        let time = try #require(rig.ask([88, 1, 0]))
        #expect(time.objects.first?["kind"] == "device-time")
        let label = try #require(time.objects.first?["time"]?.stringValue)
        let numbers = label.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        try #require(numbers.count == 6)
        let sent = CivilTime(year: numbers[0], month: numbers[1], day: numbers[2], hour: numbers[3], minute: numbers[4], second: numbers[5])
        let skew = (sent.timestamp(offsetMinutes: 480) - SystemClock().now()).inSeconds
        #expect(abs(skew) < 5, "device time \(label) is \(skew) s from ours")

        // The answer follows the reading: it is the current one, not the last one sent.
        rig.gateway.current.withLock { $0[Self.pressure] = Reading(.number(0.36), at: SystemClock().now()) }
        #expect(rig.ask([63, 1, 11, 1, 1, 0, 0, 0])?.objects.first?["value"] == 3600)
        #expect(rig.link.status.answered == 6 && rig.link.status.refused == 0)
        #expect(rig.centre.problems.isEmpty)
        // The answers are in what the centre received, marked, for scenarios.
        #expect(rig.centre.received.filter { $0.object["answer"] == "response" }.count == 6)
    }

    @Test func unsupportedAndMalformedReadsAreLoggedAndDenied() throws {
        let rig = try Rig()
        defer { rig.stop() }
        // Software version (65): the gateway does not answer it; a component read cut short; a
        // read of a component without an analogue point.
        #expect(rig.ask([65, 1, 11, 1])?.command == "deny")
        #expect(rig.ask([62, 1, 11, 1, 4])?.command == "deny")
        #expect(rig.ask([63, 1, 11, 1, 4, 0, 0, 0])?.command == "deny")
        #expect(rig.ask([62, 0])?.command == "deny")
        let lines = rig.log.recent(50).map(\.message)
        #expect(lines.contains { $0.contains("read facility software version (type 65) is not answered by this gateway; denied") })
        #expect(lines.contains { $0.contains("malformed request: read component state (type 62): 1 objects of 6 bytes need 6, the request has 3") })
        #expect(lines.contains { $0.contains("no analogue point at component 4 in system 11/1; denied") })
        #expect(rig.link.status.refused == 4 && rig.link.status.answered == 0)
        // The link stays up; a deny joins what the centre received for scenarios.
        #expect(rig.link.status.connects == 1)
        #expect(rig.centre.received.contains { $0.object["kind"] == "denied" && $0.object["request"] == 65 })
    }

    @Test func readsWhileARecordIsInFlightLoseAndReorderNothing() throws {
        let rig = try Rig(ackTimeout: .seconds(3))
        defer { rig.stop() }
        // Each confirm comes 300 ms late: the reads arrive while a record waits for its confirm.
        rig.centre.setFault(.delay, delay: .milliseconds(300))
        let values = [100, 200, 300, 400, 500]
        for (i, v) in values.enumerated() {
            let unit = try GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(
                Self.hydrant, GB26875ComponentRef(type: 0, address: 1), analogType: 5, value: v, time: CivilTime(year: 2026, month: 12, day: 8))]).encoded()
            rig.link.send(tag: Int32(i + 1), data: unit)
        }
        var serials: [Int] = []
        for _ in 0..<6 {
            serials.append(rig.centre.query([81, 1, 0]))
            usleep(120_000)
        }
        rig.waitFor("five confirms") { rig.gateway.confirmed.withLock { $0.count } == 5 }
        rig.waitFor("six answers") { serials.allSatisfy { rig.centre.answer(to: $0) != nil } }
        #expect(rig.gateway.confirmed.withLock { $0 } == [1, 2, 3, 4, 5])
        let received = rig.centre.received.compactMap { $0.object["kind"] == "analog-value" ? $0.object["value"]?.numberValue.map { Int($0) } : nil }
        #expect(received == values)
        #expect(serials.allSatisfy { rig.centre.answer(to: $0)?.command == "response" })
        // Nothing was sent twice or timed out: the answers did not disturb the confirms.
        #expect(rig.link.status.sent == 5 && rig.link.status.timeouts == 0 && rig.link.status.confirmed >= 5)
        #expect(rig.centre.problems.isEmpty)
    }

    @Test func operationRecordsOfCommandsReachTheCentre() throws {
        let rig = try Rig()
        defer { rig.stop() }
        let now = SystemClock().now()
        let units = try rig.gateway.records { $0.operation(device: "cabinet-1", command: "reset", at: now) }
            + rig.gateway.records { $0.operation(device: "pump-room", command: "self-test", at: now) }
            + rig.gateway.records { $0.deviceOperation(.reset, at: now) }
        #expect(units.count == 3)
        for (i, u) in units.enumerated() { rig.link.send(tag: Int32(i + 1), data: u) }
        rig.waitFor("three confirms") { rig.gateway.confirmed.withLock { $0.count } == 3 }
        let operations = rig.centre.received.map(\.object).filter { $0["kind"] == "operation-record" || $0["kind"] == "device-operation" }
        #expect(operations.count == 3)
        #expect(operations.first?["system"]?["type"] == 128 && operations.first?["system"]?["address"] == 2)
        #expect(operations.first?["operations"] == ["reset"] && operations.first?["operator"] == 0)
        #expect(operations.dropFirst().first?["system"]?["name"] == "hydrant" && operations.dropFirst().first?["operations"] == ["self-test"])
        #expect(operations.last?["kind"] == "device-operation" && operations.last?["operations"] == ["reset"])
        #expect(rig.centre.problems.isEmpty)
    }

    /// A decoder's time text (`2026-12-08T08:31:12`) as a timestamp of the site's +08:00.
    static func timestamp(_ text: String?) throws -> Timestamp {
        let n = try #require(text).split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        try #require(n.count == 6)
        return CivilTime(year: n[0], month: n[1], day: n[2], hour: n[3], minute: n[4], second: n[5]).timestamp(offsetMinutes: 480)
    }

    @Test func afterATimeSyncEveryLabelTheCentreGetsIsOnItsClock() throws {
        let rig = try Rig()
        defer { rig.stop() }
        // The centre's clock is an hour ahead: it says so with a time sync.
        let ahead = SystemClock().now() + .seconds(3600)
        CentreAction.timeSync.apply(to: rig.centre, now: ahead)
        rig.waitFor("the offset applied") { abs(rig.gateway.timeSync.offset.inSeconds - 3600) < 5 }
        #expect(abs(rig.link.status.clockOffset.inSeconds - 3600) < 5)
        // Then the pump faults (a record stored and sent) and the pressure is sampled.
        let now = SystemClock().now()
        let units = try rig.gateway.records {
            $0.alarm(AlarmEvent(kind: .raise, id: AlarmID(rawValue: "pump-room/pump-fault"), severity: .major, time: now, value: nil, message: ""))
        }
        for (i, u) in units.enumerated() { rig.link.send(tag: Int32(i + 1), data: u) }
        rig.waitFor("the records' confirms") { rig.gateway.confirmed.withLock { $0.count } == units.count }
        rig.gateway.current.withLock { $0[Self.pressure] = Reading(.number(0.352), at: now) }
        let component = try #require(rig.ask([62, 1, 11, 1, 4, 0, 0, 0]))
        let analog = try #require(rig.ask([63, 1, 11, 1, 1, 0, 0, 0]))
        let device = try #require(rig.ask([81, 1, 0]))
        let time = try #require(rig.ask([88, 1, 0]))
        let record = try #require(rig.centre.received.first { $0.object["kind"] == "component-status" && $0.object["answer"] == nil })
        // Every label: the record's, the answers' objects and the answers' own frames.
        let labels: [(String, String?)] = [
            ("the stored record", record.object["time"]?.stringValue),
            ("the component's change", component.objects.first?["time"]?.stringValue), ("its frame", component.time),
            ("the sample", analog.objects.first?["time"]?.stringValue), ("its frame", analog.time),
            ("the device state", device.objects.first?["time"]?.stringValue),
            ("the device time", time.objects.first?["time"]?.stringValue), ("its frame", time.time),
        ]
        for (what, label) in labels {
            let skew = (try Self.timestamp(label) - now).inSeconds
            #expect(abs(skew - 3600) < 5, "\(what) \(label ?? "none") is \(skew) s from our clock, not the centre's hour ahead")
        }
        #expect(rig.centre.problems.isEmpty)
    }

    @Test func anAnswerOverTheStandardsSizeIsDeniedAndTheLinkStaysUp() throws {
        // 23 components at address 1: their states take 1060 bytes, over the frame's 1024.
        let panel = (0..<23).map { i in
            GB26875PointMapping(point: PointRef(device: "panel", point: "p\(i)"), device: "panel", system: Self.hydrant,
                                component: GB26875ComponentRef(type: UInt8(i), address: 1))
        }
        let rig = try Rig(gateway: Gateway(mappings: panel))
        defer { rig.stop() }
        #expect(rig.ask([62, 1, 11, 1, 1, 0, 0, 0])?.command == "deny")
        #expect(rig.log.recent(20).map(\.message).contains { $0.contains("the answer's 23 objects take 1060 bytes, over the standard's 1024") })
        // Any answerer's oversized response is denied by the link itself, not sent and not the end of the connection.
        rig.gateway.forced.withLock { $0 = .response([21, 1] + Array(repeating: 1, count: 1100)) }
        #expect(rig.ask([81, 1, 0])?.command == "deny")
        #expect(rig.log.recent(20).map(\.message).contains { $0.contains("the answer's 1102 bytes are over the standard's 1024; denied") })
        rig.gateway.forced.withLock { $0 = nil }
        #expect(rig.ask([61, 1, 11, 1])?.command == "response")
        #expect(rig.link.status.refused == 2 && rig.link.status.answered == 1 && rig.link.status.connects == 1)
        #expect(rig.centre.problems.isEmpty, "the centre skipped frames: \(rig.centre.problems)")
    }

    @Test func eachConnectionNumbersItsFramesFromARandomStart() throws {
        let rig = try Rig()
        defer { rig.stop() }
        // The heartbeat goes first on each connection: its serial number is the connection's first.
        func firstSerial(after count: Int) -> Int? {
            var serial: Int?
            rig.waitFor("a heartbeat") {
                serial = rig.centre.received.dropFirst(count).first { $0.object["kind"] == "device-status" }?.serial
                return serial != nil
            }
            return serial
        }
        var firsts: [Int] = []
        var seen = 0
        for _ in 0..<3 {
            firsts.append(try #require(firstSerial(after: seen)))
            let connects = rig.link.status.connects
            rig.centre.setDown(true)
            rig.waitFor("the link down") { !rig.link.status.connected }
            seen = rig.centre.received.count
            rig.centre.setDown(false)
            rig.waitFor("the link up again") { rig.link.status.connects == connects + 1 && rig.link.status.connected }
        }
        firsts.append(try #require(firstSerial(after: seen)))
        // Not 1, 1, 1, 1 as a counter restarting at 1 would give (the centre numbers its requests
        // from 1 too). Four random starts of 65536: two may meet (1 in ~11,000), three never do.
        #expect(Set(firsts).count >= 3, "first serial numbers \(firsts)")
        // The numbers count on from the start: a record after the heartbeat has the next one.
        rig.link.send(tag: 1, data: try GB26875DataUnit(.deviceStatus, objects: [try GB26875Object.deviceStatus(.monitoring, time:
            CivilTime(year: 2026, month: 12, day: 8))]).encoded())
        rig.waitFor("the record's confirm") { rig.gateway.confirmed.withLock { $0 } == [1] }
        let record = try #require(rig.centre.received.last?.serial)
        #expect(UInt16(truncatingIfNeeded: record) == UInt16(truncatingIfNeeded: firsts[3]) &+ 1, "serials \(firsts), then \(record)")
    }
}
