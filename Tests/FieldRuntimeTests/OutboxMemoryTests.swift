import FieldCore
@testable import FieldStore
import FieldTestSupport
import Foundation
import Testing
@testable import FieldRuntime

/// Telemetry waits in memory while the courier takes it and reaches the file only when the
/// courier is away, memory is over its bound, a record has waited `spillAfter`, or on close
/// (docs/architecture.md, "Outbox durability").
@Suite struct OutboxMemoryTests {
    /// Rows ever inserted into the outbox table of `path` (its AUTOINCREMENT counter), read by a
    /// connection of our own: telemetry that never touched the file has no row number.
    static func rowsEverStored(_ path: String) throws -> Int64 {
        let db = try SQLiteDatabase(path: path, mode: .readOnly)
        return try db.first("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") { $0.integer(0) } ?? 0
    }

    @Test func telemetryGoesOutFromMemoryWhileTheCourierKeepsUpAndNeverReachesTheFile() async throws {
        let dir = try TemporaryDirectory("outbox")
        let path = dir.file("outbox.db")
        let outbox = try Outbox(path: path, maxBytes: 1 << 20)
        let courier = RecordingCourier()
        outbox.attach(courier)
        outbox.setReady(true)
        try await outbox.settle()
        outbox.post([message("t1"), message("t2")])
        try await outbox.settle()
        try outbox.appendAndWait([message("a1")], as: .alarm)
        try await outbox.settle()
        #expect(courier.topics == ["t1", "t2", "a1"])
        #expect(outbox.stats.depth == [.telemetry: 2, .alarm: 1] && outbox.stats.memory == 2 && outbox.stats.inFlight == 3)
        #expect(try await outbox.records().map(\.message.topic) == ["a1"], "only the alarm is in the file")
        for n in 0..<3 { outbox.confirm(courier.tag(n)) }
        try await outbox.settle()
        #expect(outbox.stats.totalDepth == 0 && outbox.stats.memory == 0 && outbox.stats.inFlight == 0)
        outbox.close()
        #expect(try Self.rowsEverStored(path) == 1, "the telemetry never had a row")
    }

    @Test func whenTheCourierDisconnectsTheTelemetryInMemoryGoesToTheFileBehindWhatWasThere() async throws {
        let dir = try TemporaryDirectory("outbox")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        let courier = RecordingCourier()
        outbox.attach(courier, window: 1)
        outbox.setReady(true)
        outbox.post([message("t1"), message("t2"), message("t3")])
        try await outbox.settle()
        #expect(courier.topics == ["t1"], "the window holds one")
        outbox.setReady(false)
        try await outbox.settle()
        #expect(try await outbox.records().map(\.message.topic) == ["t2", "t3"], "queued telemetry is written once the courier is away")
        #expect(outbox.stats.memory == 1, "t1 stays in flight: the MQTT client sends it again after reconnecting")
        outbox.post([message("t4")])
        try await outbox.settle()
        #expect(try await outbox.records().map(\.message.topic) == ["t2", "t3", "t4"], "while away, telemetry goes to the file")
        outbox.confirm(courier.tag(0))
        outbox.setReady(true)
        outbox.post([message("t5")])
        try await outbox.settle()
        #expect(courier.topics == ["t1", "t2"], "one in flight at a time")
        outbox.confirm(courier.tag(1))
        try await outbox.settle()
        outbox.confirm(courier.tag(2))
        try await outbox.settle()
        outbox.confirm(courier.tag(3))
        try await outbox.settle()
        #expect(courier.topics == ["t1", "t2", "t3", "t4", "t5"], "the file's telemetry goes before the newer telemetry in memory")
    }

    @Test func telemetryThatWaitedSpillAfterIsWrittenEvenWhileConnected() async throws {
        let dir = try TemporaryDirectory("outbox")
        let clock = ManualClock(Timestamp(milliseconds: 1_767_225_600_000))
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20, spillAfter: .seconds(10), clock: clock)
        let courier = RecordingCourier()
        outbox.attach(courier, window: 1)
        outbox.setReady(true)
        outbox.post([message("t1"), message("t2")])
        try await outbox.settle()
        clock.advance(by: .seconds(9))
        outbox.setReady(true)
        try await outbox.settle()
        #expect(try await outbox.records().isEmpty, "9 s: still in memory")
        clock.advance(by: .seconds(1))
        outbox.setReady(true)
        try await outbox.settle()
        #expect(try await outbox.records().map(\.message.topic) == ["t1", "t2"],
                "10 s: written, the unacknowledged one in flight too (sent twice rather than lost)")
        #expect(outbox.stats.memory == 0)
    }

    @Test func telemetryOverTheMemoryBoundIsWritten() async throws {
        let dir = try TemporaryDirectory("outbox")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20, memoryBytes: 450)
        let courier = RecordingCourier()
        outbox.attach(courier, window: 1)
        outbox.setReady(true)
        try await outbox.settle()
        outbox.post((0..<4).map { message("t\($0)", stored: 100) })
        try await outbox.settle()
        #expect(try await outbox.records().isEmpty, "400 bytes fit in memory")
        outbox.post([message("t4", stored: 100)])
        try await outbox.settle()
        #expect(try await outbox.records().map(\.message.topic) == ["t1", "t2", "t3", "t4"], "500 do not: the queued ones are written")
        #expect(courier.topics == ["t0"])
    }

    @Test func closingWritesTheTelemetryHeldInMemory() async throws {
        let dir = try TemporaryDirectory("outbox")
        let path = dir.file("outbox.db")
        do {
            let outbox = try Outbox(path: path, maxBytes: 1 << 20)
            let courier = RecordingCourier()
            outbox.attach(courier, window: 1)
            outbox.setReady(true)
            outbox.post([message("t1"), message("t2")])
            try await outbox.settle()
            outbox.close()
        }
        let reopened = try Outbox(path: path, maxBytes: 1 << 20)
        #expect(try await reopened.records().map(\.message.topic) == ["t1", "t2"], "the one in flight and the queued one")
    }
}
