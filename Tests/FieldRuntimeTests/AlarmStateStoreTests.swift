import FieldCore
@testable import FieldStore
import FieldTestSupport
@testable import FieldUplink
import Testing
@testable import FieldRuntime

/// The platform's alarm state follows the outbox's alarm events in the same transaction, and a
/// reopened file gives it back (docs/uplink.md, "Alarms after a restart").
@Suite struct AlarmStateStoreTests {
    let encoder = UplinkDocTests.encoder
    let t0 = UplinkDocTests.t0

    func event(_ kind: AlarmEvent.Kind, _ id: String, at seconds: Int64, by: String? = nil) -> AlarmEvent {
        AlarmEvent(kind: kind, id: AlarmID(rawValue: id), severity: .major, time: t0 + .seconds(seconds), value: .number(0.08),
                   message: "pressure 0.08 MPa below 0.14 MPa", by: by)
    }

    @Test func raisesClearsAndAcknowledgementsAreFollowedAcrossAReopen() throws {
        let dir = try TemporaryDirectory("alarm-state")
        let path = dir.file("outbox.db")
        do {
            let outbox = try Outbox(path: path, maxBytes: 1 << 20)
            let store = try AlarmStateStore(database: outbox.database)
            for e in [event(.raise, "main-pt.pressure/low-pressure", at: 0), event(.raise, "lift-1/trapped-passenger", at: 1),
                      event(.raise, "lamp-1/comm-lost", at: 2), event(.clear, "lamp-1/comm-lost", at: 3),
                      event(.acknowledge, "lift-1/trapped-passenger", at: 4, by: "li.wei")] {
                try outbox.appendAndWait(encoder.alarm(e), as: .alarm)
            }
            // Telemetry and the mirrors leave it alone.
            try outbox.appendAndWait([encoder.telemetry([TelemetrySample(device: "main-pt", time: t0, values: ["pressure": .number(0.1)])])!],
                                     as: .telemetry)
            #expect(try store.load().alarms.map(\.id.rawValue) == ["main-pt.pressure/low-pressure", "lift-1/trapped-passenger"])
            outbox.close()
        }
        let outbox = try Outbox(path: path, maxBytes: 1 << 20)
        let (alarms, problems) = try AlarmStateStore(database: outbox.database).load()
        #expect(problems.isEmpty)
        #expect(alarms.map(\.id.rawValue) == ["main-pt.pressure/low-pressure", "lift-1/trapped-passenger"])
        #expect(alarms[0] == AlarmRecord(id: AlarmID(rawValue: "main-pt.pressure/low-pressure"), severity: .major, active: true,
                                         raisedAt: t0, valueAtRaise: .number(0.08), message: "pressure 0.08 MPa below 0.14 MPa"))
        #expect(alarms[1].acknowledgedBy == "li.wei" && alarms[1].acknowledgedAt == t0 + .seconds(4))
        outbox.close()
    }
}
