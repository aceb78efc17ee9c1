import FieldCore
@testable import FieldStore
import FieldTestSupport
import Foundation
import Testing
@testable import FieldRuntime

@Suite struct AuditLogTests {
    private func entry(_ n: Int, old: String? = nil, new: String? = nil) -> AuditRecord {
        AuditRecord(time: Timestamp(milliseconds: 1_767_225_600_000 + Int64(n) * 1000), user: "li", channel: "console pty",
                    action: "config set", target: "devices[\(n)].address", old: old, new: new)
    }

    @Test func entriesComeBackNewestFirstWithTheirMissingValues() throws {
        let dir = try TemporaryDirectory("audit")
        let log = try AuditLog(path: dir.file("state.db"))
        try log.record(entry(1, old: "3", new: "4"))
        try log.record(entry(2))
        try log.record(entry(3, new: "on for 10s"))
        #expect(try log.recent(limit: 10) == [entry(3, new: "on for 10s"), entry(2), entry(1, old: "3", new: "4")])
        #expect(try log.recent(limit: 1) == [entry(3, new: "on for 10s")])
        #expect(try log.count() == 3)
    }

    @Test func onlyTheNewestCapacityEntriesAreKept() throws {
        let dir = try TemporaryDirectory("audit")
        let log = try AuditLog(path: dir.file("state.db"), capacity: 5)
        for n in 1...12 { try log.record(entry(n)) }
        #expect(try log.count() == 5)
        #expect(try log.recent(limit: 100).map(\.target) == (8...12).reversed().map { "devices[\($0)].address" })
    }

    @Test func entriesSurviveClosingTheFile() throws {
        let dir = try TemporaryDirectory("audit")
        do {
            let log = try AuditLog(path: dir.file("state.db"))
            try log.record(entry(1, old: "off", new: "on"))
            log.database.close()
        }
        let reopened = try AuditLog(path: dir.file("state.db"))
        #expect(try reopened.recent(limit: 5) == [entry(1, old: "off", new: "on")])
    }

    @Test func theTrailSharesTheOutboxFileAndItsThread() throws {
        let dir = try TemporaryDirectory("audit")
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 1 << 20)
        defer { outbox.close() }
        let log = try AuditLog(database: outbox.database)
        try outbox.appendAndWait([OutboxMessage(topic: "v1/gateway/alarm", payload: Array("{}".utf8))], as: .alarm)
        try log.record(entry(7, old: "unacknowledged", new: "acknowledged"))
        #expect(try log.recent(limit: 5).map(\.target) == ["devices[7].address"])
        #expect(outbox.stats.totalDepth == 1)
    }
}
