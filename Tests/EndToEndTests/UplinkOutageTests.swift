#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// Issue 5's outage proofs, with the real processes: alarms raised and cleared while the broker
/// is away all arrive when it is back — in order, exactly as the gateway raised them, ahead of
/// the telemetry that waited with them — and a `kill -9` of the gateway in the middle of an
/// outage loses none that it had accepted.
///
/// The gateway's own record is its log (`[alarms] raise ID [severity] message`, one line per
/// event, written by the sink that stores the event) and its local API's alarm table (times of
/// the last raise and clear), which shows an event only once it is stored.
@Suite("uplink end to end: outages", .serialized)
struct UplinkOutageTests {
    /// The alarms `outageInTheField` raises and clears.
    static let fieldAlarms = ["main-pt.pressure/low-pressure", "cabinet-1/door-open", "pump-room/signal-valve-closed", "lift-1/alarm-button"]

    @Test("broker stopped while alarms are raised and cleared: back, every event arrives in order, as raised, ahead of the telemetry backlog",
          .timeLimit(.minutes(2)))
    func alarmsDuringABrokerOutage() async throws {
        let rig = try await UplinkRig.start()
        let outage = try await Self.stopBroker(rig)
        let alarmsBefore = rig.receivedAlarms.count
        try await Self.outageInTheField(rig, clear: true)
        try await Self.waitForTelemetryBacklog(rig)
        #expect(rig.receivedAlarms.count == alarmsBefore, "alarm events went out with the broker down")
        let stored = rig.outboxPending ?? 0
        let tableAtReturn = try rig.api.alarms()
        let loggedAtReturn = UplinkRig.loggedAlarms(rig.gateway.log).count

        let returned = rig.observer.messages.count
        try await rig.broker.start()
        let (delivered, logged, received) = await Self.waitForDelivery(rig)
        #expect(delivered, "not delivered: outbox \(String(describing: rig.outboxPending))\n\(rig.gateway.logTail())")
        #expect(received.map(\.logged) == logged.map(Optional.some),
                "the broker's alarm events are not the gateway's:\n\(Self.sideBySide(logged, received))")
        let duringOutage = received[alarmsBefore..<min(loggedAtReturn, received.count)]
        for id in Self.fieldAlarms {
            #expect(duringOutage.contains { $0.alarm == id && $0.event == "raise" } && duringOutage.contains { $0.alarm == id && $0.event == "clear" },
                    "\(id) raised and cleared during the outage: \(duringOutage.filter { $0.alarm == id })")
        }
        #expect(stored >= 2 * duringOutage.count + 2, "\(stored) records waited in the outbox for \(duringOutage.count) alarm events, their mirrors and two telemetry batches")
        Self.expectTimesMatch(Array(received.prefix(loggedAtReturn)), tableAtReturn)
        Self.expectMirrors(rig, for: Array(duringOutage))

        // Alarms first: after the return, the last alarm event of the outage arrives before
        // the first telemetry batch stored during it (records in flight when the broker went
        // away are resent first by the MQTT client; they are older than the outage).
        let after = Array(rig.observer.messages[returned...])
        let outageEvents = Set(duringOutage.map(\.payload))
        let lastAlarm = after.lastIndex { m in m.topic == UplinkRig.alarmTopic && ReceivedAlarm(payload: m.payload).map { outageEvents.contains($0.payload) } == true }
        let firstBacklog = after.firstIndex { Self.isTelemetryBatch($0, storedAfter: outage + 1500) }
        #expect(lastAlarm != nil && firstBacklog != nil, "no alarm (\(String(describing: lastAlarm))) or no telemetry backlog (\(String(describing: firstBacklog))) after the return")
        if let lastAlarm, let firstBacklog {
            #expect(lastAlarm < firstBacklog, "the outage's last alarm event arrived at \(lastAlarm), its first telemetry at \(firstBacklog)")
        }
    }

    @Test("kill -9 of the gateway during an outage: after the restart every alarm event it had accepted arrives",
          .timeLimit(.minutes(2)))
    func killDuringAnOutage() async throws {
        let rig = try await UplinkRig.start()
        let alarmsBefore = rig.receivedAlarms.count
        _ = try await Self.stopBroker(rig)
        try await Self.outageInTheField(rig, clear: false)
        // The lift's alarm button clears a second after its release: one clear among the raises.
        let cleared = await UplinkRig.until(.seconds(10)) {
            try rig.api.alarms().contains { $0.id == "lift-1/alarm-button" && $0.clearedAt != nil }
        }
        #expect(cleared, "lift-1/alarm-button did not clear")
        let accepted = try rig.api.alarms()
        let firstLog = UplinkRig.loggedAlarms(rig.gateway.log)
        #expect(rig.receivedAlarms.count == alarmsBefore, "alarm events went out with the broker down")

        let waiting = try #require(rig.outboxPending)
        let observed = rig.observer.messages.count
        await rig.killGateway()
        let killedAt = SystemClock().now().milliseconds
        #expect(!rig.gateway.isRunning)
        try await rig.broker.start()
        try await rig.restartGateway()
        // The door is still open, the valve closed, the pressure low: the new gateway takes them
        // back from the state database as active and, finding them still true, does not raise
        // them a second time (docs/uplink.md, "Alarms after a restart").
        let stillThere = ["cabinet-1/door-open", "pump-room/signal-valve-closed", "main-pt.pressure/low-pressure"]
        let reraised = await UplinkRig.until(.seconds(15)) {
            let table = try rig.api.alarms()
            return stillThere.allSatisfy { id in table.contains { $0.id == id && $0.active } }
        }
        #expect(reraised, "the restarted gateway does not have \(stillThere) active: \((try? rig.api.alarms())?.map(\.id) ?? [])")
        let (delivered, secondLog, received) = await Self.waitForDelivery(rig, after: firstLog.count)
        #expect(delivered, "after the restart: \(received.count) events for \(firstLog.count) accepted before the kill and \(secondLog.count) after\n\(rig.gateway.logTail())")
        let fromFirstRun = Array(received.prefix(firstLog.count))
        #expect(fromFirstRun.map(\.logged) == firstLog.map(Optional.some),
                "the events the killed gateway had accepted:\n\(Self.sideBySide(firstLog, fromFirstRun))")
        let fromSecondRun = Array(received.dropFirst(firstLog.count))
        #expect(fromSecondRun.map(\.logged) == secondLog.map(Optional.some),
                "after the first run's, the restarted gateway's own:\n\(Self.sideBySide(secondLog, fromSecondRun))")
        Self.expectTimesMatch(fromFirstRun, accepted)
        for id in Self.fieldAlarms {
            #expect(fromFirstRun[alarmsBefore...].contains { $0.alarm == id && $0.event == "raise" }, "\(id) raised before the kill arrived")
        }
        for id in stillThere {
            #expect(!fromSecondRun.contains { $0.alarm == id && $0.event == "raise" }, "\(id) is not raised twice after the restart")
        }
        // The telemetry that waited with them came through the kill too: at least as many
        // records from before the kill arrived after it as waited in the outbox.
        let old = rig.observer.messages[observed...].filter { Self.newestTime(in: $0).map { $0 < killedAt } ?? false }
        #expect(old.count >= waiting, "\(waiting) records waited in the outbox at the kill, \(old.count) from before it arrived after the restart")
    }

    // MARK: Steps

    /// Stops the broker and waits until the gateway knows; the time the outage began (ms).
    static func stopBroker(_ rig: UplinkRig) async throws -> Int64 {
        let broker = rig.broker
        try await onOwnThread { broker.stop() }
        let start = SystemClock().now().milliseconds
        let noticed = await UplinkRig.until(.seconds(15)) { !rig.uplinkConnected }
        try #require(noticed, "the gateway did not notice the broker stop:\n\(rig.gateway.logTail())")
        return start
    }

    /// A pressure drop on the hydrant main, the pole cabinet's door, the pump room's signal valve
    /// and the lift's alarm button, through `fieldsim ctl`; waits until the gateway has every
    /// alarm raised (and, with `clear`, cleared again).
    static func outageInTheField(_ rig: UplinkRig, clear: Bool) async throws {
        try rig.ctl("set", "main-pt.pressure", "0.08")
        try rig.ctl("door", "cabinet-1", "open")
        try rig.ctl("set", "fire-water.valve-open", "false")
        try rig.ctl("press", "lift-1", "500ms")
        let raised = await UplinkRig.until(.seconds(15)) {
            let table = try rig.api.alarms()
            return fieldAlarms.allSatisfy { id in table.contains { $0.id == id } }
        }
        try #require(raised, "not all raised: \((try? rig.api.alarms())?.map(\.id) ?? [])\n\(rig.gateway.logTail())")
        guard clear else { return }
        try rig.ctl("release", "main-pt.pressure")
        try rig.ctl("door", "cabinet-1", "close")
        try rig.ctl("set", "fire-water.valve-open", "true")
        let cleared = await UplinkRig.until(.seconds(15)) {
            let table = try rig.api.alarms()
            return fieldAlarms.allSatisfy { id in table.contains { $0.id == id && $0.clearedAt != nil } }
        }
        try #require(cleared, "not all cleared: \((try? rig.api.alarms())?.map { "\($0.id) cleared \(String(describing: $0.clearedAt))" } ?? [])")
    }

    /// Waits until two more records (telemetry batches, what the alarms must overtake) wait in
    /// the outbox.
    static func waitForTelemetryBacklog(_ rig: UplinkRig) async throws {
        let start = rig.outboxPending ?? 0
        let grown = await UplinkRig.until(.seconds(10)) { (rig.outboxPending ?? 0) >= start + 2 }
        try #require(grown, "the outbox did not grow: \(String(describing: rig.outboxPending))")
    }

    /// Waits until the outbox is empty and the broker has, after `earlier` events, as many as
    /// the running gateway logged. Whether it got there, and the two lists as they were then.
    /// (The gateway's reconnect backoff doubles from 1 s: on a slow machine, after an outage of
    /// half a minute, its next try may come half a minute after the broker is back.)
    static func waitForDelivery(_ rig: UplinkRig, after earlier: Int = 0) async -> (Bool, [LoggedAlarm], [ReceivedAlarm]) {
        var logged: [LoggedAlarm] = []
        var received: [ReceivedAlarm] = []
        let done = await UplinkRig.until(.seconds(60), every: .milliseconds(200)) {
            logged = UplinkRig.loggedAlarms(rig.gateway.log)
            let empty = rig.outboxPending == 0
            received = rig.receivedAlarms
            return empty && received.count == earlier + logged.count
        }
        return (done, logged, received)
    }

    // MARK: Checks

    /// The events' times are the alarm table's: each alarm's last raise at its `raisedAt`, its
    /// last clear at its `clearedAt`.
    static func expectTimesMatch(_ received: [ReceivedAlarm], _ table: [GatewayAlarm]) {
        for a in table {
            let raise = received.last { $0.alarm == a.id && $0.event == "raise" }
            #expect(raise?.time == a.raisedAt?.milliseconds, "\(a.id): raised at \(String(describing: a.raisedAt)), the broker's raise \(String(describing: raise))")
            if let clearedAt = a.clearedAt {
                let clear = received.last { $0.alarm == a.id && $0.event == "clear" }
                #expect(clear?.time == clearedAt.milliseconds, "\(a.id): cleared at \(clearedAt), the broker's clear \(String(describing: clear))")
            }
        }
    }

    /// Every event arrived mirrored as telemetry of its device: `alarm.…` 1 on a raise, 0 on a
    /// clear, at the event's time.
    static func expectMirrors(_ rig: UplinkRig, for events: [ReceivedAlarm]) {
        let mirrors = UplinkTelemetrySamples(rig.received(on: UplinkRig.telemetryTopic), site: rig.site.info.id).mirrors
        for e in events where e.event != "acknowledge" {
            let device = String(e.alarm.prefix { $0 != "/" && $0 != "." })
            let source = e.alarm.prefix { $0 != "/" }
            let key = source.contains(".") ? "alarm.\(source.drop { $0 != "." }.dropFirst()).\(e.payload["type"]?.stringValue ?? "")"
                : "alarm.\(e.payload["type"]?.stringValue ?? "")"
            let expected: JSONValue = .number(e.event == "raise" ? 1 : 0)
            #expect(mirrors["\(device).\(key)"]?.contains { $0.time == e.time && $0.value == expected } == true,
                    "\(e): no mirror \(device).\(key) = \(expected.serialized()) at \(e.time)")
        }
    }

    /// The newest time in a message the gateway stores before sending (alarm events, device and
    /// gateway telemetry): when its content was taken.
    static func newestTime(in m: MosquittoSubscriber.Message) -> Int64? {
        guard let p = try? JSONValue.parse(m.payload) else { return nil }
        switch m.topic {
        case UplinkRig.alarmTopic, "v1/devices/me/telemetry":
            return p["ts"]?.numberValue.map { Int64($0) }
        case UplinkRig.telemetryTopic:
            return (p.objectValue ?? [:]).values.flatMap { $0.arrayValue ?? [] }.compactMap { $0["ts"]?.numberValue }.max().map { Int64($0) }
        default:
            return nil
        }
    }

    /// A telemetry message of readings (not an alarm mirror) whose samples were all taken after
    /// `time` (ms).
    static func isTelemetryBatch(_ m: MosquittoSubscriber.Message, storedAfter time: Int64) -> Bool {
        guard m.topic == UplinkRig.telemetryTopic, let p = try? JSONValue.parse(m.payload) else { return false }
        let samples = (p.objectValue ?? [:]).values.flatMap { $0.arrayValue ?? [] }
        let readings = samples.filter { s in (s["values"]?.objectValue ?? [:]).keys.contains { !$0.hasPrefix("alarm.") } }
        return !readings.isEmpty && readings.allSatisfy { ($0["ts"]?.numberValue ?? 0) > Double(time) }
    }

    static func sideBySide(_ logged: [LoggedAlarm], _ received: [ReceivedAlarm]) -> String {
        (0..<max(logged.count, received.count)).map { i in
            let l = i < logged.count ? logged[i].description : "—"
            let r = i < received.count ? received[i].description : "—"
            return "\(i): log \(l)\n   mqtt \(r)"
        }.joined(separator: "\n")
    }
}
