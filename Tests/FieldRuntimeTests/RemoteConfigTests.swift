import FieldCore
import FieldTestSupport
import Foundation
import Testing
@testable import FieldRuntime

/// The config store's platform side and the trial's decisions (docs/uplink.md, "Remote
/// configuration"); the whole path through a broker is `EndToEndTests.RemoteConfigTests`.
/// The error `body` threw, or nil.
func storeError(_ body: () throws(ConfigStoreError) -> Void) -> ConfigStoreError? {
    do throws(ConfigStoreError) {
        try body()
        return nil
    } catch {
        return error
    }
}

@Suite struct RemoteConfigStoreTests {
    func pushed(_ f: StoreFixture, _ edit: (inout [String: JSONValue]) -> Void) throws -> JSONValue {
        guard case .object(var o) = f.store.running.document else { throw ConfigStoreError.badKey("the fixture is not an object") }
        edit(&o)
        return .object(o)
    }

    @Test func aPushReplacesTheFileAndRefusesConsoleEditsUntilTheRestart() throws {
        let f = try StoreFixture()
        let before = f.store.hash
        let next = try pushed(f) { $0["site"] = ["id": "pr7", "name": "Pump room 7 (pushed)", "utcOffset": "+08:00"] }
        var kept: JSONValue?
        _ = try f.store.replaceFromPlatform(next, baseHash: before, by: "the platform") { _, previous throws(ConfigStoreError) in kept = previous }
        // Parsed first: Swift 6.0.3's #expect cannot take a throwing call inside a comparison.
        let original = try JSONValue.parse(StoreFixture.site), written = try JSONValue.parse(f.fileText)
        #expect(kept == original, "the caller gets the document it replaces, to keep")
        #expect(written == next)
        // The console's edit would be lost in the restart, or write over the push: refused, said why.
        let e = storeError { () throws(ConfigStoreError) in _ = try f.store.set("site.name", to: "console") }
        guard case .conflict(let why)? = e else { Issue.record("a console edit after a push: \(String(describing: e))"); return }
        #expect(why.contains("the platform replaced the configuration"))
    }

    @Test func aPushIsRefusedWhileTheConsoleHasUnsavedChangesOrAgainstAnotherHash() throws {
        let f = try StoreFixture()
        let base = f.store.hash
        let next = try pushed(f) { $0["site"] = ["id": "pr7", "name": "pushed", "utcOffset": "+08:00"] }
        let stale = storeError { () throws(ConfigStoreError) in _ = try f.store.replaceFromPlatform(next, baseHash: String(repeating: "a", count: 64), by: "the platform") { _, _ throws(ConfigStoreError) in } }
        guard case .conflict(let why)? = stale else { Issue.record("a push against another hash: \(String(describing: stale))"); return }
        #expect(why.contains("read it again"))
        _ = try f.store.set("devices[0].address", to: 4)
        let pending = storeError { () throws(ConfigStoreError) in _ = try f.store.replaceFromPlatform(next, baseHash: base, by: "the platform") { _, _ throws(ConfigStoreError) in } }
        guard case .conflict(let unsaved)? = pending else { Issue.record("a push over unsaved changes: \(String(describing: pending))"); return }
        #expect(unsaved.contains("1 unsaved change") && unsaved.contains("devices[0].address"))
        #expect(try JSONValue.parse(f.fileText) == (try JSONValue.parse(StoreFixture.site)), "nothing written")
    }

    @Test func anInvalidPushNamesEveryErrorAndWritesNothing() throws {
        let f = try StoreFixture()
        let next = try pushed(f) { o in
            o["site"] = ["id": "pr7", "name": "x", "utcOffset": "+25:00"]
            o["storage"] = ["telemetryInterval": "soon"]
        }
        let e = storeError { () throws(ConfigStoreError) in _ = try f.store.replaceFromPlatform(next, baseHash: f.store.hash, by: "the platform") { _, _ throws(ConfigStoreError) in } }
        guard case .invalid(let issues)? = e else { Issue.record("an invalid push: \(String(describing: e))"); return }
        #expect(Set(issues.map(\.path.description)) == ["site.utcOffset", "storage.telemetryInterval"], "\(issues)")
        #expect(try JSONValue.parse(f.fileText) == (try JSONValue.parse(StoreFixture.site)))
    }

    @Test func theConsolesSaveRefusesAFileChangedOutsideIt() throws {
        let f = try StoreFixture()
        _ = try f.store.set("devices[0].address", to: 4)
        try StoreFixture.site.replacingOccurrences(of: "Pump room 7", with: "edited on the board").write(toFile: f.sitePath, atomically: true, encoding: .utf8)
        let e = storeError { () throws(ConfigStoreError) in _ = try f.store.save() }
        guard case .conflict? = e else { Issue.record("save over a file changed outside: \(String(describing: e))"); return }
        #expect(f.fileText.contains("edited on the board"))
    }

    @Test func theHashIgnoresTheFilesLayout() throws {
        let a = try JSONValue.parse(#"{"b": 1, "a": [1, 2]}"#)
        let b = try JSONValue.parse("{\n  \"a\": [1,2],\n  \"b\": 1\n}")
        #expect(ConfigStore.hash(of: a) == ConfigStore.hash(of: b))
        #expect(ConfigStore.hash(of: a).count == 64)
    }
}

@Suite struct ConfigTrialTests {
    @Test func healthyAtOnceOrRolledBackAfterTheWindowWithWhatWasMissing() {
        let watch = ConfigTrialWatch(startedAt: 1000, window: .seconds(120))
        #expect(watch.decide(now: 1000, unmet: []) == .healthy)
        #expect(watch.decide(now: 120_999, unmet: ["the uplink is not connected"]) == .waiting)
        guard case .rollBack(let reason) = watch.decide(now: 121_000, unmet: ["the uplink is not connected", "no device on bus rs485-1 has answered"]) else {
            Issue.record("no rollback after the window")
            return
        }
        #expect(reason == "not healthy within 120 s of the start on the new configuration: the uplink is not connected; no device on bus rs485-1 has answered")
    }

    /// The gateway that crashes at once on the new configuration never gets to watch it: the
    /// starts are counted before the file is read, and the fourth start rolls back.
    @Test func aCrashLoopIsRolledBackAtTheFourthStart() throws {
        let dir = try TemporaryDirectory("config-trial")
        let files = ConfigTrialFiles(stateDirectory: dir.path)
        let site = dir.file("site.json")
        try #"{"new": true}"#.write(toFile: site, atomically: true, encoding: .utf8)
        try #"{"old": true}"#.write(toFile: files.previous, atomically: true, encoding: .utf8)
        try files.write(ConfigTrialRecord(hash: "new", previousHash: "old", by: "platform", requestedAt: Timestamp(milliseconds: 5)))
        let clock = ManualClock(Timestamp(milliseconds: 1_767_225_600_000))
        for start in 1 ... ConfigTrialStartup.maxStarts {
            #expect(ConfigTrialStartup.begin(files: files, sitePath: site, clock: clock)?.boots == start)
        }
        #expect(ConfigTrialStartup.begin(files: files, sitePath: site, clock: clock) == nil)
        #expect(try String(contentsOfFile: site, encoding: .utf8) == #"{"old": true}"#)
        #expect(files.readTrial() == nil)
        let outcome = try #require(files.readStatus())
        #expect(outcome.state == .rolledBack && outcome.hash == ConfigStore.hash(of: ["old": true]))
        #expect(outcome.reason == "the gateway stopped 3 times on the new configuration before proving healthy")
        #expect(ConfigTrialStartup.begin(files: files, sitePath: site, clock: clock) == nil, "no trial any more")
    }
}
