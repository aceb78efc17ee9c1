#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// Firmware updates with the real processes (docs/install.md, "Firmware updates"): the platform
/// (FieldSim's `FirmwarePlatform`, mosquitto's own clients) serves packages over a real mosquitto
/// and records the `fw_state` sequence the gateway reports; the gateway runs under a
/// `Restart=always`-like supervisor from its build directory (slot A), installs into its state
/// directory (slot B) and restarts into it, no root needed.
@Suite("firmware update end to end", .serialized)
struct FirmwareUpdateTests {
    typealias Rig = RemoteConfigTests.Rig

    /// The gateway's own telemetry as the platform keeps it (latest value per key), and every
    /// `fw_state` in the order it came.
    static func telemetry(_ rig: Rig) -> (latest: [String: JSONValue], states: [String]) {
        var latest: [String: JSONValue] = [:]
        var states: [String] = []
        for m in rig.observer.messages(on: "v1/devices/me/telemetry") {
            guard let values = (try? JSONValue.parse(m.payload))?["values"]?.objectValue else { continue }
            latest.merge(values) { _, new in new }
            if let s = values["fw_state"]?.stringValue { states.append(s) }
        }
        return (latest, states)
    }

    static func waitFor(_ rig: Rig, _ timeout: Duration, _ condition: @escaping ([String: JSONValue]) -> Bool) async -> Bool {
        await UplinkRig.until(timeout, every: .milliseconds(100)) { condition(telemetry(rig).latest) }
    }

    /// FieldSim's platform on the rig's broker, its files in the rig's directory.
    static func platform(_ rig: Rig, image: [UInt8], version: String, label: String) async throws -> FirmwarePlatform {
        let directory = rig.directory.file("platform-" + label)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = rig.broker.port
        return try await onOwnThread { try FirmwarePlatform(host: "127.0.0.1", port: port, image: image, version: version, directory: directory) }
    }

    /// The recorded `fw_state`s from the last DOWNLOADING on, repeats folded: a gateway restarted
    /// mid-download starts again with DOWNLOADING (after repeating its last outcome).
    static func lastRun(_ states: [String]) -> [String] {
        guard let start = states.lastIndex(of: "DOWNLOADING") else { return [] }
        var run: [String] = []
        for s in states[start...] where run.last != s { run.append(s) }
        return run
    }

    /// The package binary with a marker appended: another checksum, and still the same program.
    static func image(marker: String) throws -> [UInt8] {
        let binary = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try TestSupport.executable("fieldgate"))))
        return binary + Array("\nfirmware test image \(marker)\n".utf8)
    }

    @Test("a corrupted package fails with nothing changed; a good one, cut off mid-download and the gateway killed, resumes after the restart and ends UPDATED running the new image",
          .timeLimit(.minutes(6)))
    func corruptedThenResumedUpdate() async throws {
        let rig = try await Rig(observe: "v1/devices/me/#")
        let slot = rig.directory.file("gw") + "/firmware/b/fieldgate"
        let started = await Self.waitFor(rig, .seconds(60)) { $0["current_fw_version"] == .string(FieldgateVersion.string) }
        #expect(started, "no current_fw_version: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")

        // Corrupted in transit: the checksum does not match, nothing is installed.
        let bad = try await Self.platform(rig, image: try Self.image(marker: "A"), version: "0.2.0", label: "bad")
        bad.corrupt = 100_000
        try bad.assign()
        let failed = await Self.waitFor(rig, .seconds(120)) { $0["fw_state"] == .string("FAILED") }
        let error = Self.telemetry(rig).latest["fw_error"]?.stringValue ?? ""
        #expect(failed && error.contains("SHA-256 mismatch"), "corrupted package: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        #expect(!FileManager.default.fileExists(atPath: rig.directory.file("gw") + "/firmware/active"), "nothing installed")
        #expect(!FileManager.default.fileExists(atPath: rig.directory.file("gw") + "/firmware/download.part"), "the download is gone")
        #expect(rig.gateway.startCount == 1 && Self.telemetry(rig).latest["current_fw_version"] == .string(FieldgateVersion.string))
        // What the platform itself recorded from the gateway's telemetry (its reader may be a poll behind the observer).
        let badRecorded = await UplinkRig.until(.seconds(10)) { bad.reports.last?.state == "FAILED" }
        let badRun = bad.reports
        #expect(badRecorded && badRun.last?.state == "FAILED" && badRun.last?.error?.contains("SHA-256 mismatch") == true
                    && !badRun.contains { ["VERIFIED", "UPDATING", "UPDATED"].contains($0.state) },
                "the platform recorded \(badRun.map { "\($0.state) \($0.error ?? "")" })")
        let badOutcome = await UplinkRig.until(.seconds(10)) { bad.outcome != nil }
        #expect(badOutcome && bad.outcome.map { if case .failed(let e) = $0 { return e.contains("SHA-256 mismatch") } else { return false } } == true,
                "the platform's outcome: \(String(describing: bad.outcome))")
        bad.stop()

        // A good package; the platform stops answering halfway, the gateway is killed, comes
        // back, resumes where its file ends, verifies, installs and restarts into it.
        let good = try await Self.platform(rig, image: try Self.image(marker: "B"), version: "0.2.0", label: "good")
        defer { good.stop() }
        let chunks = (good.image.count + 65535) / 65536
        good.answerLimit = chunks / 2
        let assignedAt = ContinuousClock.now
        try good.assign()
        let cut = await UplinkRig.until(.seconds(120)) { good.chunksServed == chunks / 2 && good.chunksAsked.count > chunks / 2 }
        #expect(cut, "the download did not reach the cut: \(good.chunksServed) served, \(good.chunksAsked.count) asked\n\(rig.gateway.logTail())")
        let halfway = ContinuousClock.now - assignedAt
        let askedBeforeKill = good.chunksAsked.count
        if let pid = rig.gateway.pid { kill(pid, SIGKILL) }
        // The killed gateway's last request stays unanswered; the platform answers again.
        good.answerLimit = nil
        _ = await UplinkRig.until(.seconds(30)) { rig.gateway.startCount == 2 }
        let resumedAt = ContinuousClock.now
        let updated = await Self.waitFor(rig, .seconds(180)) { $0["fw_state"] == .string("UPDATED") && $0["current_fw_version"] == .string("0.2.0") }
        let finished = ContinuousClock.now
        #expect(updated, "not UPDATED: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        let afterRestart = Array(good.chunksAsked.dropFirst(askedBeforeKill))
        #expect(afterRestart.first == chunks / 2 && !afterRestart.contains { $0 < chunks / 2 }, "resumed at chunk \(String(describing: afterRestart.first)), expected \(chunks / 2)")
        let states = Self.telemetry(rig).states
        let order = ["DOWNLOADING", "DOWNLOADED", "VERIFIED", "UPDATING", "UPDATED"]
        #expect(order.allSatisfy { states.contains($0) }, "fw_state went \(states)")
        let recorded = await UplinkRig.until(.seconds(10)) { Self.lastRun(good.states) == order }
        #expect(recorded && good.outcome == .updated, "the platform recorded \(good.states), outcome \(String(describing: good.outcome))")
        let exe = rig.gateway.pid.flatMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/exe") }
        #expect(exe == slot, "the running gateway is \(String(describing: exe)), expected the new image \(slot)")
        let halfSeconds: Double = Double(halfway.components.seconds) + Double(halfway.components.attoseconds) / 1e18
        let halfMiB: Double = Double(good.image.count / 2) / 1_048_576
        let rate: Double = halfMiB / halfSeconds
        let steps = rig.gateway.log.split(separator: "\n").filter { $0.contains("[firmware]") || $0.contains("running; local API") }
        print("firmware: the gateway's steps:\n" + steps.suffix(14).joined(separator: "\n"))
        print("firmware: \(good.image.count) bytes in \(chunks) chunks of 64 KiB; first half through the broker in \(halfway) (\(String(format: "%.2f", rate)) MiB/s); after the restart, resumed to UPDATED on the new image in \(finished - resumedAt)")
    }

    @Test("a downgrade is refused, an update waits for a fire alarm to clear; a new image that exits at once is given up at its fourth start, the packaged gateway comes back and reports FAILED", .timeLimit(.minutes(4)))
    func imageThatExitsAtOnceIsRolledBack() async throws {
        let rig = try await Rig(observe: "v1/devices/me/#")
        let started = await Self.waitFor(rig, .seconds(60)) { $0["current_fw_version"] == .string(FieldgateVersion.string) }
        #expect(started, "no current_fw_version: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        // An executable of this architecture that exits with status 1 at once.
        let broken = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/bin/false")))
        // An older version is refused without a download, unless forced.
        let older = try await Self.platform(rig, image: broken, version: "0.0.9", label: "older")
        try older.assign()
        let refused = await Self.waitFor(rig, .seconds(30)) {
            $0["fw_state"] == .string("FAILED") && $0["fw_error"]?.stringValue?.contains("a downgrade needs fw_force") == true
        }
        #expect(refused && older.chunksAsked.isEmpty, "downgrade: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        let olderRecorded = await UplinkRig.until(.seconds(5)) { older.states == ["FAILED"] }
        #expect(olderRecorded, "the platform recorded \(older.states) for the downgrade")
        older.stop()
        let platform = try await Self.platform(rig, image: broken, version: "0.3.0", label: "broken")
        defer { platform.stop() }
        // Held back while a fire-water alarm is active: nothing is asked for until it clears.
        try rig.ctl("set", "main-pt.pressure", "0.10")
        let raised = await UplinkRig.until(.seconds(30)) { rig.gateway.log.contains("raise main-pt.pressure/low-pressure") }
        #expect(raised, "no low-pressure alarm:\n\(rig.gateway.logTail())")
        try platform.assign()
        let held = await UplinkRig.until(.seconds(10)) {
            rig.gateway.log.split(separator: "\n").contains { $0.contains("firmware 0.3.0 waits: ") && $0.contains("alarm main-pt.pressure/low-pressure is active") }
        }
        try await Task.sleep(for: .seconds(2))
        #expect(held && platform.chunksAsked.isEmpty, "an update started during a fire alarm: \(platform.chunksAsked)\n\(rig.gateway.logTail())")
        try rig.ctl("set", "main-pt.pressure", "0.32")
        let clearedAt = ContinuousClock.now
        let resumed = await UplinkRig.until(.seconds(120)) { !platform.chunksAsked.isEmpty }
        #expect(resumed, "the update did not start once the alarms cleared:\n\(rig.gateway.logTail())")
        print("firmware: the held update started \(ContinuousClock.now - clearedAt) after the pressure came back (the alarms' clear delays)")
        let updating = await Self.waitFor(rig, .seconds(60)) { $0["fw_state"] == .string("UPDATING") }
        #expect(updating, "not UPDATING: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        let installedAt = ContinuousClock.now
        let back = await Self.waitFor(rig, .seconds(90)) {
            $0["fw_state"] == .string("FAILED") && $0["current_fw_version"] == .string(FieldgateVersion.string)
                && $0["fw_error"]?.stringValue?.contains("stopped 3 times") == true
        }
        #expect(back, "not rolled back: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        let error = Self.telemetry(rig).latest["fw_error"]?.stringValue ?? ""
        #expect(error.contains("stopped 3 times"), "the reason the platform is told: \(error)")
        let told = await UplinkRig.until(.seconds(10)) { platform.outcome != nil }
        let outcome = platform.outcome
        #expect(told && outcome.map { if case .failed(let e) = $0 { return e.contains("stopped 3 times") } else { return false } } == true,
                "the platform recorded \(platform.states), outcome \(String(describing: outcome))")
        #expect(rig.gateway.exits.filter { $0 == 1 }.count == 3, "the image ran three times: exits \(rig.gateway.exits)")
        #expect(!FileManager.default.fileExists(atPath: rig.directory.file("gw") + "/firmware/active"))
        print("firmware: an image that exits at once rolled back and reported \(ContinuousClock.now - installedAt) after UPDATING (3 starts, RestartSec 1 s)")
    }

    @Test("a new image that never reaches the platform is given up after the health window; the packaged gateway reports FAILED with why",
          .timeLimit(.minutes(4)))
    func imageThatNeverReconnectsIsRolledBack() async throws {
        let rig = try await Rig(observe: "v1/devices/me/#")
        let started = await Self.waitFor(rig, .seconds(60)) { $0["current_fw_version"] == .string(FieldgateVersion.string) }
        #expect(started, "no current_fw_version: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        let platform = try await Self.platform(rig, image: try Self.image(marker: "C"), version: "0.2.0", label: "silent")
        try platform.assign()
        let updating = await Self.waitFor(rig, .seconds(120)) { $0["fw_state"] == .string("UPDATING") }
        #expect(updating, "not UPDATING: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        platform.stop()
        // The platform is unreachable while the new image runs its health window.
        let broker = rig.broker
        try await onOwnThread { broker.stop() }
        let stoppedAt = ContinuousClock.now
        let gaveUp = await UplinkRig.until(.seconds(60)) { rig.gateway.startCount >= 3 }
        #expect(gaveUp, "the new image was not given up: starts \(rig.gateway.startCount)\n\(rig.gateway.logTail())")
        try await broker.start()
        let reported = await Self.waitFor(rig, .seconds(60)) {
            $0["fw_state"] == .string("FAILED") && $0["current_fw_version"] == .string(FieldgateVersion.string)
                && $0["fw_error"]?.stringValue?.contains("not healthy within 8 s of the start on the new firmware") == true
        }
        #expect(reported, "FAILED not reported: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        let error = Self.telemetry(rig).latest["fw_error"]?.stringValue ?? ""
        #expect(error.contains("uplink"), "the reason names the uplink: \(error)")
        let exe = rig.gateway.pid.flatMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/exe") }
        #expect(exe == (try? TestSupport.executable("fieldgate")), "the packaged gateway runs again: \(String(describing: exe))")
        print("firmware: a new image cut off from the platform given up \(ContinuousClock.now - stoppedAt) after the platform went away (window 8 s), reported once it was back")
    }

    @Test("fieldsim platform firmware drives updates by hand: a corrupted one prints FAILED and exits 1, a good one prints each fw_state and exits 0 on UPDATED",
          .timeLimit(.minutes(5)))
    func commandDrivesUpdates() async throws {
        let rig = try await Rig(observe: "v1/devices/me/#")
        let started = await Self.waitFor(rig, .seconds(60)) { $0["current_fw_version"] == .string(FieldgateVersion.string) }
        #expect(started, "no current_fw_version: \(Self.telemetry(rig).latest)\n\(rig.gateway.logTail())")
        let image = rig.directory.file("image-D")
        try Data(try Self.image(marker: "D")).write(to: URL(fileURLWithPath: image))
        let startedAt = ContinuousClock.now
        let corrupted = try ChildProcess(executable: try TestSupport.executable("fieldsim"),
                                         arguments: ["platform", "firmware", "--broker", "127.0.0.1:\(rig.broker.port)", "--image", image,
                                                     "--version", "0.2.0", "--corrupt", "100000", "--timeout", "180"],
                                         logPath: rig.directory.file("platform-corrupted.log"))
        let corruptedStatus = try await onOwnThread { corrupted.waitForExit(timeout: .seconds(200)) }
        let corruptedOutput = corrupted.logTail(lines: 200)
        #expect(corruptedStatus == 1 && corruptedOutput.contains("fieldsim: FAILED: ") && corruptedOutput.contains("SHA-256 mismatch"),
                "exit \(String(describing: corruptedStatus)):\n\(corruptedOutput)\n\(rig.gateway.logTail())")
        #expect(!FileManager.default.fileExists(atPath: rig.directory.file("gw") + "/firmware/active"), "nothing installed")
        let corruptedTook = ContinuousClock.now - startedAt
        // Another package: the gateway does not take the one that failed again (unless forced).
        let goodImage = rig.directory.file("image-E")
        try Data(try Self.image(marker: "E")).write(to: URL(fileURLWithPath: goodImage))
        let command = try ChildProcess(executable: try TestSupport.executable("fieldsim"),
                                       arguments: ["platform", "firmware", "--broker", "127.0.0.1:\(rig.broker.port)", "--image", goodImage,
                                                   "--version", "0.2.0", "--timeout", "180"],
                                       logPath: rig.directory.file("platform-command.log"))
        let goodStartedAt = ContinuousClock.now
        let status = try await onOwnThread { command.waitForExit(timeout: .seconds(200)) }
        let output = command.logTail(lines: 200)
        #expect(status == 0, "exit \(String(describing: status)):\n\(output)\n\(rig.gateway.logTail())")
        let printed = output.split(separator: "\n").compactMap { line in
            line.hasPrefix("fw_state ") ? line.dropFirst(9).prefix { $0 != " " && $0 != ":" }.description : nil
        }
        #expect(Self.lastRun(printed) == ["DOWNLOADING", "DOWNLOADED", "VERIFIED", "UPDATING", "UPDATED"], "printed:\n\(output)")
        #expect(output.contains("fieldsim: UPDATED to 0.2.0"), "\(output)")
        let running = await Self.waitFor(rig, .seconds(30)) { $0["current_fw_version"] == .string("0.2.0") }
        #expect(running, "the new version is not running: \(Self.telemetry(rig).latest)")
        print("firmware: fieldsim platform firmware --corrupt exited 1 after \(corruptedTook); a good package from the assignment to UPDATED and exit 0 in \(ContinuousClock.now - goodStartedAt)")
    }
}
