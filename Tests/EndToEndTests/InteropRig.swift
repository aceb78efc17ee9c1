#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldDevices
import FieldHAL
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// The real gateway polling a Modbus field we did not write: pymodbus's TCP server with its own
/// register map and encoder (`scripts/interop/pymodbus_field.py`), a real mosquitto, and a platform that
/// keeps the latest value per key, as ThingsBoard does.
///
/// pymodbus lives in the repository's `.venv` (`make venv`, run by `make test`). Outside make,
/// without it the tests skip and say why; under make (`FIELDGATE_INTEROP_REQUIRED=1`) a missing
/// venv is a failure.
final class InteropRig: @unchecked Sendable {
    let directory: TemporaryDirectory
    let sitePath: String
    let broker: MosquittoBroker
    let observer: MosquittoSubscriber
    let field: ChildProcess
    let fieldPort: Int
    private let gpio: GPIOSocketServer
    private(set) var gateway: GatewayProcess
    private var starts = 1

    static var python: String { TestSupport.repositoryRoot + "/.venv/bin/python" }

    /// Nil (with the reason printed) when pymodbus is not installed and make did not ask for it.
    static func available() -> Bool {
        let ok = FileManager.default.isExecutableFile(atPath: python)
        if !ok {
            let required = ProcessInfo.processInfo.environment["FIELDGATE_INTEROP_REQUIRED"] == "1"
            let why = "pymodbus interop tests need \(python): run `make venv` (make test does)"
            if required { Issue.record("\(why)") } else { print("SKIPPED: \(why)") }
        }
        return ok
    }

    /// The site's profile: every point of the pymodbus map, as the gateway should read it.
    static func profile() -> String {
        var points = [#"{"name": "u16", "table": "holding", "address": 0, "type": "u16"}"#,
                      #"{"name": "i16", "table": "holding", "address": 1, "type": "i16"}"#,
                      #"{"name": "volts", "table": "holding", "address": 2, "type": "u16", "scale": 0.1, "unit": "V"}"#]
        for (i, order) in ["abcd", "cdab", "badc", "dcba"].enumerated() {
            for (type, base, step) in [("u32", 10, 2), ("i32", 20, 2), ("f32", 30, 2), ("u64", 40, 4), ("i64", 60, 4), ("f64", 80, 4)] {
                points.append(#"{"name": "\#(type)-\#(order)", "table": "holding", "address": \#(base + step * i), "type": "\#(type)", "wordOrder": "\#(order.uppercased())"}"#)
            }
        }
        return #"{"id": "interop", "family": "generic", "description": "pymodbus_field.py's map", "points": [\#(points.joined(separator: ", "))]}"#
    }

    /// What each point must read: the numbers pymodbus_field.py encodes, written here again.
    static let expected: [String: Double] = {
        var e: [String: Double] = ["u16": 51234, "i16": -12345, "volts": 229.1]
        for order in ["abcd", "cdab", "badc", "dcba"] {
            e["u32-\(order)"] = 3_000_000_001
            e["i32-\(order)"] = -123_456_789
            e["f32-\(order)"] = 49.98
            e["u64-\(order)"] = 1_234_567_890_123
            e["i64-\(order)"] = -1_234_567_890_123
            e["f64-\(order)"] = 3.141592653589793
        }
        return e
    }()

    /// - Parameter alarms: generic alarm rules for device `full-1` (the kill -9 trials).
    init(alarms: String = "[]") async throws {
        directory = try TemporaryDirectory("fg-interop")
        sitePath = directory.file("site.json")
        fieldPort = try TestSupport.freeTCPPort()
        field = try ChildProcess(executable: InteropRig.python,
                                 arguments: [TestSupport.repositoryRoot + "/scripts/interop/pymodbus_field.py", String(fieldPort)],
                                 logPath: directory.file("pymodbus.log"))
        let port = fieldPort
        guard await UplinkRig.until(.seconds(20), { Waiting.accepts(port: port) }) else {
            throw ChildProcessError("pymodbus_field.py did not listen:\n\(field.logTail())")
        }
        let site = """
            {"site": {"id": "interop"}, "board": "sim",
             "profiles": [\(InteropRig.profile())],
             "buses": [{"name": "tcp", "type": "tcp", "host": "127.0.0.1", "port": \(fieldPort), "responseTimeout": "500ms", "offlineAfter": 2}],
             "devices": [
               {"id": "full-1", "profile": "interop", "bus": "tcp", "address": 1, "alarms": \(alarms)},
               {"id": "refusing-2", "profile": "interop", "bus": "tcp", "address": 2},
               {"id": "native-0", "profile": "interop", "bus": "tcp", "address": 0},
               {"id": "absent-9", "profile": "interop", "bus": "tcp", "address": 9}],
             "storage": {"telemetryInterval": "1s"},
             "uplink": {"url": "mqtt://127.0.0.1:1", "allowRegisterRPC": true}}
            """
        try site.write(toFile: sitePath, atomically: true, encoding: .utf8)
        let environment = ["FIELDGATE_BOARDS": TestSupport.boards, "FIELDSIM_DIR": directory.path, "STATE_DIR": directory.file("gw")]
        let board = try Board.load(path: TestSupport.boards + "/sim.json", environment: environment)
        guard case .simulator(let socket) = board.gpio else { throw ChildProcessError("boards/sim.json is not a simulator board") }
        var names = (0...(board.lines.map(\.offset).max() ?? 0)).map { "unused-\($0)" }
        for line in board.lines { names[line.offset] = line.name }
        gpio = try GPIOSocketServer(socketPath: socket, chip: try SimulatedGPIOChip(name: "interop", lines: names))
        broker = try MosquittoBroker(MosquittoBroker.Options(persistent: true))
        try await broker.start()
        observer = try MosquittoSubscriber(port: broker.port, filter: "#", persistent: true)
        try await observer.start()
        gateway = try await InteropRig.startGateway(sitePath: sitePath, directory: directory, start: 1, broker: broker)
    }

    deinit {
        gateway.stop(grace: .zero)
        field.terminate(grace: .seconds(2))
        observer.stop()
        broker.stop()
        gpio.stop()
    }

    private static func startGateway(sitePath: String, directory: TemporaryDirectory, start: Int, broker: MosquittoBroker) async throws -> GatewayProcess {
        let (gw, url, notify) = (directory.file("gw"), broker.url, directory.file("notify-\(start).sock"))
        let sim = directory.path
        return try await onOwnThread {
            try GatewayProcess(sitePath: sitePath, stateDirectory: gw, simulatorDirectory: sim, notifySocket: notify, arguments: ["--mqtt", url])
        }
    }

    /// SIGKILL, as a crash or a power cut (the outbox is on the same disk, so: a crash).
    func kill9() {
        kill(gateway.pid, SIGKILL)
        _ = gateway.waitForExit(timeout: .seconds(10))
    }

    func restart() async throws {
        starts += 1
        gateway = try await InteropRig.startGateway(sitePath: sitePath, directory: directory, start: starts, broker: broker)
    }

    var stateDirectory: String { directory.file("gw") }

    func api(_ request: JSONValue) throws -> JSONValue {
        try GatewayClient(stateDirectory: stateDirectory).call(request)
    }

    /// The platform's view: the latest value of every telemetry key per device, by message order.
    func platform() -> [String: [String: JSONValue]] {
        var latest: [String: [String: (ts: Double, value: JSONValue)]] = [:]
        for m in observer.messages(on: "v1/gateway/telemetry") {
            guard case .object(let devices)? = try? JSONValue.parse(m.payload) else { continue }
            for (device, samples) in devices {
                for s in samples.arrayValue ?? [] {
                    guard let ts = s["ts"]?.numberValue, let values = s["values"]?.objectValue else { continue }
                    for (k, v) in values where ts >= latest[device]?[k]?.ts ?? -1 { latest[device, default: [:]][k] = (ts, v) }
                }
            }
        }
        return latest.mapValues { $0.mapValues(\.value) }
    }

    /// Writes holding registers of a unit, as another master on the network would.
    func write(unit: UInt8, address: UInt16, _ values: [UInt16]) throws {
        let client = try ModbusClient(ModbusSettings(bus: "test", link: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: fieldPort))))
        defer { client.close() }
        try client.writeRegisters(unit: unit, address: address, values: values)
    }
}
