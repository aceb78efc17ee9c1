import FieldCore
@testable import FieldStore
import FieldTestSupport
import Foundation
import Synchronization
import Testing
@testable import FieldRuntime

/// An alarm the outbox accepted survives `kill -9` of the process that accepted it.
@Suite struct OutboxDurabilityTests {
    @Test func everyAcceptedAlarmSurvivesKill9() async throws {
        guard let bench = builtProduct("fieldbench") else {
            Issue.record("fieldbench is not built next to the tests (swift build --build-tests builds it)")
            return
        }
        let dir = try TemporaryDirectory("kill9")
        let path = dir.file("outbox.db")
        let output = Mutex("")
        let child = try SpawnedProcess(bench, ["outbox-writer", "--db", path], output: .pipe { data in
            output.withLock { $0 += String(decoding: data, as: UTF8.self) }
        })
        func accepted() -> [Int] {
            output.withLock { $0 }.split(separator: "\n").compactMap { $0.hasPrefix("accepted ") ? Int($0.dropFirst(9)) : nil }
        }
        #expect(await eventually(timeout: .seconds(60)) { accepted().count >= 200 }, "the writer accepts alarms: \(output.withLock { $0 })")
        // Killed while it is still appending: no chance to close the file or finish a commit.
        child.send(SIGKILL)
        child.wait()
        #expect(await eventually { child.outputClosed })
        let said = accepted()
        #expect(said == Array(1...said.count), "the writer reports alarms in order")
        let transcript = output.withLock { $0 }
        #expect(!transcript.contains("done"))

        let outbox = try Outbox(path: path, maxBytes: 64 << 20)
        let records = try await outbox.records(limit: 1_000_000)
        let events = records.filter { $0.message.topic == "fieldgate/outbox-writer/alarms" }.compactMap { r -> Int? in
            guard let m = (try? JSONValue.parse(r.message.text))?["message"]?.stringValue, m.hasPrefix("event ") else { return nil }
            return Int(m.dropFirst(6))
        }
        let mirrors = records.filter { $0.message.topic == "v1/gateway/telemetry" }.count
        // Every alarm it said it accepted is there, once, in order; one more may have been
        // committed in the instant between the commit and the line on stdout.
        #expect(events.count >= said.count && events.count <= said.count + 1, "\(said.count) accepted, \(events.count) stored")
        #expect(events == Array(1...events.count))
        #expect(mirrors == events.count, "each event's telemetry mirror was stored in the same transaction")
        #expect(records.allSatisfy { $0.kind == .alarm })
    }
}
