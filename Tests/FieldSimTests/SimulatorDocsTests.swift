import FieldCore
import Foundation
import Testing

@testable import FieldSim

/// docs/simulator.md keeps up with the code: every knob and action of every model and system,
/// every `fieldsim ctl` command and every scenario file is in it.
@Suite("docs/simulator.md")
struct SimulatorDocsTests {
    static let text = (try? String(contentsOfFile: SimTest.repositoryRoot + "/docs/simulator.md", encoding: .utf8)) ?? ""

    @Test("every knob and action is documented")
    func knobsAndActions() throws {
        var names: Set<String> = []
        // The demo has every family but electrical fire, which has a site of its own.
        for file in ["demo.json", "electrical-fire.json"] {
            let site = try String(contentsOfFile: SimTest.repositoryRoot + "/simulator/sites/" + file, encoding: .utf8)
            let world = World(site: try SimTest.site(site), board: try SimTest.board(), gpio: nil)
            for d in world.devices {
                names.formUnion(d.model.knobs.map(\.info.name))
                names.formUnion(d.model.actions.map(\.name))
            }
            for s in world.systems {
                names.formUnion(s.knobs.map(\.info.name))
                names.formUnion(s.actions.map(\.name))
            }
        }
        #expect(names.count > 80)
        for name in names.sorted() {
            #expect(Self.text.contains("`\(name)`"), "docs/simulator.md does not mention `\(name)`")
        }
    }

    @Test("every fieldsim ctl command and every scenario is documented")
    func commandsAndScenarios() throws {
        for line in ControlCommandLine.usage.split(separator: "\n") where !line.hasPrefix(" ") {
            #expect(Self.text.contains(line), "missing: \(line)")
        }
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: SimTest.repositoryRoot + "/simulator/scenarios")
        for file in scenarios where file.hasSuffix(".json") {
            #expect(Self.text.contains("`\(file)`"), "the scenario table lacks \(file)")
        }
    }
}
