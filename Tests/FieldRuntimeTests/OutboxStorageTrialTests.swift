#if canImport(Glibc)
import Glibc
#endif
import FieldCore
@testable import FieldStore
import FieldTestSupport
import Foundation
import Synchronization
import Testing
@testable import FieldRuntime

/// The outbox on the storage a board in a pump room meets: a partition smaller than
/// `storage.maxSize`, another process holding SQLite's write lock, and a damaged file. Real
/// SQLite files, a real tmpfs, the real `sqlite3` tool.
@Suite(.serialized) struct OutboxStorageTrialTests {
    /// A tmpfs of `size` mounted on a fresh directory, unmounted on release; nil (with the reason
    /// printed) where mounting is not allowed.
    final class SmallPartition {
        let directory: TemporaryDirectory
        var path: String { directory.path }

        init?(size: String) throws {
            directory = try TemporaryDirectory("partition")
            guard getuid() == 0 else {
                print("skipped: mounting a \(size) tmpfs needs root (CI and the dev container run as root)")
                return nil
            }
            guard mount("tmpfs", directory.path, "tmpfs", 0, "size=\(size)") == 0 else {
                print("skipped: cannot mount a \(size) tmpfs on \(directory.path): \(String(cString: strerror(errno)))")
                return nil
            }
        }

        deinit {
            umount2(directory.path, Int32(MNT_DETACH))
        }
    }

    @Test func onAOneMegabytePartitionWithTheBrokerDownEveryAlarmIsKeptAndTelemetryIsEvictedAndCounted() async throws {
        guard let partition = try SmallPartition(size: "1m") else { return }
        let path = partition.path + "/outbox.db"
        // storage.maxSize at its default, 32 times the partition: the disk fills first.
        let outbox = try Outbox(path: path, maxBytes: 32 << 20)
        var alarms: [String] = []
        for round in 0..<600 {
            outbox.post([message("t\(round)", bytes: 2000)])
            if round % 5 == 0 {
                alarms.append("a\(round)")
                try outbox.appendAndWait([message("a\(round)", bytes: 300)], as: .alarm)
            }
        }
        try await outbox.settle()
        let records = try await outbox.records(limit: 100_000)
        #expect(records.filter { $0.kind == .alarm }.map(\.message.topic) == alarms, "every alarm, in order")
        #expect(outbox.stats.memory == 0, "nothing is held in memory: the file took every alarm")
        let dropped = outbox.stats.dropped[.telemetry] ?? 0
        let telemetry = records.filter { $0.kind == .telemetry }.count
        #expect(dropped > 0 && dropped + telemetry == 600, "\(dropped) telemetry records given up and counted, \(telemetry) kept, of 600")
        #expect(outbox.stats.dropped[.alarm] == nil)
        #expect(outbox.stats.diskFull, "the disk, not storage.maxSize, bounds the outbox")

        // The broker is back: everything drains, and the disk has room again.
        let courier = RecordingCourier()
        outbox.attach(courier)
        outbox.setReady(true)
        try await outbox.settle()
        var confirmed = 0
        while outbox.stats.totalDepth > 0, courier.records.count > confirmed {
            for n in confirmed..<courier.records.count { outbox.confirm(courier.tag(n)) }
            confirmed = courier.records.count
            try await outbox.settle()
        }
        #expect(courier.records.filter { $0.kind == .alarm }.map(\.message.topic) == alarms)
        try outbox.appendAndWait([message("after", bytes: 300)], as: .alarm)
        #expect(!outbox.stats.diskFull, "the disk has room again")
        #expect(outbox.stats.dropped[.telemetry] == dropped, "the drop count is kept")
        outbox.close()
        let files = try FileManager.default.contentsOfDirectory(atPath: partition.path)
        let used = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: partition.path + "/" + $1)[.size] as? Int) ?? 0) }
        #expect(used <= 1 << 20, "\(files): \(used) bytes")
    }

    @Test func storageMaxSizeBoundsTheFileAndItsWAL() async throws {
        let dir = try TemporaryDirectory("outbox")
        let path = dir.file("outbox.db")
        let maxBytes = 2 << 20
        let outbox = try Outbox(path: path, maxBytes: maxBytes)
        // 6 MB of telemetry in records of 2 KB (one fills a 4 KiB page alone), alarms among them.
        for round in 0..<3000 {
            outbox.post([message("t\(round)", bytes: 2000)])
            if round % 100 == 0 { try outbox.appendAndWait([message("a\(round)", bytes: 300)], as: .alarm) }
        }
        try await outbox.settle()
        let sizes = ["", "-wal", "-shm"].map { OutboxStore.fileSize(path + $0) }
        #expect(sizes.reduce(0, +) <= maxBytes, "outbox.db, -wal, -shm: \(sizes) bytes for storage.maxSize \(maxBytes)")
        #expect(try await outbox.records(limit: 10_000).filter { $0.kind == .alarm }.count == 30, "every alarm kept")
        #expect((outbox.stats.dropped[.telemetry] ?? 0) > 0 && outbox.stats.dropped[.alarm] == nil)
        outbox.close()
    }

    @Test func aWriteLockHeldThirtySecondsBySqlite3LosesNoAlarm() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else {
            print("skipped: no /usr/bin/sqlite3 (apt-get install sqlite3)")
            return
        }
        let dir = try TemporaryDirectory("outbox")
        let path = dir.file("outbox.db")
        let outbox = try Outbox(path: path, maxBytes: 1 << 20)
        try outbox.appendAndWait([message("a0")], as: .alarm)
        // The operator's sqlite3 takes the write lock and keeps it for 30 s.
        let holder = try SpawnedProcess("/usr/bin/sqlite3", [path, "BEGIN IMMEDIATE", ".shell sleep 30", "COMMIT"], output: .pipe { _ in })
        let probe = try SQLiteDatabase(path: path, busyTimeout: .zero)
        func locked() -> Bool {
            do {
                try probe.execute("BEGIN IMMEDIATE")
                try probe.execute("ROLLBACK")
                return false
            } catch {
                return error.isBusy
            }
        }
        #expect(await eventually { locked() }, "sqlite3 holds the write lock")
        let clock = ContinuousClock()
        let lockedAt = clock.now
        var expected = ["a0"]
        var slowest: Duration = .zero
        var n = 1
        while clock.now - lockedAt < .seconds(27) {
            let start = clock.now
            try outbox.appendAndWait([message("a\(n)")], as: .alarm)
            slowest = max(slowest, clock.now - start)
            expected.append("a\(n)")
            n += 1
            try await Task.sleep(for: .milliseconds(700))
        }
        #expect(locked() && outbox.stats.memory > 0, "alarms wait in memory while the lock is held")
        #expect(slowest < .seconds(3), "an append returns once its alarm is held, not after the lock: \(slowest)")
        holder.wait()
        #expect(await eventually(timeout: .seconds(20)) { outbox.stats.memory == 0 }, "written once the lock is free")
        #expect(try await outbox.records().map(\.message.topic) == expected, "every alarm, in order")
        #expect(outbox.stats.dropped.isEmpty)
    }

    // MARK: Damage

    /// An outbox at `path` with `count` alarms, closed.
    static func filledOutbox(_ path: String, count: Int) async throws {
        let outbox = try Outbox(path: path, maxBytes: 32 << 20)
        for n in 0..<count { try outbox.appendAndWait([message("a\(n)", bytes: 200)], as: .alarm) }
        outbox.close()
    }

    static func damagedCopies(in dir: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("outbox.db.damaged-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
    }

    /// Opens the damaged file; checks it was set aside, reported, replaced by a working outbox.
    static func expectRecovered(_ dir: TemporaryDirectory, salvaged: ClosedRange<Int>) async throws {
        let outbox = try Outbox(path: dir.file("outbox.db"), maxBytes: 32 << 20)
        let incidents = Mutex<[OutboxIncident]>([])
        outbox.onIncident { i in incidents.withLock { $0.append(i) } }
        let reported = incidents.withLock { $0 }
        #expect(reported.count == 1 && reported.first?.kind == .recovered, "\(reported)")
        #expect(try damagedCopies(in: dir).count == 1, "the damaged file is kept for forensics")
        let kept = try await outbox.records(limit: 10_000)
        #expect(salvaged.contains(kept.count), "\(kept.count) records salvaged, expected \(salvaged)")
        #expect(reported.first?.message.contains("\(kept.count) waiting records salvaged") == true, "\(reported)")
        try outbox.appendAndWait([message("after")], as: .alarm)
        #expect(try await outbox.records(limit: 10_000).last?.message.topic == "after", "the fresh outbox takes alarms")
        outbox.close()
    }

    @Test func aGarbageFileIsSetAsideAndReplaced() async throws {
        let dir = try TemporaryDirectory("outbox")
        try Data(repeating: 0x5A, count: 10_000).write(to: URL(fileURLWithPath: dir.file("outbox.db")))
        try await Self.expectRecovered(dir, salvaged: 0...0)
    }

    @Test func aTruncatedFileIsSalvagedAsFarAsItReads() async throws {
        let dir = try TemporaryDirectory("outbox")
        try await Self.filledOutbox(dir.file("outbox.db"), count: 300)
        let size = try FileManager.default.attributesOfItem(atPath: dir.file("outbox.db"))[.size] as! Int
        #expect(truncate(dir.file("outbox.db"), off_t(size / 2)) == 0)
        try await Self.expectRecovered(dir, salvaged: 1...299)
    }

    @Test func aPageOverwrittenWithGarbageIsSalvagedAroundIt() async throws {
        let dir = try TemporaryDirectory("outbox")
        try await Self.filledOutbox(dir.file("outbox.db"), count: 300)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("outbox.db")))
        try handle.seek(toOffset: 6 * 4096)
        try handle.write(contentsOf: Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 13) }))
        try handle.close()
        try await Self.expectRecovered(dir, salvaged: 200...299)
    }

    @Test func damageFoundWhileRunningIsRecoveredAndTheAlarmStillStored() async throws {
        let dir = try TemporaryDirectory("outbox")
        let path = dir.file("outbox.db")
        let outbox = try Outbox(path: path, maxBytes: 32 << 20)
        let incidents = Mutex<[OutboxIncident]>([])
        outbox.onIncident { i in incidents.withLock { $0.append(i) } }
        for n in 0..<300 { try outbox.appendAndWait([message("a\(n)", bytes: 200)], as: .alarm) }
        // Another connection checkpoints the rows into the file (so they are read from there)
        // and its write makes the outbox's connection drop its page cache.
        do {
            let other = try SQLiteDatabase(path: path)
            _ = try other.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.integer(0) }
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            for page in stride(from: 1, to: size / 4096, by: 1) {
                try handle.seek(toOffset: UInt64(page * 4096))
                try handle.write(contentsOf: Data(repeating: 0xEE, count: 4096))
            }
            try handle.close()
            try other.execute("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = sql WHERE name = 'outbox'")
        }
        try outbox.appendAndWait([message("after")], as: .alarm)
        #expect(incidents.withLock { $0 }.map(\.kind) == [.recovered], "the damage was reported")
        #expect(try await outbox.records(limit: 10_000).map(\.message.topic).last == "after", "the alarm went into the fresh outbox")
        #expect(try Self.damagedCopies(in: dir).count == 1)
        outbox.close()
    }

    @Test func aFileWithSomethingElsesOutboxTableIsSetAside() async throws {
        let dir = try TemporaryDirectory("outbox")
        do {
            let db = try SQLiteDatabase(path: dir.file("outbox.db"))
            try db.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO outbox (note) VALUES ('not ours')")
        }
        try await Self.expectRecovered(dir, salvaged: 0...0)
    }
}
