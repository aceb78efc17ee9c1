#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// Issue 16's trials with the real processes (fieldsim, fieldgate, mosquitto) and real SQLite
/// files: a damaged outbox is recovered and reported while the gateway keeps monitoring, and a
/// nearly full 1 MB partition with the broker down keeps every alarm and gives up telemetry.
@Suite("storage end to end: damaged outbox, small partition", .serialized)
struct StorageTrialTests {
    /// Stops the gateway (SIGTERM: the WAL is checkpointed into the file), damages its
    /// `outbox.db` with `damage`, starts it again: it must come up, report the recovery to the
    /// platform and go on raising alarms.
    static func recoversAfter(_ what: String, _ damage: (String) throws -> Void) async throws {
        let rig = try await UplinkRig.start()
        let gateway = rig.gateway
        _ = try await onOwnThread { gateway.stop(grace: .seconds(15)) }
        try damage(rig.gatewayDirectory + "/outbox.db")
        try await rig.restartGateway()
        let reported = await UplinkRig.until(.seconds(20)) {
            rig.receivedAlarms.contains { $0.alarm == "gateway/outbox-recovered" && $0.event == "raise" }
        }
        #expect(reported, "\(what): the platform did not hear of the recovery:\n\(rig.gateway.logTail(lines: 40))")
        let kept = try FileManager.default.contentsOfDirectory(atPath: rig.gatewayDirectory).filter { $0.hasPrefix("outbox.db.damaged-") }
        #expect(!kept.isEmpty, "\(what): the damaged file is kept for forensics")
        try rig.ctl("door", "cabinet-1", "open")
        let monitoring = await UplinkRig.until(.seconds(20)) {
            rig.receivedAlarms.contains { $0.alarm == "cabinet-1/door-open" && $0.event == "raise" }
        }
        #expect(monitoring, "\(what): after the recovery a new alarm did not arrive:\n\(rig.gateway.logTail(lines: 40))")
    }

    @Test("a garbage outbox.db: set aside, the platform learns of it, monitoring goes on", .timeLimit(.minutes(2)))
    func garbageFile() async throws {
        try await Self.recoversAfter("garbage") { path in
            // The file and its WAL replaced by garbage (a WAL with every page would make the
            // main file's content irrelevant).
            _ = unlink(path + "-wal")
            _ = unlink(path + "-shm")
            try Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: path))
        }
    }

    @Test("a page of outbox.db overwritten: set aside and salvaged, the platform learns of it, monitoring goes on", .timeLimit(.minutes(2)))
    func corruptedPage() async throws {
        try await Self.recoversAfter("bad page") { path in
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "a clean stop checkpoints the WAL into the file and removes it")
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 4096)
            try handle.write(contentsOf: Data(repeating: 0xA5, count: 4096))
            try handle.close()
        }
    }

    @Test("the outbox's directory read-only: the gateway runs with the outbox in memory, says so, and alarms arrive", .timeLimit(.minutes(2)))
    func readOnlyStorage() async throws {
        guard getuid() == 0 else {
            print("skipped: mounting a read-only tmpfs needs root (CI and the dev container run as root)")
            return
        }
        let readOnly = try TemporaryDirectory("readonly")
        guard mount("tmpfs", readOnly.path, "tmpfs", UInt(MS_RDONLY), "size=1m") == 0 else {
            Issue.record("cannot mount a read-only tmpfs on \(readOnly.path): \(String(cString: strerror(errno)))")
            return
        }
        defer { umount2(readOnly.path, Int32(MNT_DETACH)) }
        let rig = try await UplinkRig.start(adjust: { site in
            var storage = site["storage"] as? [String: Any] ?? [:]
            storage["path"] = readOnly.path + "/outbox.db"
            site["storage"] = storage
        })
        let reported = await UplinkRig.until(.seconds(20)) {
            rig.receivedAlarms.contains { $0.alarm == "gateway/storage-unavailable" && $0.event == "raise" }
        }
        #expect(reported, "the platform did not hear that the outbox has no file:\n\(rig.gateway.logTail(lines: 40))")
        #expect(rig.gateway.log.contains("cannot open the outbox"), "a clear error in the log")
        try rig.ctl("door", "cabinet-1", "open")
        let monitoring = await UplinkRig.until(.seconds(20)) {
            rig.receivedAlarms.contains { $0.alarm == "cabinet-1/door-open" && $0.event == "raise" }
        }
        #expect(monitoring, "an alarm did not arrive through the outbox in memory:\n\(rig.gateway.logTail(lines: 40))")
    }

    @Test("an uplink that cannot be created: a gateway alarm, and alarms and readings wait in the outbox", .timeLimit(.minutes(2)))
    func uplinkThatCannotStart() async throws {
        // A prefix over MQTT's 65,535-byte topic limit: libmosquitto refuses the last will.
        let rig = try EndToEndRig(edit: { site in
            site["uplink"] = ["url": "mqtt://127.0.0.1:1", "topicPrefix": String(repeating: "p", count: 70_000)]
        }, prepare: { _ in })
        let raised = await UplinkRig.until(.seconds(20)) { rig.gateway.log.contains("raise gateway/uplink-unavailable") }
        #expect(raised, "no gateway alarm for the uplink:\n\(rig.gateway.logTail(lines: 20))")
        func pending() -> Double { (try? rig.api.call(["op": "status"]))?["outbox"]?["pending"]?.numberValue ?? 0 }
        let stored = await UplinkRig.until(.seconds(10)) { pending() >= 2 }
        #expect(stored, "the gateway alarm (event and mirror) waits in the outbox: \(pending())")
        let first = pending()
        let growing = await UplinkRig.until(.seconds(20)) { pending() > first }
        #expect(growing, "readings wait in the outbox too: \(pending())")
    }

    @Test("sqlite3 holds outbox.db's write lock for 30 s while alarms are raised and cleared: every event arrives, in order",
          .timeLimit(.minutes(3)))
    func lockHeldThirtySeconds() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else {
            print("skipped: no /usr/bin/sqlite3 (apt-get install sqlite3)")
            return
        }
        let rig = try await UplinkRig.start()
        let before = UplinkRig.loggedAlarms(rig.gateway.log).count
        let holder = try SpawnedProcess("/usr/bin/sqlite3", [rig.gatewayDirectory + "/outbox.db", "BEGIN IMMEDIATE", ".shell sleep 30", "COMMIT"],
                                        output: .pipe { _ in })
        let clock = ContinuousClock()
        let start = clock.now
        var cycles = 0
        while clock.now - start < .seconds(26) {
            try rig.ctl("door", "cabinet-1", cycles % 2 == 0 ? "open" : "close")
            cycles += 1
            try await Task.sleep(for: .seconds(2))
        }
        let heldDuring = (try? rig.status())?["outbox"]?["memory"]?.numberValue ?? 0
        #expect(heldDuring > 0, "alarms were held in memory while the lock was held: \(String(describing: try? rig.status()))")
        _ = try await onOwnThread { holder.wait() }
        let (delivered, logged, received) = await UplinkOutageTests.waitForDelivery(rig)
        #expect(delivered, "not delivered: outbox \(String(describing: rig.outboxPending))\n\(rig.gateway.logTail())")
        #expect(received.map(\.logged) == logged.map(Optional.some),
                "the broker's alarm events are not the gateway's:\n\(UplinkOutageTests.sideBySide(logged, received))")
        #expect(logged.count - before >= cycles - 1, "\(logged.count - before) events for \(cycles) door changes")
        #expect(!rig.gateway.log.contains("not stored for the platform"))
    }

    @Test("a nearly full 1 MB partition, the broker down, alarms flowing: every alarm arrives, telemetry is given up and counted",
          .timeLimit(.minutes(3)))
    func smallPartition() async throws {
        guard getuid() == 0 else {
            print("skipped: mounting a 1 MB tmpfs needs root (CI and the dev container run as root)")
            return
        }
        var mounted: String?
        defer { if let mounted { umount2(mounted, Int32(MNT_DETACH)) } }
        let rig = try await UplinkRig.start(prepare: { dir in
            guard mount("tmpfs", dir, "tmpfs", 0, "size=1m") == 0 else {
                throw ChildProcessError("cannot mount a 1 MB tmpfs on \(dir): \(String(cString: strerror(errno)))")
            }
            mounted = dir
            // Logs and other files share the partition: 300 KiB are left for the gateway.
            var s = statvfs()
            _ = statvfs(dir, &s)
            let free = Int(s.f_bavail) * Int(s.f_frsize)
            try Data(count: max(0, free - (300 << 10))).write(to: URL(fileURLWithPath: dir + "/ballast"))
        })
        let alarmsBefore = rig.receivedAlarms.count
        _ = try await UplinkOutageTests.stopBroker(rig)
        // Alarms raised and cleared while the outbox fills with telemetry.
        let clock = ContinuousClock()
        let start = clock.now
        var dropped = 0.0
        while clock.now - start < .seconds(90) {
            try rig.ctl("door", "cabinet-1", "open")
            try await Task.sleep(for: .seconds(1))
            try rig.ctl("door", "cabinet-1", "close")
            try await Task.sleep(for: .seconds(1))
            dropped = (try? rig.status())?["outbox"]?["dropped"]?.numberValue ?? 0
            if dropped > 0 && clock.now - start > .seconds(20) { break }
        }
        #expect(dropped > 0, "no telemetry given up on the full partition: \(String(describing: try? rig.status()))")
        try await rig.broker.start()
        let (delivered, logged, received) = await UplinkOutageTests.waitForDelivery(rig)
        #expect(delivered, "not delivered: outbox \(String(describing: rig.outboxPending))\n\(rig.gateway.logTail())")
        #expect(received.map(\.logged) == logged.map(Optional.some),
                "the broker's alarm events are not the gateway's:\n\(UplinkOutageTests.sideBySide(logged, received))")
        #expect(received.count - alarmsBefore >= 10, "\(received.count - alarmsBefore) alarm events during the outage")
        #expect(rig.gateway.log.contains("the disk is full"), "the full disk is said once in the log")
    }
}
