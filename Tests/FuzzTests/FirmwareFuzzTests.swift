import FieldCore
import FieldSystem
import FieldTestSupport
import FieldUplink
import Foundation
import Testing
@testable import FieldRuntime

/// The firmware-update protocol (docs/install.md, "Firmware updates from the platform"): hostile
/// `fw_*` shared attributes, chunk responses of the wrong size, id or index, and the service's
/// own files corrupted on disk at start-up. The service refuses with FAILED and an `fw_error`,
/// or starts clean; it never crashes, and never downloads past its size limit.
@Suite(.serialized) struct FirmwareFuzzTests {
    static let sum = String(repeating: "ab", count: 32)
    static let valid: [String: JSONValue] = ["fw_title": "fieldgate", "fw_version": "9.0.0", "fw_size": 40, "fw_checksum": .string(sum),
                                             "fw_checksum_algorithm": "SHA256"]
    static let hostile: [JSONValue] = [-1, 0, 0.5, 1.5, 1e300, -1e300, 4e9, 4.000000001e9, 4_294_967_296, 9.2233720368547758e18, 1.7976931348623157e308,
                                       "40", "", "x", "SHA-256", "sha256", "MD5", "CRC32", .string(String(repeating: "a", count: 63)),
                                       .string(String(repeating: "a", count: 65)), .string(String(repeating: "g", count: 64)),
                                       .string(String(repeating: "AB", count: 32)), .string(String(repeating: "9", count: 5000)), "1..2", "-1.0",
                                       "9223372036854775808.1", nil, true, [], [:], ["a": 1]]

    static func hostileAttributes(_ g: inout SplitMix64) -> JSONValue {
        var o = valid
        for _ in 0..<Int.random(in: 1...3, using: &g) {
            let key = (Array(valid.keys) + ["fw_force"]).randomElement(using: &g)!
            if Int.random(in: 0..<6, using: &g) == 0 { o[key] = nil } else { o[key] = hostile.randomElement(using: &g)! }
        }
        return Bool.random(using: &g) ? .object(o) : ["shared": .object(o)]
    }

    @Test func hostileSharedAttributes() {
        FuzzRun("firmware offers").run { caseSeed, g in
            let doc: JSONValue
            if Int.random(in: 0..<4, using: &g) == 0 {
                let text = Mutator.mutate(Array(JSONValue.object(Self.valid).serialized().utf8), &g, rounds: 4)
                guard let parsed = try? JSONValue.parse(Data(text)) else { return }
                doc = parsed
            } else {
                doc = Self.hostileAttributes(&g)
            }
            let tag = "FUZZ_CASE=0x\(String(caseSeed, radix: 16)): \(doc.serialized().prefix(300))"
            switch FirmwareOffer.read(doc) {
            case nil:
                let o = doc["shared"]?.objectValue ?? doc.objectValue ?? [:]
                #expect(o["fw_title"] == nil && o["fw_version"] == nil, "\(tag)")
            case .failure(let e)?:
                guard case .offer(let why) = e else { Issue.record("\(tag): \(e)"); return }
                #expect(why.hasPrefix("fw_"), "\(tag): \(why)")
            case .success(let offer)?:
                let hex = offer.checksum.count == 64 && offer.checksum.allSatisfy { $0.isHexDigit && !$0.isUppercase }
                let named = !offer.title.isEmpty && !offer.version.isEmpty
                #expect((1...4_000_000_000).contains(offer.size) && hex && named, "\(tag)")
            }
        }
    }

    /// A file of the service's, as a crash, a full disk or a hand edit may leave it.
    static func corrupted(_ valid: JSONValue, _ g: inout SplitMix64) -> [UInt8] {
        let text = Array(valid.serialized().utf8)
        switch Int.random(in: 0..<6, using: &g) {
        case 0: return Array(text.prefix(Int.random(in: 0..<text.count, using: &g)))
        case 1: return Mutator.bytes(&g, count: Int.random(in: 0...200, using: &g))
        case 2: return Mutator.mutate(text, &g, rounds: 4)
        case 3: return text
        default:
            var v = valid
            for _ in 0..<Int.random(in: 1...2, using: &g) {
                guard let leaf = JSONLeaves.paths(v).randomElement(using: &g) else { break }
                v = JSONLeaves.replacing(v, at: leaf[...], with: hostile.randomElement(using: &g)!)
            }
            return Array(v.serialized().utf8)
        }
    }

    /// Start-up with corrupted files, then hostile offers and chunk responses: each case ends
    /// with the service stopped, and a FAILED outcome on disk says why in words.
    @Test func corruptedFilesAndHostileChunks() throws {
        let offline = try TemporaryDirectory("fw-fuzz-link")
        let uplink = try OfflineUplinkLink(directory: offline.path)
        var settings = FirmwareService.Settings()
        settings.chunkSize = 16
        settings.maxSize = 4096
        let offer = FirmwareOffer(title: "fieldgate", version: "9.0.0", size: 40, checksum: Self.sum)
        FuzzRun("firmware service", defaultSeconds: 3).run { caseSeed, g in
            guard let dir = try? TemporaryDirectory("fw-fuzz") else { return }
            let slots = FirmwareSlots(stateDirectory: dir.path)
            slots.makeDirectory()
            let files: [(String, JSONValue)] = [
                (slots.slotInfo, offer.json), (slots.downloadOffer, offer.json), (slots.trial, ["boots": 1, "version": "9.0.0"]),
                (slots.status, ["state": "FAILED", "version": "9.0.0", "error": "x", "ts": 1]),
            ]
            for (path, valid) in files where Bool.random(using: &g) {
                try? Data(Self.corrupted(valid, &g)).write(to: URL(fileURLWithPath: path))
            }
            if Bool.random(using: &g) {
                try? Data(Mutator.bytes(&g, count: Int.random(in: 0...100, using: &g))).write(to: URL(fileURLWithPath: slots.download))
            }
            let environment = Bool.random(using: &g) ? [FirmwareSlots.slotEnvironment: "b"] : [:]
            // The outcome file as the case left it: only one the service wrote is judged below.
            let statusBefore = try? Data(contentsOf: URL(fileURLWithPath: slots.status))
            let service = FirmwareService(stateDirectory: dir.path, settings: settings, environment: environment, blockers: { [] }, restart: {})
            let tag = "FUZZ_CASE=0x\(String(caseSeed, radix: 16))"
            #expect(!service.currentVersion.isEmpty && !service.currentTitle.isEmpty, "\(tag)")
            guard (try? service.start()) != nil else { return }
            service.connected(link: uplink.link)
            for _ in 0..<Int.random(in: 1...10, using: &g) {
                let message: MQTTMessage
                if Int.random(in: 0..<4, using: &g) == 0 {
                    message = MQTTMessage(topic: "v1/devices/me/attributes", payload: Array(Self.hostileAttributes(&g).serialized().utf8))
                } else {
                    let id = [1, 2, 0, -1, Int.random(in: 0...5, using: &g)].randomElement(using: &g)!
                    let index = [0, 1, 2, -1, 99_999_999_999, Int.random(in: 0...3, using: &g)].randomElement(using: &g)!
                    let size = [0, 16, 8, 15, 17, 100_000, Int.random(in: 0...40, using: &g)].randomElement(using: &g)!
                    message = MQTTMessage(topic: "v2/fw/response/\(id)/chunk/\(index)", payload: Mutator.bytes(&g, count: size))
                }
                _ = service.received(message, link: uplink.link)
            }
            service.tick { [] }
            service.stop()
            let size = (try? FileManager.default.attributesOfItem(atPath: slots.download)[.size] as? Int) ?? 0
            #expect(size <= settings.maxSize, "\(tag): a download of \(size) bytes")
            let statusAfter = try? Data(contentsOf: URL(fileURLWithPath: slots.status))
            if statusAfter != statusBefore, let outcome = slots.lastOutcome, outcome["state"] == "FAILED" {
                let error = outcome["error"]?.stringValue ?? ""
                #expect(!error.isEmpty, "\(tag): \(outcome.serialized())")
            }
        }
    }

    /// The launcher (the first thing `fieldgate run` does) with its files torn or garbled and no
    /// image in slot B: it returns to run the packaged binary, and leaves no active slot behind.
    @Test func theLauncherWithCorruptedFiles() {
        let offer = FirmwareOffer(title: "fieldgate", version: "9.0.0", size: 40, checksum: Self.sum)
        FuzzRun("firmware launcher", defaultSeconds: 1).run { caseSeed, g in
            guard let dir = try? TemporaryDirectory("fw-fuzz-boot") else { return }
            let slots = FirmwareSlots(stateDirectory: dir.path)
            slots.makeDirectory()
            let files: [(String, JSONValue)] = [(slots.slotInfo, offer.json), (slots.trial, ["boots": 1, "version": "9.0.0"]),
                                                (slots.status, ["state": "UPDATED", "version": "9.0.0", "ts": 1])]
            for (path, valid) in files where Bool.random(using: &g) {
                try? Data(Self.corrupted(valid, &g)).write(to: URL(fileURLWithPath: path))
            }
            try? Data(Self.corrupted("b\n", &g)).write(to: URL(fileURLWithPath: slots.active))
            FirmwareBoot.launch(stateDirectory: dir.path, arguments: ["fieldgate", "run"], environment: [:])
            #expect(!FileManager.default.fileExists(atPath: slots.active), "FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
            _ = slots.installed
            _ = slots.trialBoots
        }
    }

    /// A chunk of the wrong size for the chunk asked for: FAILED, saying which and how big.
    @Test func aChunkOfTheWrongSizeFailsTheUpdate() throws {
        let dir = try TemporaryDirectory("fw-fuzz-chunk")
        let offline = try TemporaryDirectory("fw-fuzz-link")
        let uplink = try OfflineUplinkLink(directory: offline.path)
        let slots = FirmwareSlots(stateDirectory: dir.path)
        var settings = FirmwareService.Settings()
        settings.chunkSize = 16
        let service = FirmwareService(stateDirectory: dir.path, settings: settings, environment: [:], blockers: { [] }, restart: {})
        try service.start()
        service.connected(link: uplink.link)
        _ = service.received(MQTTMessage(topic: "v1/devices/me/attributes", payload: Array(JSONValue.object(Self.valid).serialized().utf8)), link: uplink.link)
        // Another request id, another chunk, then an empty one: ignored or refused, never stored.
        _ = service.received(MQTTMessage(topic: "v2/fw/response/7/chunk/0", payload: [UInt8](repeating: 1, count: 16)), link: uplink.link)
        _ = service.received(MQTTMessage(topic: "v2/fw/response/1/chunk/5", payload: [UInt8](repeating: 1, count: 16)), link: uplink.link)
        _ = service.received(MQTTMessage(topic: "v2/fw/response/1/chunk/0", payload: [UInt8](repeating: 1, count: 17)), link: uplink.link)
        _ = Waiting.until(timeout: .seconds(5)) { slots.lastOutcome }
        service.stop()
        #expect(slots.lastOutcome?["state"] == "FAILED")
        #expect(slots.lastOutcome?["error"]?.stringValue == "chunk 0 has 17 bytes, expected 16", "\(String(describing: slots.lastOutcome))")
        #expect(!FileManager.default.fileExists(atPath: slots.download))
    }

    /// A kept download for more than the service accepts (a corrupted or hand-edited
    /// `download.json`) is not resumed: FAILED, the files gone.
    @Test func aKeptDownloadPastTheLimitIsNotResumed() throws {
        let dir = try TemporaryDirectory("fw-fuzz-limit")
        let offline = try TemporaryDirectory("fw-fuzz-link")
        let uplink = try OfflineUplinkLink(directory: offline.path)
        let slots = FirmwareSlots(stateDirectory: dir.path)
        slots.makeDirectory()
        try slots.writeJSON(slots.downloadOffer, FirmwareOffer(title: "fieldgate", version: "9.0.0", size: 4_000_000_000, checksum: Self.sum).json)
        var settings = FirmwareService.Settings()
        settings.maxSize = 4096
        let service = FirmwareService(stateDirectory: dir.path, settings: settings, environment: [:], blockers: { [] }, restart: {})
        try service.start()
        service.connected(link: uplink.link)
        service.stop()
        #expect(slots.lastOutcome?["state"] == "FAILED")
        #expect(slots.lastOutcome?["error"]?.stringValue?.contains("4096") == true, "\(String(describing: slots.lastOutcome))")
        #expect(!FileManager.default.fileExists(atPath: slots.downloadOffer))
    }
}
