import FieldCore
@testable import FieldStore
import FieldTestSupport
import Foundation
import Synchronization
import Testing
@testable import FieldRuntime

/// A courier that keeps what it is handed, so a test sees the outbox's delivery order.
final class RecordingCourier: OutboxCourier {
    private let state: Mutex<(records: [OutboxRecord], nextTag: Int32)>
    private let firstTag: Int32
    private let reject: @Sendable (OutboxRecord) -> String?

    init(firstTag: Int32 = 1, reject: @escaping @Sendable (OutboxRecord) -> String? = { _ in nil }) {
        state = Mutex(([], firstTag))
        self.firstTag = firstTag
        self.reject = reject
    }

    func deliver(_ record: OutboxRecord) -> OutboxHandoff {
        if let reason = reject(record) { return .rejected(reason: reason) }
        return state.withLock { s in
            s.records.append(record)
            defer { s.nextTag += 1 }
            return .sent(tag: s.nextTag)
        }
    }

    var records: [OutboxRecord] { state.withLock { $0.records } }
    var topics: [String] { records.map(\.message.topic) }
    /// The tag the n-th delivered record went out with.
    func tag(_ n: Int) -> Int32 { firstTag + Int32(n) }
}

extension Outbox {
    /// Waits until everything submitted so far has been written and pumped (jobs run in order).
    func settle() async throws {
        _ = try await records(limit: 0)
    }
}

func message(_ topic: String, bytes: Int = 10) -> OutboxMessage {
    OutboxMessage(topic: topic, payload: [UInt8](repeating: UInt8(ascii: "x"), count: bytes))
}

/// A message that counts exactly `stored` bytes against the outbox's bound.
func message(_ topic: String, stored: Int) -> OutboxMessage {
    message(topic, bytes: stored - OutboxMessage.rowOverhead - topic.utf8.count)
}

@Suite struct OutboxTests {
    @Test func recordsSurviveClosingAndReopening() async throws {
        let dir = try TemporaryDirectory("outbox")
        let path = dir.file("outbox.db")
        do {
            let outbox = try Outbox(path: path, maxBytes: 1 << 20)
            try outbox.appendAndWait([message("alarm/1"), message("alarm/2")], as: .alarm)
            outbox.post([message("telemetry/1")])
            try outbox.appendAndWait([message("reply/1")], as: .command)
            outbox.close()
        }
        let outbox = try Outbox(path: path, maxBytes: 1 << 20)
        let records = try await outbox.records()
        #expect(records.map(\.message.topic) == ["alarm/1", "alarm/2", "reply/1", "telemetry/1"])
        #expect(records.map(\.kind) == [.alarm, .alarm, .command, .telemetry])
        try await outbox.settle()
        #expect(outbox.stats.depth == [.alarm: 2, .command: 1, .telemetry: 1])
        let bytes: Int = 4 * (7 + 10 + 48) + 4   // apart: too much for Swift 6.0's type checker inside #expect
        #expect(outbox.stats.bytes == bytes)
    }

    @Test func alarmsGoOutBeforeCommandResultsBeforeTelemetryOldestFirst() async throws {
        let dir = try TemporaryDirectory("outbox")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        outbox.post([message("t1"), message("t2")])
        try outbox.appendAndWait([message("a1")], as: .alarm)
        outbox.post([message("t3")])
        try outbox.appendAndWait([message("c1")], as: .command)
        try outbox.appendAndWait([message("a2"), message("a3")], as: .alarm)
        let courier = RecordingCourier()
        outbox.attach(courier)
        try await outbox.settle()
        #expect(courier.records.isEmpty, "nothing flows until the courier is ready")
        outbox.setReady(true)
        try await outbox.settle()
        #expect(courier.topics == ["a1", "a2", "a3", "c1", "t1", "t2", "t3"])
        #expect(outbox.stats.inFlight == 7)
    }

    @Test func theWindowLimitsRecordsInFlightAndAnAcknowledgementDeletes() async throws {
        let dir = try TemporaryDirectory("outbox")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        outbox.post((1...5).map { message("t\($0)") })
        // Stored while no courier is there (with one connected it would wait in memory).
        try await outbox.settle()
        let courier = RecordingCourier()
        outbox.attach(courier, window: 2)
        outbox.setReady(true)
        try await outbox.settle()
        #expect(courier.topics == ["t1", "t2"])
        // A live alarm overtakes the telemetry backlog as soon as the window has room.
        try outbox.appendAndWait([message("a1")], as: .alarm)
        outbox.confirm(courier.tag(0))
        try await outbox.settle()
        #expect(courier.topics == ["t1", "t2", "a1"])
        for n in 1...2 { outbox.confirm(courier.tag(n)) }
        try await outbox.settle()
        #expect(courier.topics == ["t1", "t2", "a1", "t3", "t4"])
        #expect(try await outbox.records().map(\.message.topic) == ["t3", "t4", "t5"])
        #expect(outbox.stats.depth == [.telemetry: 3] && outbox.stats.inFlight == 2)
    }

    @Test func notReadyHoldsRecordsAndDetachingSendsInFlightOnesAgain() async throws {
        let dir = try TemporaryDirectory("outbox")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        let first = RecordingCourier()
        outbox.attach(first)
        outbox.setReady(true)
        try outbox.appendAndWait([message("a1")], as: .alarm)
        try await outbox.settle()
        outbox.setReady(false)
        try outbox.appendAndWait([message("a2")], as: .alarm)
        try await outbox.settle()
        #expect(first.topics == ["a1"])
        let second = RecordingCourier(firstTag: 100)
        outbox.attach(second)
        outbox.setReady(true)
        try await outbox.settle()
        #expect(second.topics == ["a1", "a2"], "a1 was never acknowledged, so the next courier gets it again")
        outbox.confirm(first.tag(0))
        try await outbox.settle()
        #expect(outbox.stats.depth == [.alarm: 2], "a tag of the old courier means nothing to the new one")
    }

    @Test func aFullOutboxDropsTheOldestTelemetryFirstAndAlarmsLastAndCountsEveryDrop() async throws {
        let dir = try TemporaryDirectory("outbox")
        let path = dir.file("outbox.db")
        // A bound of 1000 bytes leaves the records 500 (the rest is the WAL's); every message
        // below counts 100 bytes: the outbox holds five, telemetry at most three of them (a
        // quarter is kept for alarms).
        do {
            let outbox = try Outbox(path: path, maxBytes: 1000)
            outbox.post((0..<8).map { message("t\($0)", stored: 100) })
            try outbox.appendAndWait((0..<2).map { message("a\($0)", stored: 100) }, as: .alarm)
            #expect(try await outbox.records().map(\.message.topic) == ["a0", "a1", "t5", "t6", "t7"])
            #expect(outbox.stats.dropped == [.telemetry: 5] && outbox.stats.totalDepth == 5)

            try outbox.appendAndWait((2..<5).map { message("a\($0)", stored: 100) }, as: .alarm)
            #expect(try await outbox.records().map(\.message.topic) == ["a0", "a1", "a2", "a3", "a4"], "alarms push telemetry out")
            outbox.post([message("t8", stored: 100)])
            try await outbox.settle()
            #expect(try await outbox.records().map(\.message.topic) == ["a0", "a1", "a2", "a3", "a4"], "telemetry never pushes an alarm out")

            try outbox.appendAndWait((5..<9).map { message("a\($0)", stored: 100) }, as: .alarm)
            #expect(try await outbox.records().map(\.message.topic) == (4..<9).map { "a\($0)" },
                    "alarms go only when no telemetry is left, oldest first")
            #expect(outbox.stats.dropped == [.telemetry: 9, .alarm: 4])
            #expect(outbox.stats.bytes == 500)
            outbox.close()
        }
        let reopened = try Outbox(path: path, maxBytes: 1000)
        try await reopened.settle()
        #expect(reopened.stats.dropped == [.telemetry: 9, .alarm: 4], "drop counts are kept in the file")
        #expect(reopened.stats.depth == [.alarm: 5])
    }

    @Test func aMessageLargerThanTheWholeOutboxIsRefusedAndCounted() async throws {
        let dir = try TemporaryDirectory("outbox")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1000)
        #expect {
            try outbox.appendAndWait([message("big", bytes: 2000)], as: .alarm)
        } throws: { error in
            error as? OutboxError == .recordTooLarge(topic: "big", bytes: 2051, maxBytes: 1000)
        }
        outbox.post([message("huge", bytes: 5000)])
        try await outbox.settle()
        #expect(outbox.stats.dropped == [.alarm: 1, .telemetry: 1])
        #expect(outbox.stats.totalDepth == 0)
    }

    @Test func aRecordTheCourierCanNeverSendIsDroppedAndTheRestGoOn() async throws {
        let dir = try TemporaryDirectory("outbox")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        let courier = RecordingCourier { $0.message.topic.contains("#") ? "a topic cannot contain #" : nil }
        outbox.attach(courier)
        outbox.setReady(true)
        try outbox.appendAndWait([message("a1"), message("bad/#"), message("a2")], as: .alarm)
        try await outbox.settle()
        #expect(courier.topics == ["a1", "a2"])
        #expect(outbox.stats.dropped == [.alarm: 1] && outbox.stats.depth == [.alarm: 2])
    }

    @Test func aThreadCanAppendAndWait() async throws {
        let dir = try TemporaryDirectory("outbox")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        try await Task.detached {
            for n in 0..<20 { try outbox.appendAndWait([message("a\(n)")], as: .alarm) }
        }.value
        #expect(try await outbox.records().count == 20)
    }

    @Test func aClosedOutboxRefusesAppends() async throws {
        let dir = try TemporaryDirectory("outbox")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        outbox.close()
        #expect(throws: OutboxError.closed(path: dir.file("outbox.db"))) {
            try outbox.appendAndWait([message("a1")], as: .alarm)
        }
    }

    @Test func anOutboxInADirectoryThatDoesNotExistIsAStorageError() throws {
        let dir = try TemporaryDirectory("outbox")
        #expect {
            _ = try Outbox(path: dir.file("missing/outbox.db"), maxBytes: 1 << 20)
        } throws: { error in
            guard case .storage(let e)? = error as? OutboxError else { return false }
            return e.path == dir.file("missing/outbox.db")
        }
    }
}
