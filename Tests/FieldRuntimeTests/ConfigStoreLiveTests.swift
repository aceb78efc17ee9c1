import FieldApps
import FieldCore
import FieldDevices
@testable import FieldEngine
import Synchronization
import Testing
@testable import FieldRuntime

/// A settings change from the console rebuilds the device's app in the running engine: what the
/// old app raised is cleared and judged again under the new settings.
@Suite struct ConfigStoreLiveTests {
    let clock = ManualClock()
    let sink = RecordingSink()
    let builtins = Dictionary(BuiltinProfiles.all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

    private func site(low: Double) throws -> Site {
        try Site.parse(JSONValue.parse("""
        {"site": {"id": "pr7"}, "board": "sim", "buses": [{"name": "pumps", "type": "tcp", "host": "127.0.0.1"}],
         "devices": [{"id": "hydrant-main", "profile": "fg-pressure-tx", "bus": "pumps", "address": 3,
                      "settings": {"low": \(low), "rapid-drop": 0},
                      "alarms": [{"point": "pressure", "when": "above", "limit": 2.0, "severity": "warning"}]}]}
        """), source: "test", builtins: builtins)
    }

    private func engine(_ site: Site) -> Engine {
        let routes = EngineRoutes(writeModbus: { _, _, _, reply in reply(.success(.null)) }, writeSignal: { _, _, _ in .success(()) },
                                  bus: { _, reply in reply(.failure(CommandError(.unavailable, "no bus"))) },
                                  setOutput: { _, _, _ in .success(()) }, restart: {})
        let issues = JSONReader()
        let e = Engine(site: site, factories: BuiltinApps.factories, routes: routes, sink: sink, clock: clock, issues: issues)
        #expect(issues.issues.isEmpty)
        return e
    }

    /// Feeds `pressure` every second for `seconds`, ticking the engine.
    private func feed(_ e: Engine, pressure: Double, seconds: Int) {
        for _ in 0..<seconds {
            e.post(.readings(device: "hydrant-main", [("pressure", .number(pressure, at: clock.now()))]))
            e.post(.tick)
            e.processPending()
            clock.advance(by: .seconds(1))
        }
    }

    private var lowPressure: AlarmID { AlarmID(rawValue: "hydrant-main.pressure/low-pressure") }

    @Test func aNewLowLimitClearsTheAlarmTheOldOneRaised() throws {
        let e = engine(try site(low: 0.3))
        feed(e, pressure: 0.2, seconds: 15)
        #expect(e.alarms.contains { $0.id == lowPressure && $0.active })

        let relaxed = try site(low: 0.1)
        e.post(.reconfigure(relaxed.devices[0], index: 0, site: relaxed.info))
        e.processPending()
        #expect(!e.alarms.contains { $0.id == lowPressure && $0.active })
        #expect(sink.alarms.withLock { $0.map { "\($0.kind) \($0.id)" } }.suffix(1) == ["clear \(lowPressure)"])

        feed(e, pressure: 0.2, seconds: 15)
        #expect(!e.alarms.contains { $0.id == lowPressure && $0.active }, "0.2 MPa is above the new low limit")
    }

    @Test func aStillTrueConditionIsRaisedAgainByTheRebuiltApp() throws {
        let e = engine(try site(low: 0.3))
        feed(e, pressure: 0.2, seconds: 15)
        let stricter = try site(low: 0.35)
        e.post(.reconfigure(stricter.devices[0], index: 0, site: stricter.info))
        e.processPending()
        feed(e, pressure: 0.2, seconds: 15)
        #expect(e.alarms.contains { $0.id == lowPressure && $0.active })
        #expect(sink.alarms.withLock { $0.filter { $0.id == lowPressure }.map(\.kind) } == [.raise, .clear, .raise])
    }

    @Test func commLostStaysWithTheRuntime() throws {
        let e = engine(try site(low: 0.3))
        e.post(.online(device: "hydrant-main", false, reason: "timeout"))
        e.processPending()
        let same = try site(low: 0.3)
        e.post(.reconfigure(same.devices[0], index: 0, site: same.info))
        e.processPending()
        #expect(e.alarms.contains { $0.id.rawValue == "hydrant-main/comm-lost" && $0.active })
    }
}
