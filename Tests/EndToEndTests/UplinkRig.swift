#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldDevices
import FieldSim
import FieldTestSupport
import Foundation

/// The uplink's proof rig: the real processes side by side in a temporary directory —
/// `fieldsim run` serving the demo site, `fieldgate run --mqtt` against a real `mosquitto` on an
/// ephemeral port of 127.0.0.1, and an observer (`mosquitto_sub` on `#`, QoS 1). Broker and
/// observer keep their session across a broker restart (persistence on, `-c`), so the observer
/// misses nothing published while the broker is away or it reconnects.
///
/// The demo site is taken as it is but for a free TCP port, telemetry every second and short
/// alarm delays (the gateway's delays are real seconds; a test has thirty). Everything the rig
/// started stops, and the directory goes, when the rig is released — also when a test fails.
/// Blocking steps (a gateway start or stop takes seconds) run on threads of their own while the
/// test's task waits (see HELPER-BRIEF's lesson on the cooperative pool).
final class UplinkRig: @unchecked Sendable {
    static let alarmTopic = "fieldgate/demo/alarms"
    static let telemetryTopic = "v1/gateway/telemetry"
    static let attributesTopic = "v1/gateway/attributes"
    static let rpcTopic = "v1/gateway/rpc"

    let directory: TemporaryDirectory
    let sitePath: String
    let site: Site
    let broker: MosquittoBroker
    let observer: MosquittoSubscriber
    let control: ControlClient
    private let simulator: ChildProcess
    private(set) var gateway: GatewayProcess
    private(set) var api: GatewayClient
    private var gatewayStarts = 1

    var gatewayDirectory: String { directory.path + "/gw" }

    /// Settings that make the demo site's alarms raise and clear within a second or two.
    static func shortDelays(_ site: inout [String: Any]) {
        site["storage"] = ["telemetryInterval": "1s"]
        let settings: [String: [String: Any]] = [
            "main-pt": ["delay": "1s", "clear-delay": "1s", "rapid-drop-confirm": "500ms"],
            "cabinet-1": ["door-debounce": "300ms"],
            "pump-room": ["valve-debounce": "300ms"],
            "lift-1": ["alarm-button-clear": "1s"],
        ]
        var devices = site["devices"] as? [[String: Any]] ?? []
        for i in devices.indices {
            guard let id = devices[i]["id"] as? String, let extra = settings[id] else { continue }
            var s = devices[i]["settings"] as? [String: Any] ?? [:]
            s.merge(extra) { _, new in new }
            devices[i]["settings"] = s
        }
        site["devices"] = devices
    }

    /// Starts broker, observer, simulator and gateway, and returns once the gateway has every
    /// Modbus device online and its uplink connected. `prepare` gets the gateway's state
    /// directory, made and empty, before the gateway starts (a test mounts a small partition there).
    /// `adjust` changes the site file after the rig's own changes.
    static func start(adjust: (inout [String: Any]) -> Void = { _ in }, prepare: (String) throws -> Void = { _ in }) async throws -> UplinkRig {
        let directory = try TemporaryDirectory("fg-uplink")
        let sitePath = directory.file("site.json")
        try EndToEndRig.writeDemoSite(to: sitePath) { site in
            shortDelays(&site)
            adjust(&site)
        }
        let simDir = directory.file("sim")
        let (site, _) = try SiteFiles.load(sitePath: sitePath, stateDirectory: simDir, environment: ["FIELDGATE_BOARDS": TestSupport.boards])

        let broker = try MosquittoBroker(MosquittoBroker.Options(persistent: true))
        try await broker.start()
        let observer = try MosquittoSubscriber(port: broker.port, filter: "#", persistent: true)
        try await observer.start()

        let simulator = try ChildProcess(executable: try TestSupport.executable("fieldsim"),
                                         arguments: ["run", "--site", sitePath, "--state-dir", simDir],
                                         environment: ["FIELDGATE_BOARDS": TestSupport.boards, "FIELDSIM_DIR": simDir],
                                         logPath: directory.file("fieldsim.log"))
        guard await until(.seconds(30), { FileManager.default.fileExists(atPath: simDir + "/endpoints.json") || !simulator.isRunning }),
              simulator.isRunning else {
            throw ChildProcessError("fieldsim run did not come up:\n\(simulator.logTail())")
        }
        let control = try ControlClient(path: simDir + "/control.sock")
        try FileManager.default.createDirectory(atPath: directory.file("gw"), withIntermediateDirectories: true)
        try prepare(directory.file("gw"))
        let gateway = try await startGateway(sitePath: sitePath, directory: directory, start: 1, broker: broker)
        let rig = UplinkRig(directory: directory, sitePath: sitePath, site: site, broker: broker, observer: observer,
                            control: control, simulator: simulator, gateway: gateway, api: try GatewayClient(stateDirectory: gateway.stateDirectory))
        try await rig.waitUntilReady()
        return rig
    }

    private init(directory: TemporaryDirectory, sitePath: String, site: Site, broker: MosquittoBroker, observer: MosquittoSubscriber,
                 control: ControlClient, simulator: ChildProcess, gateway: GatewayProcess, api: GatewayClient) {
        self.directory = directory
        self.sitePath = sitePath
        self.site = site
        self.broker = broker
        self.observer = observer
        self.control = control
        self.simulator = simulator
        self.gateway = gateway
        self.api = api
    }

    deinit {
        // Nothing of the shutdown is under test here: SIGKILL at once keeps the teardown short.
        gateway.stop(grace: .zero)
        simulator.terminate(grace: .seconds(2))
        observer.stop()
        broker.stop()
    }

    private static func startGateway(sitePath: String, directory: TemporaryDirectory, start: Int, broker: MosquittoBroker) async throws -> GatewayProcess {
        let (gw, sim, url) = (directory.file("gw"), directory.file("sim"), broker.url)
        // A notify socket per start: a killed gateway's GatewayProcess may still hold the last one.
        let notify = directory.file("notify-\(start).sock")
        return try await onOwnThread {
            try GatewayProcess(sitePath: sitePath, stateDirectory: gw, simulatorDirectory: sim, notifySocket: notify, arguments: ["--mqtt", url])
        }
    }

    // MARK: Steering

    /// Runs `fieldsim ctl WORDS…` against the simulator (the same parser and control socket).
    @discardableResult
    func ctl(_ words: String...) throws -> JSONValue {
        try control.call(ControlCommandLine.parse(words))
    }

    /// What the simulator holds for a device (`fieldsim ctl show DEVICE`).
    func show(_ device: String) throws -> JSONValue { try ctl("show", device) }

    /// `kill -9` of the gateway; returns once it is gone.
    func killGateway() async {
        let g = gateway
        _ = try? await onOwnThread { () -> Int32? in
            kill(g.pid, SIGKILL)
            return g.waitForExit(timeout: .seconds(10))
        }
    }

    /// Starts the gateway again on the same state directory and waits until it is ready.
    func restartGateway() async throws {
        gatewayStarts += 1
        gateway = try await UplinkRig.startGateway(sitePath: sitePath, directory: directory, start: gatewayStarts, broker: broker)
        api = try GatewayClient(stateDirectory: gatewayDirectory)
        try await waitUntilReady()
    }

    /// Waits for every Modbus device online and the uplink connected.
    func waitUntilReady() async throws {
        let modbus = site.devices.filter { $0.enabled && $0.profile.usesModbus }.map(\.id)
        var missing = ["no answer from the local API"]
        let ready = await UplinkRig.until(.seconds(30), every: .milliseconds(200)) {
            guard let devices = try? self.api.call(["op": "devices"]).arrayValue, let status = try? self.api.call(["op": "status"]) else { return false }
            let online = Set(devices.filter { $0["online"] == .bool(true) }.compactMap { $0["id"]?.stringValue })
            missing = modbus.filter { !online.contains($0) }
            if status["uplink"]?["connected"] != .bool(true) { missing.append("the uplink") }
            return missing.isEmpty
        }
        guard ready else { throw ChildProcessError("not ready: \(missing)\n\(gateway.logTail(lines: 40))") }
    }

    /// The local API's `status`.
    func status() throws -> JSONValue { try api.call(["op": "status"]) }

    var uplinkConnected: Bool { (try? status())?["uplink"]?["connected"] == .bool(true) }

    /// Records waiting in the gateway's outbox, as the local API reports them.
    var outboxPending: Int? { (try? status())?["outbox"]?["pending"]?.numberValue.map { Int($0) } }

    // MARK: What the broker saw

    /// The alarm events the observer received, in arrival order.
    var receivedAlarms: [ReceivedAlarm] {
        observer.messages(on: UplinkRig.alarmTopic).compactMap { ReceivedAlarm(payload: $0.payload) }
    }

    /// Every message the observer received on `topic`, parsed, in arrival order.
    func received(on topic: String) -> [JSONValue] {
        observer.messages(on: topic).compactMap { try? JSONValue.parse($0.payload) }
    }

    /// The alarm events the gateway logged (`[alarms] raise ID [severity] message`), in order:
    /// its own record of what it raised, cleared and acknowledged.
    static func loggedAlarms(_ log: String) -> [LoggedAlarm] {
        log.split(separator: "\n").compactMap { LoggedAlarm(line: String($0)) }
    }

    // MARK: Waiting

    /// Calls `condition` every `interval` until it holds or `timeout` passes; the task sleeps in
    /// between, so a slow machine's other tests keep their threads.
    static func until(_ timeout: Duration, every interval: Duration = .milliseconds(100), _ condition: () throws -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if (try? condition()) == true { return true }
            try? await Task.sleep(for: interval)
        }
        return (try? condition()) == true
    }
}

/// Runs blocking work on a thread of its own and suspends the calling task until it is done.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// An alarm event as the gateway logs it (`OutboxSink`): kind, id, severity, message.
struct LoggedAlarm: Hashable, CustomStringConvertible {
    var event: String
    var alarm: String
    var severity: String
    var message: String

    /// Parses `… NOTICE [alarms] raise lift-1/alarm-button [critical] alarm button pressed …`.
    init?(line: String) {
        guard let tag = line.range(of: " [alarms] ") else { return nil }
        let words = line[tag.upperBound...].split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard words.count == 4, ["raise", "clear", "acknowledge"].contains(words[0]),
              words[2].hasPrefix("["), words[2].hasSuffix("]") else { return nil }
        event = String(words[0])
        alarm = String(words[1])
        severity = String(words[2].dropFirst().dropLast())
        message = String(words[3])
    }

    var description: String { "\(event) \(alarm) [\(severity)] \(message)" }
}

/// An alarm event as it arrived on `fieldgate/<site>/alarms` (docs/uplink.md, "Alarms").
struct ReceivedAlarm: Hashable, CustomStringConvertible {
    var event: String
    var alarm: String
    var severity: String
    var message: String
    var time: Int64
    var device: String
    var payload: JSONValue

    init?(payload text: String) {
        guard let p = try? JSONValue.parse(text), let event = p["event"]?.stringValue, let alarm = p["alarm"]?.stringValue,
              let severity = p["severity"]?.stringValue, let message = p["message"]?.stringValue,
              let ts = p["ts"]?.numberValue, let device = p["device"]?.stringValue else { return nil }
        (self.event, self.alarm, self.severity, self.message, time, self.device, payload) = (event, alarm, severity, message, Int64(ts), device, p)
    }

    /// What the gateway's log says of the same event.
    var logged: LoggedAlarm? { LoggedAlarm(line: " [alarms] \(event) \(alarm) [\(severity)] \(message)") }

    var description: String { "\(event) \(alarm) [\(severity)] \(message) @\(time)" }
}
