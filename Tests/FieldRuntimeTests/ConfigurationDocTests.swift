import FieldApps
import FieldCore
import FieldDevices
import FoundationEssentials
import Testing
@testable import FieldRuntime

/// The JSON blocks of a Markdown file, in order.
func jsonBlocks(inDocument path: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var blocks: [String] = []
    var current: [Substring]?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if current == nil, line.hasPrefix("```json") {
            current = []
        } else if current != nil, line.hasPrefix("```") {
            blocks.append(current!.joined(separator: "\n"))
            current = nil
        } else {
            current?.append(line)
        }
    }
    return blocks
}

let builtinProfiles = BuiltinProfiles.byID

@Suite struct ConfigurationDocTests {
    @Test func theFullExampleInTheConfigurationGuideIsValid() throws {
        let blocks = try jsonBlocks(inDocument: repositoryRoot + "/docs/configuration.md")
        let example = try #require(blocks.last)
        let dir = FileManager.default.temporaryDirectory.path + "/fg-doc-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The example's CA certificate is on the board; here a file of the test's stands in.
        #expect(example.contains("\"/etc/fieldgate/ca.pem\""))
        try "test CA".write(toFile: dir + "/ca.pem", atomically: true, encoding: .utf8)
        try example.replacing("/etc/fieldgate/ca.pem", with: dir + "/ca.pem")
            .write(toFile: dir + "/site.json", atomically: true, encoding: .utf8)
        let c = try GatewayConfiguration.load(sitePath: dir + "/site.json", boardDirectories: [repositoryRoot + "/boards"],
                                              environment: [:], builtins: builtinProfiles, factories: BuiltinApps.factories)
        #expect(c.board.id == "rpi4-2ch-rs485")
        #expect(c.site.devices.count == 7)
        #expect(c.site.device("sprinkler-ai")?.profile.point("ch1")?.engineeringUnit == "MPa")
    }

    @Test func boardErrorsAndAppSettingsErrorsAreReportedTogether() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/fg-doc-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        {"site": {"id": "x"}, "board": "rpi4-2ch-rs485",
         "buses": [{"name": "b", "type": "rtu", "port": "rs485-3"}],
         "devices": [{"id": "pr", "profile": "fg-pump-room", "signals": {"valve-open": "DO1"}},
                     {"id": "pt", "profile": "fg-pressure-tx", "bus": "b", "address": 2, "settings": {"category": "volcano"}}]}
        """.write(toFile: dir + "/site.json", atomically: true, encoding: .utf8)
        do {
            _ = try GatewayConfiguration.load(sitePath: dir + "/site.json", boardDirectories: [repositoryRoot + "/boards"],
                                              environment: [:], builtins: builtinProfiles, factories: BuiltinApps.factories)
            Issue.record("expected errors")
        } catch {
            let found = error.issues.map(\.description)
            #expect(found.contains { $0.hasPrefix("buses[0].port: board rpi4-2ch-rs485 has no serial port \"rs485-3\"") })
            #expect(found.contains("devices[0].signals.valve-open: DO1 is an output on board rpi4-2ch-rs485, but valve-open is an input"))
            #expect(found.contains { $0.hasPrefix("devices[1].settings.category:") }, "\(found)")
        }
    }

    @Test func anUnreadableTLSFileIsAConfigErrorNotAnUplinkThatNeverStarts() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/fg-doc-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "test CA".write(toFile: dir + "/ca.pem", atomically: true, encoding: .utf8)
        try """
        {"site": {"id": "x"}, "board": "rpi4-2ch-rs485",
         "uplink": {"url": "mqtts://iot.example.cn:8883", "tls": {"ca": "\(dir)/ca.pem", "cert": "\(dir)/gw.crt", "key": "\(dir)/gw.key"}}}
        """.write(toFile: dir + "/site.json", atomically: true, encoding: .utf8)
        do {
            _ = try GatewayConfiguration.load(sitePath: dir + "/site.json", boardDirectories: [repositoryRoot + "/boards"],
                                              environment: [:], builtins: builtinProfiles, factories: BuiltinApps.factories)
            Issue.record("expected errors")
        } catch {
            #expect(error.issues.map(\.description) == [
                "uplink.tls.cert: cannot read \(dir)/gw.crt: No such file or directory",
                "uplink.tls.key: cannot read \(dir)/gw.key: No such file or directory",
            ])
        }
    }

    @Test func aMissingBoardIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/fg-doc-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"site": {"id": "x"}, "board": "beaglebone"}"#.write(toFile: dir + "/site.json", atomically: true, encoding: .utf8)
        do {
            _ = try GatewayConfiguration.load(sitePath: dir + "/site.json", boardDirectories: [repositoryRoot + "/boards"],
                                              environment: [:], builtins: builtinProfiles, factories: BuiltinApps.factories)
            Issue.record("expected errors")
        } catch {
            // Every place looked in is named, so a wrong FIELDGATE_BOARDS or a missing package shows.
            #expect(error.issues.map(\.description) == [
                "board: no board file for \"beaglebone\" (looked for \(repositoryRoot)/boards/beaglebone.json; FIELDGATE_BOARDS adds directories)",
            ], "\(error)")
        }
    }
}
