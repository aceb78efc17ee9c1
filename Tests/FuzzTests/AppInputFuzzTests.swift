import FieldApps
import FieldCore
import FieldDevices
import FieldTestSupport
import Foundation
import Testing
@testable import FieldRuntime

/// Every app of the example sites gets commands with hostile arguments (what the local API's
/// `command` op and the platform pass through) and readings with hostile values (what a device
/// may send): each command is answered or refused, nothing traps (issue 17).
@Suite struct AppInputFuzzTests {
    static let names = ["lamp", "maintenance", "set-threshold", "silence", "fan", "set-floor", "stats", "restore-stats", "status", "ack", "x"]
    static let keys = ["action", "for", "level", "alarm", "value", "low", "high", "rapid-drop", "point", "floor", "until", "persistent",
                       "trips", "running-hours", "door-cycles", "minutes", "duration", "speed", "mode"]
    static let values: [JSONValue] = [1e20, -1e20, 9.5e15, 1e300, 1e308, -1e308, 0, -1, 0.5, 65536, 4_294_967_296, "1e20h", "1e20s", "-1e20h",
                                      "9.5e15", "2h", "start", "end", "on", "off", "dim", "auto", "", nil, true, [], [:], ["1e20h"]]
    static let readings: [Double] = [1e20, -1e20, 3.4e38, -3.4e38, 1e308, .greatestFiniteMagnitude, 9.5e15, -1, 0, 1, 0.5, 65535]

    @Test func hostileCommandsAndReadings() throws {
        var apps: [(any DeviceApp, [PointRef])] = []
        for path in SiteFileFuzzTests.sites {
            let bytes = Array(try String(contentsOfFile: path, encoding: .utf8).utf8)
            let document = try JSONValue.parse(Data(bytes))
            let configuration = try GatewayConfiguration.validate(
                document: document, sitePath: path, boardDirectories: [TestSupport.boards],
                environment: ["FIELDSIM_DIR": "/tmp/fieldgate-fuzz", "STATE_DIR": "/tmp/fieldgate-fuzz"],
                builtins: BuiltinProfiles.byID, factories: BuiltinApps.factories)
            for (i, d) in configuration.site.devices.enumerated() {
                let issues = JSONReader()
                if let app = d.makeApp(factories: BuiltinApps.factories, site: configuration.site.info, index: i, issues: issues) {
                    apps.append((app, Array(app.subscriptions).sorted()))
                }
            }
        }
        #expect(apps.count >= 10)
        var now = Timestamp(milliseconds: 1_767_225_600_000)
        FuzzRun("app commands and readings").run { _, g in
            var (app, points) = apps.randomElement(using: &g)!
            for _ in 0..<8 {
                now += .milliseconds(Int64.random(in: 0...5000, using: &g))
                if Bool.random(using: &g), let p = points.randomElement(using: &g) {
                    _ = app.handle(.reading(p, .number(Self.readings.randomElement(using: &g)!, at: now)), now: now)
                } else {
                    var args: [String: JSONValue] = [:]
                    for _ in 0..<Int.random(in: 0...3, using: &g) { args[Self.keys.randomElement(using: &g)!] = Self.values.randomElement(using: &g)! }
                    let command = AppCommand(name: Self.names.randomElement(using: &g)!, arguments: .object(args), by: "fuzz")
                    _ = app.handle(.command(command), now: now)
                }
                _ = app.handle(.tick, now: now)
            }
        }
    }
}
