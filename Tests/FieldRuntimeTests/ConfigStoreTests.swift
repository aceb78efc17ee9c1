import FieldApps
import FieldCore
import FieldDevices
import FieldTestSupport
import Foundation
import Synchronization
import Testing
@testable import FieldRuntime

/// What the store asked the running gateway to do.
final class RecordingTarget: LiveConfigTarget {
    let calls = Mutex<[String]>([])
    func readdress(device: String, unit: Int) -> Bool {
        calls.withLock { $0.append("readdress \(device) \(unit)") }
        return true
    }
    func reconfigure(device: DeviceConfig, index: Int, site: SiteDetails) {
        calls.withLock { $0.append("reconfigure \(device.id) \(device.settings?.serialized() ?? "-")") }
    }
    var all: [String] { calls.withLock { $0 } }
}

/// A site file on disk with the simulator board, and a store over it validated like `fieldgate run`.
struct StoreFixture {
    static let site = """
    {
      "site": {"id": "pr7", "name": "Pump room 7", "utcOffset": "+08:00"},
      "board": "sim",
      "buses": [{"name": "pumps", "type": "tcp", "host": "127.0.0.1", "port": 1502}],
      "devices": [
        {"id": "hydrant-main", "profile": "fg-pressure-tx", "bus": "pumps", "address": 3, "settings": {"category": "municipal-hydrant"}},
        {"id": "pump-room", "profile": "fg-pump-room",
         "signals": {"valve-open": "DI1", "jockey-run": "DI2", "fire-pump-run": "DI3", "fire-pump-fault": "DI4"}}
      ],
      "console": {"users": [{"name": "li", "role": "technician", "hash": "$y$j9T$F5Jx5fExrKuJdljLajF2B1$ZUMnchs7mVL6y1DsxG.gp0Kq3Xv9ZxGj5VF43YS6wL8"}]}
    }
    """

    let directory: TemporaryDirectory
    let sitePath: String
    let store: ConfigStore
    let target = RecordingTarget()

    init(site: String = StoreFixture.site, attach: Bool = true) throws {
        directory = try TemporaryDirectory("configstore")
        sitePath = directory.file("site.json")
        try site.write(toFile: sitePath, atomically: false, encoding: .utf8)
        let validate = StoreFixture.validator(directory.path)
        let configuration = try validate(try JSONValue.parse(site))
        store = ConfigStore(configuration: configuration, validate: validate)
        if attach { store.attach(target) }
    }

    static func validator(_ directory: String) -> ConfigStore.Validator {
        let builtins = Dictionary(BuiltinProfiles.all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let sitePath = directory + "/site.json"
        return { document throws(ConfigError) in
            try GatewayConfiguration.validate(document: document, sitePath: sitePath, boardDirectories: [repositoryRoot + "/boards"],
                                              environment: ["FIELDSIM_DIR": directory, "STATE_DIR": directory],
                                              builtins: builtins, factories: BuiltinApps.factories)
        }
    }

    var fileText: String { (try? String(contentsOfFile: sitePath, encoding: .utf8)) ?? "" }
}

@Suite struct ConfigStoreTests {
    @Test func keysParseLikeTheErrorsPrintThem() {
        #expect(ConfigKey(parsing: "site.name")?.components == [.key("site"), .key("name")])
        #expect(ConfigKey(parsing: "devices[3].points.pressure.deadband")?.description == "devices[3].points.pressure.deadband")
        #expect(ConfigKey(parsing: "buses[0]")?.components == [.key("buses"), .index(0)])
        for bad in ["", "a..b", "a[", "a[-1]", "a[x]", "a.", ".a", "a]b"] {
            #expect(ConfigKey(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func getAndKeys() throws {
        let f = try StoreFixture()
        #expect(try f.store.value(at: "devices[0].address") == 3)
        #expect(try f.store.value(at: " site.name ") == "Pump room 7")
        #expect(try f.store.value(at: "devices[0].settings") == ["category": "municipal-hydrant"])
        let keys = f.store.keys()
        #expect(keys.contains("devices[1].signals.valve-open"))
        #expect(keys.firstIndex(of: "devices[0]")! < keys.firstIndex(of: "devices[0].address")!)
        #expect(throws: ConfigStoreError.notFound(key: "devices[0].adress", suggestions: ["devices[0].address"])) {
            try f.store.value(at: "devices[0].adress")
        }
        #expect(throws: ConfigStoreError.badKey("devices[x")) { try f.store.value(at: "devices[x") }
    }

    @Test func elementsByIdAndNewElementsAtTheEnd() throws {
        let f = try StoreFixture()
        #expect(try f.store.value(at: "devices[hydrant-main].address") == 3)
        #expect(try f.store.value(at: "buses[pumps].port") == 1502)
        #expect(throws: ConfigStoreError.notFound(key: "devices[hydrant-mian]", suggestions: ["devices[hydrant-main]"])) {
            try f.store.value(at: "devices[hydrant-mian].address")
        }
        let edit = try f.store.set("devices[hydrant-main].poll", to: "2s")
        #expect(edit.key == "devices[0].poll")
        // A site without profiles: profiles[+] (and profiles[0]) make the array.
        let profile: JSONValue = try JSONValue.parse(#"{"id": "acme-pt", "family": "fire-water", "points": [{"name": "p", "table": "input", "address": 0, "type": "f32"}]}"#)
        #expect(try f.store.set("profiles[+]", to: profile).key == "profiles[0]")
        let device: JSONValue = ["id": "pt-2", "profile": "acme-pt", "bus": "pumps", "address": 7]
        #expect(try f.store.set("devices[+]", to: device).key == "devices[2]")
        #expect(try f.store.value(at: "devices[pt-2].profile") == "acme-pt")
    }

    @Test func aBadValueIsRefusedWithItsJSONPathAndChangesNothing() throws {
        let f = try StoreFixture()
        do {
            _ = try f.store.set("devices[0].address", to: 300)
            Issue.record("300 is not a unit address")
        } catch {
            guard case .invalid(let issues) = error else { Issue.record("\(error)"); return }
            #expect(issues.contains { $0.path.description == "devices[0].address" })
        }
        do {
            _ = try f.store.set("devices[0].pol", to: "2s")
            Issue.record("no such key")
        } catch {
            #expect(error.description.contains("devices[0].pol: unknown key"))
        }
        #expect(try f.store.value(at: "devices[0].address") == 3)
        #expect(f.store.differences().isEmpty)
        #expect(f.target.all.isEmpty)
    }

    @Test func liveChangesAreAppliedAndOthersWaitForARestart() throws {
        let f = try StoreFixture()
        let address = try f.store.set("devices[0].address", to: 4)
        #expect(address == ConfigEdit(key: "devices[0].address", old: 3, new: 4, effect: .immediate))
        let settings = try f.store.set("devices[0].settings.category", to: "indoor-hydrant-high")
        #expect(settings.effect == .immediate)
        #expect(f.target.all == ["readdress hydrant-main 4", "reconfigure hydrant-main {\"category\":\"indoor-hydrant-high\"}"])

        #expect(try f.store.set("site.name", to: "Pump room 7 (east)").effect == .immediate)
        #expect(try f.store.set("console.idleLogout", to: "5m").effect == .immediate)
        #expect(try f.store.set("buses[0].port", to: 1503).effect == .restartNeeded("buses are opened at start"))
        #expect(try f.store.set("devices[0].poll", to: "2s").effect == .restartNeeded("devices are set up on their buses and lines at start"))
        // With the poll change pending, the device's address can no longer change live.
        let blocked = try f.store.set("devices[0].address", to: 5)
        #expect(blocked.effect == .restartNeeded("devices[0] has other changes that need a restart"))
        #expect(f.target.all.count == 2)
        // Back to what runs: nothing to restart for.
        #expect(try f.store.set("buses[0].port", to: 1502).effect == .immediate)
        #expect(f.store.differences().map(\.key) == ["console.idleLogout", "devices[0].address", "devices[0].poll",
                                                      "devices[0].settings.category", "site.name"])
    }

    @Test func withoutARunningGatewayDeviceChangesNeedARestart() throws {
        let f = try StoreFixture(attach: false)
        #expect(try f.store.set("devices[0].address", to: 4).effect == .restartNeeded("no running gateway to apply it to"))
    }

    @Test func removingAKeyGivesTheDefaultBack() throws {
        let f = try StoreFixture()
        _ = try f.store.set("devices[0].poll", to: "2s")
        let removed = try f.store.set("devices[0].poll", to: nil)
        #expect(removed.old == "2s" && removed.new == nil)
        #expect(f.store.running.site.devices[0].poll == .seconds(1))
        #expect(throws: ConfigStoreError.notFound(key: "devices[0].poll", suggestions: [])) { try f.store.set("devices[0].poll", to: nil) }
    }

    @Test func saveReplacesTheFileAtomicallyAndKeepsThePrevious() throws {
        let f = try StoreFixture()
        let original = f.fileText
        _ = try f.store.set("devices[0].address", to: 4)
        #expect(try f.store.save() == f.sitePath + ".prev")
        #expect(try String(contentsOfFile: f.sitePath + ".prev", encoding: .utf8) == original)
        let saved = try JSONValue.parse(f.fileText)
        #expect(saved == f.store.running.document)
        #expect(saved.value(at: [.key("devices"), .index(0), .key("address")]) == 4)
        #expect(f.store.differences().isEmpty)
        // Nothing half-written is left beside the file.
        let files = try FileManager.default.contentsOfDirectory(atPath: f.directory.path).sorted()
        #expect(files == ["site.json", "site.json.prev"])
        // The saved file starts the gateway: it validates on its own.
        _ = try StoreFixture.validator(f.directory.path)(saved)

        _ = try f.store.set("site.name", to: "PR7")
        _ = try f.store.save()
        #expect(try JSONValue.parse(String(contentsOfFile: f.sitePath + ".prev", encoding: .utf8)) == saved)
    }

    @Test func aFailedSaveLeavesTheSiteFileAndThePendingChanges() throws {
        let f = try StoreFixture()
        let original = f.fileText
        _ = try f.store.set("devices[0].address", to: 4)
        // A directory where the previous file goes makes its rename fail.
        try FileManager.default.createDirectory(atPath: f.sitePath + ".prev", withIntermediateDirectories: false)
        do {
            _ = try f.store.save()
            Issue.record("the save cannot succeed")
        } catch {
            guard case .io(let e) = error else { Issue.record("\(error)"); return }
            #expect(e.function == "rename")
        }
        #expect(f.fileText == original)
        #expect(f.store.differences().count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.directory.path).sorted() == ["site.json", "site.json.prev"])
    }

    @Test func revertDropsPendingChangesAndUndoesLiveOnes() throws {
        let f = try StoreFixture()
        _ = try f.store.set("devices[0].address", to: 4)
        _ = try f.store.set("site.name", to: "PR7")
        let dropped = try f.store.revert()
        #expect(dropped.map(\.key) == ["devices[0].address", "site.name"])
        #expect(dropped.first == ConfigDelta(key: "devices[0].address", saved: 3, running: 4))
        #expect(try f.store.value(at: "devices[0].address") == 3)
        #expect(f.target.all == ["readdress hydrant-main 4", "readdress hydrant-main 3"])
        #expect(try f.store.revert().isEmpty)
    }

    @Test func factoryResetNeedsAValidFactoryFile() throws {
        let f = try StoreFixture()
        let original = f.fileText
        #expect(throws: ConfigStoreError.noFactoryFile(f.sitePath + ".factory")) { try f.store.resetToFactory() }
        try #"{"site": {"id": "factory"}, "board": "nope"}"#.write(toFile: f.sitePath + ".factory", atomically: false, encoding: .utf8)
        #expect(throws: (any Error).self) { try f.store.resetToFactory() }
        #expect(f.fileText == original)

        let factory = #"{"site": {"id": "factory"}, "board": "sim", "console": {"users": [{"name": "admin", "role": "admin", "hash": "$y$j9T$F5Jx5fExrKuJdljLajF2B1$ZUMnchs7mVL6y1DsxG.gp0Kq3Xv9ZxGj5VF43YS6wL8"}]}}"#
        try factory.write(toFile: f.sitePath + ".factory", atomically: false, encoding: .utf8)
        #expect(try f.store.resetToFactory() == f.sitePath + ".prev")
        #expect(try JSONValue.parse(f.fileText) == JSONValue.parse(factory))
        #expect(try String(contentsOfFile: f.sitePath + ".prev", encoding: .utf8) == original)
    }
}
