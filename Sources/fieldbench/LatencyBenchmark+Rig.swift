#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSim
import Foundation

extension LatencyBenchmark {
    /// The real processes the benchmark measures: `fieldsim run` with the demo site, `fieldgate
    /// run --mqtt` (both the release binaries next to this one) and a local `mosquitto` with
    /// `set_tcp_nodelay` and persistence, each in a temporary directory removed at the end.
    ///
    /// The demo site gets a free TCP port, telemetry every second, room for a large backlog
    /// (`storage.maxSize` 256 MB), `alarm-button-clear: 0s` on lift-1 (so a release clears at
    /// once and the next press raises again), and one device of its own: `button-1`, a lift
    /// car's alarm button alone on DI18 with no debounce at all (profile `bench-alarm-button`:
    /// signal debounce 0 ms; lift app `debounce.alarm-button` 0 ms).
    final class Rig {
        static var buttonProfile: [String: Any] {
            [
                "id": "bench-alarm-button", "family": "elevator", "app": "lift", "vendor": "fieldbench", "model": "alarm button",
                "description": "A lift car's alarm button on its own, with no debounce: the GPIO edge to broker latency benchmark.",
                "signals": [["name": "alarm-button", "direction": "in", "debounce": "0ms", "trueMeans": "pressed", "falseMeans": "released",
                             "priority": "critical", "description": "car alarm button"]],
            ]
        }

        static var button: [String: Any] {
            [
                "id": "button-1", "name": "alarm button without debounce", "profile": "bench-alarm-button", "signals": ["alarm-button": "DI18"],
                "settings": ["debounce": ["alarm-button": "0ms"], "alarm-button-clear": "0s"],
            ]
        }

        let directory: String
        let sitePath: String
        let port: Int
        let observer: Observer
        private(set) var broker: UplinkBenchmark.Broker?
        private var simulator: ChildProcess?
        private var gateway: ChildProcess?
        private(set) var control: ControlClient?
        private(set) var api: GatewayClient?

        var gatewayDirectory: String { directory + "/gw" }
        var simulatorDirectory: String { directory + "/sim" }

        init() throws {
            directory = try Waiting.temporaryDirectory(prefix: "fieldbench-gateway")
            sitePath = directory + "/site.json"
            port = try Waiting.freePort()
            try Rig.writeSite(to: sitePath)
            observer = try Observer(port: port)
        }

        deinit {
            gateway?.terminate(grace: .seconds(5))
            simulator?.terminate(grace: .seconds(5))
            observer.stop()
            broker?.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// The demo site as the benchmark runs it (see the type's comment).
        static func writeSite(to path: String) throws {
            let demo = try repository() + "/simulator/sites/demo.json"
            guard var site = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: demo))) as? [String: Any],
                  var buses = site["buses"] as? [[String: Any]], var devices = site["devices"] as? [[String: Any]] else {
                throw UplinkBenchmark.Failure(description: "\(demo) is not the demo site")
            }
            for i in buses.indices where buses[i]["type"] as? String == "tcp" { buses[i]["port"] = try Waiting.freePort() }
            for i in devices.indices where devices[i]["id"] as? String == "lift-1" {
                var settings = devices[i]["settings"] as? [String: Any] ?? [:]
                settings["alarm-button-clear"] = "0s"
                devices[i]["settings"] = settings
            }
            site["buses"] = buses
            site["devices"] = devices + [button]
            site["profiles"] = [buttonProfile]
            site["storage"] = ["telemetryInterval": "1s", "maxSize": "256MB"]
            try JSONSerialization.data(withJSONObject: site, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        }

        /// The source checkout this binary was built in (its boards and demo site), or the
        /// working directory's.
        static func repository() throws -> String {
            var url = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            while url.path != "/" {
                url.deleteLastPathComponent()
                if FileManager.default.fileExists(atPath: url.path + "/boards/sim.json") { return url.path }
            }
            let here = FileManager.default.currentDirectoryPath
            guard FileManager.default.fileExists(atPath: here + "/boards/sim.json") else {
                throw UplinkBenchmark.Failure(description: "run fieldbench from the source checkout (boards/ and simulator/sites/ are needed)")
            }
            return here
        }

        /// A sibling executable of this one (`fieldgate`, `fieldsim`).
        static func executable(_ name: String) throws -> String {
            let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path + "/" + name
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw UplinkBenchmark.Failure(description: "\(path) is not built (swift build -c release)")
            }
            return path
        }

        // MARK: Processes

        func startBroker() throws {
            broker = try UplinkBenchmark.Broker(directory: directory, port: port, persistent: true)
        }

        func stopBroker() {
            broker?.stop()
            broker = nil
        }

        func startSimulator() throws {
            let boards = try Rig.repository() + "/boards"
            let sim = try ChildProcess(executable: try Rig.executable("fieldsim"), arguments: ["run", "--site", sitePath, "--state-dir", simulatorDirectory],
                                       environment: ["FIELDGATE_BOARDS": boards, "FIELDSIM_DIR": simulatorDirectory],
                                       logPath: directory + "/fieldsim.log")
            simulator = sim
            guard Waiting.forFile(simulatorDirectory + "/endpoints.json", timeout: .seconds(30)) else {
                throw UplinkBenchmark.Failure(description: "fieldsim run did not come up:\n\(sim.logTail())")
            }
            control = try ControlClient(path: simulatorDirectory + "/control.sock")
        }

        /// Starts `fieldgate run --mqtt` and waits until its local API answers and every Modbus
        /// device is online (the uplink may be down: an outage).
        func startGateway() throws {
            let boards = try Rig.repository() + "/boards"
            let g = try ChildProcess(executable: try Rig.executable("fieldgate"),
                                     arguments: ["run", "--site", sitePath, "--state-dir", gatewayDirectory, "--mqtt", "mqtt://127.0.0.1:\(port)"],
                                     environment: ["FIELDGATE_BOARDS": boards, "FIELDSIM_DIR": simulatorDirectory],
                                     logPath: directory + "/gateway.log")
            gateway = g
            let online = Waiting.until(timeout: .seconds(60), interval: .milliseconds(100)) { () -> Bool? in
                guard g.isRunning else { return false }
                if api == nil { api = try? GatewayClient(stateDirectory: gatewayDirectory) }
                guard let devices = try? api?.call(["op": "devices"]).arrayValue else { return nil }
                return devices.allSatisfy { $0["online"] != .bool(false) } ? true : nil
            }
            guard online == true else { throw UplinkBenchmark.Failure(description: "the gateway did not come up:\n\(g.logTail())") }
        }

        /// The running gateway's process id (the soak benchmark reads its /proc).
        var gatewayPID: Int32? { gateway?.pid }

        var gatewayLog: String { (try? String(contentsOfFile: directory + "/gateway.log", encoding: .utf8)) ?? "" }

        // MARK: Steering

        @discardableResult
        func ctl(_ words: String...) throws -> JSONValue {
            guard let control else { throw UplinkBenchmark.Failure(description: "the simulator is not running") }
            return try control.call(ControlCommandLine.parse(words))
        }

        func status() throws -> JSONValue {
            guard let api else { throw UplinkBenchmark.Failure(description: "the gateway is not running") }
            return try api.call(["op": "status"])
        }

        /// A point's reading in the gateway: its value and time (ms since the epoch).
        func point(_ name: String) throws -> (value: JSONValue, time: Int64?) {
            guard let api else { throw UplinkBenchmark.Failure(description: "the gateway is not running") }
            let p = try api.points()[name]
            return (p?.value ?? .null, p?.time?.milliseconds)
        }
    }
}
