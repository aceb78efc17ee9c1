import FieldApps
import FieldCore
import FieldDevices
import FieldTestSupport
import FieldUplink
import Foundation
import Testing
@testable import FieldRuntime

/// Remote configuration (docs/uplink.md, "Remote configuration"): pushed site documents mutated
/// byte- and value-wise, and hostile `setConfig` params. Each push is applied whole or refused
/// with every error and its JSON path; a refused push writes nothing.
@Suite(.serialized) struct RemoteConfigFuzzTests {
    static let site = """
    {
      "site": {"id": "pr7", "name": "Pump room 7", "utcOffset": "+08:00"},
      "board": "sim",
      "buses": [{"name": "pumps", "type": "tcp", "host": "127.0.0.1", "port": 1502}],
      "devices": [
        {"id": "hydrant-main", "profile": "fg-pressure-tx", "bus": "pumps", "address": 3, "settings": {"category": "municipal-hydrant"}},
        {"id": "pump-room", "profile": "fg-pump-room",
         "signals": {"valve-open": "DI1", "jockey-run": "DI2", "fire-pump-run": "DI3", "fire-pump-fault": "DI4"}}
      ]
    }
    """

    /// A site file and a store over it, validated as `fieldgate run` does.
    struct Fixture {
        let directory: TemporaryDirectory
        let sitePath: String
        let store: ConfigStore

        init() throws {
            directory = try TemporaryDirectory("remote-config-fuzz")
            sitePath = directory.file("site.json")
            try RemoteConfigFuzzTests.site.write(toFile: sitePath, atomically: false, encoding: .utf8)
            let sitePath = self.sitePath, path = directory.path
            let validate: ConfigStore.Validator = { document throws(ConfigError) in
                try GatewayConfiguration.validate(document: document, sitePath: sitePath, boardDirectories: [TestSupport.boards],
                                                  environment: ["FIELDSIM_DIR": path, "STATE_DIR": path],
                                                  builtins: BuiltinProfiles.byID, factories: BuiltinApps.factories)
            }
            store = ConfigStore(configuration: try validate(try JSONValue.parse(RemoteConfigFuzzTests.site)), validate: validate)
        }

        var fileBytes: Data { (try? Data(contentsOf: URL(fileURLWithPath: sitePath))) ?? Data() }
    }

    @Test func mutatedPushesAreAppliedWholeOrRefusedWithPaths() throws {
        var f = try Fixture()
        let original = try JSONValue.parse(Self.site)
        let hostile: [JSONValue] = [1e20, -1e20, 1e300, -1e300, -1, 0, 0.5, 65536, 4_294_967_296, "1e20h", "-5s", "", "inf", "NaN", "\u{0}",
                                    .string(String(repeating: "x", count: 5000)), nil, true, [], [:], [1e20], ["a": 1e20]]
        FuzzRun("pushed configurations").run { caseSeed, g in
            var document = original
            if Bool.random(using: &g) {
                guard let parsed = try? JSONValue.parse(Data(Mutator.mutate(Array(Self.site.utf8), &g, rounds: 4))) else { return }
                document = parsed
            } else {
                for _ in 0..<Int.random(in: 1...3, using: &g) {
                    guard let leaf = JSONLeaves.paths(document).randomElement(using: &g) else { break }
                    document = JSONLeaves.replacing(document, at: leaf[...], with: hostile.randomElement(using: &g)!)
                }
            }
            let before = f.fileBytes
            var wrote = false
            let tag = "FUZZ_CASE=0x\(String(caseSeed, radix: 16))"
            do throws(ConfigStoreError) {
                _ = try f.store.replaceFromPlatform(document, baseHash: f.store.hash, by: "the platform") { _, _ throws(ConfigStoreError) in wrote = true }
                // Parsed first: Swift 6.0.3's #expect cannot take a `try` inside a comparison.
                let written = try? JSONValue.parse(f.fileBytes)
                #expect(wrote && written == document, "\(tag): applied whole")
                // The store now refuses edits until the restart: a fresh one for the next case.
                if let fresh = try? Fixture() { f = fresh }
            } catch {
                #expect(!wrote && f.fileBytes == before, "\(tag): a refused push wrote nothing")
                switch error {
                case .invalid(let issues):
                    #expect(!issues.isEmpty && issues.allSatisfy { !$0.message.isEmpty }, "\(tag): \(issues)")
                case .conflict(let why):
                    #expect(document == original || !why.isEmpty, "\(tag): \(why)")
                default:
                    Issue.record("\(tag): \(error)")
                }
            }
        }
    }

    /// The trial's files torn or garbled at start-up: the start counts a trial it can read, rolls
    /// back one that used its starts, and otherwise goes on without one; never a crash.
    @Test func corruptedTrialFilesAtStartUp() throws {
        let f = try Fixture()
        let files = ConfigTrialFiles(stateDirectory: f.directory.path)
        let trial: JSONValue = ["hash": "a", "previousHash": "b", "by": "platform", "requestedAt": 1_796_644_800_000, "boots": 1]
        let status: JSONValue = ["state": "trial", "hash": "a", "ts": 1_796_644_800_000]
        FuzzRun("remote-config files", defaultSeconds: 1).run { caseSeed, g in
            try? Data(FirmwareFuzzTests.corrupted(trial, &g)).write(to: URL(fileURLWithPath: files.trial))
            try? Data(FirmwareFuzzTests.corrupted(status, &g)).write(to: URL(fileURLWithPath: files.status))
            let record = files.readTrial()
            if let record { #expect(record.boots >= 0 && record.requestedAt.milliseconds >= 0, "FUZZ_CASE=0x\(String(caseSeed, radix: 16))") }
            _ = files.readStatus()?.attributes
            // No previous file: a trial past its starts cannot roll back, and says so in the log.
            _ = ConfigTrialStartup.begin(files: files, sitePath: f.sitePath)
            _ = RemoteConfigService(store: f.store, files: files, audit: nil, trial: record, window: .seconds(60), restart: {}).trial
        }
    }

    /// `setConfig` with hostile params through the service: each is answered with a refusal that
    /// names the param, and the site file is untouched.
    @Test func hostileSetConfigParams() async throws {
        let f = try Fixture()
        let offline = try TemporaryDirectory("remote-config-fuzz-link")
        let uplink = try OfflineUplinkLink(directory: offline.path)
        let service = RemoteConfigService(store: f.store, files: ConfigTrialFiles(stateDirectory: f.directory.path), audit: nil, trial: nil,
                                          window: .seconds(60), restart: {})
        try service.start()
        defer { service.stop() }
        let base = f.store.hash
        let deep = String(repeating: "[", count: 100_000)
        let huge: JSONValue = .object(Dictionary(uniqueKeysWithValues: (0..<20_000).map { ("k\($0)", JSONValue.number(Double($0))) }))
        let cases: [(String, String)] = [
            (#"{"method": "setConfig", "params": 1}"#, "params"),
            (#"{"method": "setConfig", "params": []}"#, "params"),
            (#"{"method": "setConfig", "params": {"config": 1e300, "baseHash": "\#(base)"}}"#, "params.config"),
            (#"{"method": "setConfig", "params": {"config": [], "baseHash": "\#(base)"}}"#, "params.config"),
            (#"{"method": "setConfig", "params": {"config": "{\"site\": ", "baseHash": "\#(base)"}}"#, "params.config"),
            (#"{"method": "setConfig", "params": {"config": "\#(deep.prefix(600))", "baseHash": "\#(base)"}}"#, "params.config"),
            (#"{"method": "setConfig", "params": {"config": {}, "baseHash": 42}}"#, "params.baseHash"),
            (#"{"method": "setConfig", "params": {"config": {}, "baseHash": null}}"#, "params.baseHash"),
            (#"{"method": "setConfig", "params": {"config": {"site": {"id": 1e300}}, "baseHash": "\#(base)"}}"#, "site"),
            (#"{"method": "setConfig", "params": {"config": \#(huge.serialized()), "baseHash": "\#(base)"}}"#, "k0"),
            (#"{"method": "setConfig", "params": {"config": {}, "baseHash": "\#(String(repeating: "f", count: 100_000))"}}"#, "changed since"),
        ]
        let before = f.fileBytes
        for (i, (payload, _)) in cases.enumerated() {
            _ = service.received(MQTTMessage(topic: "v1/devices/me/rpc/request/\(i + 1)", payload: Array(payload.utf8)), link: uplink.link)
        }
        // Deep nesting is no request at all: left to the RPC parser, which answers it.
        #expect(!service.received(MQTTMessage(topic: "v1/devices/me/rpc/request/99", payload: Array(("{\"method\": \"setConfig\", \"params\": " + deep).utf8)),
                                  link: uplink.link))
        for (i, (_, names)) in cases.enumerated() {
            let topic = "v1/devices/me/rpc/response/\(i + 1)"
            var answers: [JSONValue] = []
            for _ in 0..<500 where answers.isEmpty {
                answers = try await uplink.posted(on: topic)
                if answers.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            guard let answer = answers.first else { Issue.record("no answer to case \(i)"); continue }
            let message = answer["message"]?.stringValue ?? ""
            #expect(answer["success"] == false && message.contains(names), "case \(i): \(answer.serialized().prefix(400))")
            // One readable message, however many errors the document has.
            #expect(answer.serialized().utf8.count < 64 * 1024, "case \(i): \(answer.serialized().utf8.count) bytes")
        }
        #expect(f.fileBytes == before, "nothing written")
    }
}
