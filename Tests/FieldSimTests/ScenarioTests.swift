import FieldCore
import Foundation
import Testing

@testable import FieldSim

/// The scenario format, every scenario file of the repository, and the runner against a real
/// gateway.
@Suite("Scenarios")
struct ScenarioTests {
    static let directory = SimTest.repositoryRoot + "/simulator/scenarios"

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test("every scenario file reads, and its site loads as the simulator reads it")
    func everyScenarioReads() throws {
        #expect(Self.files.count >= 13)
        for file in Self.files {
            let scenario = try Scenario.load(path: Self.directory + "/" + file)
            #expect(!scenario.expectations.isEmpty)
            #expect(scenario.duration <= .seconds(90), "\(file) runs \(formatDuration(scenario.duration)): keep scenarios short")
            let (site, _) = try SiteFiles.load(sitePath: scenario.sitePath, stateDirectory: "/tmp/fieldsim-scenario-check",
                                              environment: SimTest.environment)
            for step in scenario.steps {
                guard case .control(let request) = step.action else { continue }
                let world = World(site: site, board: try SimTest.board(), gpio: nil)
                switch request {
                case .set, .ramp, .fault, .action, .clear, .release:
                    #expect(throws: Never.self, "\(file): \(step.text)") { _ = try world.execute(request, now: noonInChina) }
                default:
                    break
                }
            }
        }
    }

    @Test("every site in simulator/sites passes fieldgate check-config (app settings included)")
    func sitesPassCheckConfig() throws {
        let gateway = try SimTest.executable("fieldgate")
        let sites = try FileManager.default.contentsOfDirectory(atPath: SimTest.repositoryRoot + "/simulator/sites").filter { $0.hasSuffix(".json") }
        #expect(sites.count >= 5)
        let dir = try ScratchDirectory()
        for site in sites.sorted() {
            let check = try ChildProcess(executable: gateway, arguments: ["check-config", SimTest.repositoryRoot + "/simulator/sites/" + site],
                                         environment: SimTest.environment.merging(["FIELDSIM_DIR": dir.path]) { _, b in b },
                                         logPath: dir.path + "/\(site).log")
            #expect(check.waitForExit(timeout: .seconds(20)) == 0, "\(site):\n\(check.logTail())")
        }
    }

    @Test("a bad scenario gets every problem with its JSON path")
    func badScenario() throws {
        let doc = try JSONValue.parse("""
        {"site": "s.json", "acceleration": -1, "start": "yesterday",
         "steps": [{"at": "2s", "ctl": "set x"}, {"at": "soon", "op": "fault", "target": "a"}, {"at": "1s"}],
         "expect": [{"alarm": "a/b", "raised": true, "never": true}, {"point": "nodot", "above": 1},
                    {"point": "a.b", "at": "5s", "by": "6s", "below": 2}, {"alarm": "a/b", "raised": true, "by": "1s", "after": "2s"},
                    {"mqtt": "a/#/b"}, {"nothing": 1}],
         "duration": "3s", "extra": 1}
        """)
        do {
            _ = try Scenario.parse(doc, source: "bad.json")
            Issue.record("accepted")
        } catch {
            let found = error.issues.map(\.description)
            for expected in ["acceleration:", "start: expected a time", "steps[0].ctl: usage: set TARGET VALUE",
                             "steps[1].at:", "steps[1].fault: missing", "steps[2]: a step needs", "expect[0]: an alarm expectation takes exactly one",
                             "expect[1].point: expected DEVICE.POINT", "expect[2].at: give either", "expect[3].by: is before",
                             "expect[4].mqtt: expected a topic filter", "expect[5]: an expectation needs",
                             "duration: 3s ends before", "extra: unknown key"] {
                #expect(found.contains { $0.hasPrefix(expected) }, "missing \(expected) in:\n\(found.joined(separator: "\n"))")
            }
        }
    }

    @Test("MQTT topic filters and JSON containment")
    func mqttMatching() throws {
        #expect(topicMatches("fieldgate/+/alarms", "fieldgate/demo/alarms"))
        #expect(!topicMatches("fieldgate/+/alarms", "fieldgate/demo/status"))
        #expect(topicMatches("v1/#", "v1/gateway/telemetry"))
        #expect(!topicMatches("v1/gateway", "v1/gateway/telemetry"))
        let telemetry = try JSONValue.parse("""
        {"demo.lamp-1": [{"ts": 1, "values": {"switch": true, "dim": 50}}, {"ts": 2, "values": {"power": 75.5}}], "demo.env-1": []}
        """)
        #expect(jsonContains(telemetry, ["demo.lamp-1": [["values": ["dim": 50]]]]))
        #expect(jsonContains(telemetry, ["demo.lamp-1": [["values": ["power": 75.5]], ["values": ["switch": true]]]]))
        #expect(!jsonContains(telemetry, ["demo.lamp-1": [["values": ["dim": 60]]]]))
        #expect(!jsonContains(telemetry, ["demo.lamp-2": []]))
    }

    @Test("alarm patterns")
    func globs() {
        #expect(globMatches("lift-1/*", "lift-1/trapped-passenger"))
        #expect(globMatches("*/comm-lost", "main-pt/comm-lost"))
        #expect(globMatches("lamp-*/power-*", "lamp-2/power-low"))
        #expect(!globMatches("lamp-*/power-*", "lamp-2/lamp-failure"))
        #expect(globMatches("main-pt.pressure/low-pressure", "main-pt.pressure/low-pressure"))
        #expect(!globMatches("main-pt/low-pressure", "main-pt.pressure/low-pressure"))
    }

    @Test("the runner passes a scenario against the real gateway and fails a wrong one, with a readable report",
          .timeLimit(.minutes(2)))
    func runner() throws {
        let runner = ScenarioRunner(gatewayPath: try SimTest.executable("fieldgate"))
        let scenario = try Scenario.load(path: Self.directory + "/signal-valve.json")
        let result = runner.run(scenario)
        #expect(result.passed, "\(result.report)")
        #expect(result.report.contains("PASS  pump-room/signal-valve-closed raised"))

        var wrong = scenario
        wrong.name = "signal-valve-wrong"
        // Long enough for the valve's alarm to be raised on a loaded machine (about 3 s on a quiet
        // one, near 6 s seen under CI load): the report must name it as what was raised instead.
        wrong.duration = .seconds(13)
        wrong.expectations = [Scenario.Expectation(kind: .alarm(pattern: "pump-room/pump-fault", .raised), after: .zero, by: .seconds(12),
                                                   text: "pump-room/pump-fault raised by 12s")]
        let failed = runner.run(wrong)
        #expect(!failed.passed)
        #expect(failed.report.contains("FAIL  pump-room/pump-fault raised by 12s — not raised by 12 s (pump-room raised: pump-room/signal-valve-closed)"),
                "\(failed.report)")
        #expect(failed.report.contains("gateway log (last lines):"))
    }
}
