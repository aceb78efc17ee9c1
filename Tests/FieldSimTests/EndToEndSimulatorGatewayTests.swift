import FieldCore
import Foundation
import Testing

@testable import FieldSim

/// The built `fieldsim` and `fieldgate` (with a real mosquitto for its uplink) side by side on the
/// demo site: the gateway reads what the simulator holds, and a device that falls silent goes
/// offline with its comm-lost alarm — published too — while its bus-mates keep being polled, then
/// comes back.
@Suite("fieldsim + fieldgate on the demo site")
struct EndToEndSimulatorGatewayTests {
    @Test("values match; a silent device goes offline alone and comes back", .timeLimit(.minutes(3)))
    func demoSite() throws {
        let dir = try ScratchDirectory("fieldsim-e2e")
        let port = try SimTest.freePort()
        let sitePath = try SimTest.demoSite(in: dir.path, port: port)
        let simDir = dir.path + "/sim", gatewayDir = dir.path + "/gw"
        let simulator = try ChildProcess(executable: try SimTest.executable("fieldsim"),
                                         arguments: ["run", "--site", sitePath, "--state-dir", simDir],
                                         environment: SimTest.environment, logPath: dir.path + "/fieldsim.log")
        defer { simulator.terminate() }
        try #require(Waiting.forFile(simDir + "/endpoints.json", timeout: .seconds(20)), "fieldsim did not start:\n\(simulator.logTail())")
        try FileManager.default.createDirectory(atPath: dir.path + "/mqtt", withIntermediateDirectories: true)
        let broker = try MQTTBroker(directory: dir.path + "/mqtt")
        defer { broker.stop() }
        let gateway = try ChildProcess(executable: try SimTest.executable("fieldgate"),
                                       arguments: ["run", "--site", sitePath, "--state-dir", gatewayDir, "--mqtt", broker.url],
                                       environment: SimTest.environment.merging(["FIELDSIM_DIR": simDir]) { _, b in b },
                                       logPath: dir.path + "/fieldgate.log")
        defer { gateway.terminate() }

        let api = try #require(Waiting.until(timeout: .seconds(30), interval: .milliseconds(200)) { () -> GatewayClient? in
            guard let c = try? GatewayClient(stateDirectory: gatewayDir), let devices = try? c.call(["op": "devices"]).arrayValue else { return nil }
            let polled = devices.filter { $0["online"] != nil }
            return polled.count == 10 && polled.allSatisfy({ $0["online"] == .bool(true) }) ? c : nil
        }, "the gateway did not get every Modbus device online:\n\(gateway.logTail())")
        let control = try ControlClient(path: simDir + "/control.sock")

        // Forced values and physics alike reach the gateway's point table.
        _ = try control.call(.set(target: "main-pt.pressure", value: 0.345))
        _ = try control.call(.set(target: "tank-1.level", value: 2.5))
        let forced = Waiting.until(timeout: .seconds(10), interval: .milliseconds(200)) { () -> Bool? in
            guard let p = try? api.points() else { return nil }
            let pressure = p["main-pt.pressure"]?.value.numberValue, level = p["tank-1.level"]?.value.numberValue
            return pressure.map { abs($0 - 0.345) < 1e-4 } == true && level.map { abs($0 - 2.5) < 1e-3 } == true ? true : nil
        }
        #expect(forced == true, "forced values did not reach the gateway")
        let points = try api.points()
        let ai = try control.call(.show(target: "ai-1"))["values"]
        let ch1 = try #require(ai?["ch1"]?["value"]?.numberValue)
        #expect(abs((points["ai-1.ch1"]?.value.numberValue ?? -1) - ch1) < 0.01, "AI channel 1 in MPa, as the loop carries it")
        #expect(points["ai-1.ch1"]?.quality == "good")
        let lamp = try control.call(.show(target: "lamp-1"))["values"]
        #expect(abs((points["lamp-1.voltage"]?.value.numberValue ?? 0) - (lamp?["voltage"]?.numberValue ?? 1)) < 3)
        #expect(points["lamp-1.default-dim"]?.value == .number(100))
        #expect(points["lift-1.floor"]?.value == .number(1) && points["lift-1.door-zone"]?.value == .bool(true))
        #expect(points["pump-room.valve-open"]?.value == .bool(true))

        // The board's status LEDs (issue 15), as the simulator's GPIO chip sees them: RUN blinks
        // while the gateway runs, ALARM is dark with no major alarm active.
        func led(_ name: String) -> Bool? { (try? control.call(.status))?["gpio"]?[name]?.boolValue }
        var runLevels: Set<Bool> = []
        _ = Waiting.until(timeout: .seconds(4), interval: .milliseconds(50)) { () -> Bool? in
            if let level = led("LED-RUN") { runLevels.insert(level) }
            return runLevels.count == 2 ? true : nil
        }
        #expect(runLevels == [true, false], "LED-RUN levels seen while running: \(runLevels)")
        #expect(try api.alarms().filter(\.active).isEmpty && led("LED-ALARM") == false)

        // lamp-2 falls silent: offline with comm-lost, while lamp-1 and env-1 keep their poll rate.
        _ = try control.call(.fault(target: "lamp-2", .wire(.noResponse)))
        let lost = Waiting.until(timeout: .seconds(20), interval: .milliseconds(200)) {
            (try? api.alarms())?.first { $0.id == "lamp-2/comm-lost" && $0.active }
        }
        #expect(lost != nil, "no comm-lost for lamp-2:\n\(gateway.logTail())")
        // A major alarm is active: the ALARM LED lights.
        #expect(Waiting.until(timeout: .seconds(3), interval: .milliseconds(50)) { led("LED-ALARM") == true ? true : nil } == true)
        var published: [MQTTBroker.Message] = []
        let raisedOverMQTT = Waiting.until(timeout: .seconds(10), interval: .milliseconds(200)) { () -> Bool? in
            published += broker.newMessages()
            return published.contains {
                $0.topic == "fieldgate/demo/alarms" && jsonContains($0.payload, ["alarm": "lamp-2/comm-lost", "event": "raise", "device": "demo.lamp-2"])
            } ? true : nil
        }
        #expect(raisedOverMQTT == true, "the comm-lost raise did not reach the broker; topics: \(Set(published.map(\.topic)).sorted())")
        let devices = try api.call(["op": "devices"]).arrayValue ?? []
        #expect(devices.first { $0["id"] == "lamp-2" }?["online"] == .bool(false))
        var seen: [String: Set<Timestamp>] = [:]
        let watchUntil = monotonicMilliseconds() + 5000
        while monotonicMilliseconds() < watchUntil {
            let p = try api.points()
            for name in ["lamp-1.voltage", "env-1.temperature", "lamp-2.voltage"] {
                if let t = p[name]?.time { seen[name, default: []].insert(t) }
            }
            usleep(200_000)
        }
        #expect((seen["lamp-1.voltage"]?.count ?? 0) >= 4, "lamp-1 polled about once a second: \(seen["lamp-1.voltage"]?.count ?? 0) in 5 s")
        #expect((seen["env-1.temperature"]?.count ?? 0) >= 4, "env-1 polled about once a second")
        #expect((seen["lamp-2.voltage"]?.count ?? 0) <= 2, "lamp-2 gives nothing new")
        let buses = try api.call(["op": "buses"]).arrayValue ?? []
        let pole = buses.first { $0["name"] == "pole-bus" }
        #expect((pole?["transactionsPerSecond"]?.numberValue ?? 0) > 2, "the pole bus keeps working: \(String(describing: pole))")

        // Healed, it answers again and the alarm clears.
        _ = try control.call(.clear(target: "lamp-2"))
        let back = Waiting.until(timeout: .seconds(40), interval: .milliseconds(250)) { () -> Bool? in
            guard let alarms = try? api.alarms() else { return nil }
            return alarms.contains { $0.id == "lamp-2/comm-lost" && !$0.active } ? true : nil
        }
        #expect(back == true, "lamp-2 did not come back:\n\(gateway.logTail())")
        #expect((try api.call(["op": "devices"]).arrayValue ?? []).first { $0["id"] == "lamp-2" }?["online"] == .bool(true))
        #expect(try api.points()["lamp-2.voltage"]?.quality == "good")
        // No major alarm left: the ALARM LED goes out.
        #expect(Waiting.until(timeout: .seconds(3), interval: .milliseconds(50)) { led("LED-ALARM") == false ? true : nil } == true)
    }
}
