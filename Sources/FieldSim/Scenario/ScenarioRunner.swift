import FieldCore
import Foundation

/// Runs a scenario: the simulator in this process, a real `fieldgate` against it with a
/// temporary state directory, the steps on time, the expectations checked through the
/// gateway's local API. Everything it started is stopped before `run` returns, pass or fail.
package struct ScenarioRunner: Sendable {
    /// The `fieldgate` executable.
    package var gatewayPath: String
    /// Keep the temporary directory (logs, the gateway's outbox) and print where it is.
    package var keepFiles: Bool
    /// How often the gateway is asked for its alarms and points.
    package var pollInterval: Duration

    package init(gatewayPath: String, keepFiles: Bool = false, pollInterval: Duration = .milliseconds(200)) {
        self.gatewayPath = gatewayPath
        self.keepFiles = keepFiles
        self.pollInterval = pollInterval
    }

    /// `fieldgate` next to the running executable (`.build/debug/fieldsim` → `.build/debug/fieldgate`).
    package static var gatewayNextToExecutable: String {
        let exe = (Bundle.main.executablePath ?? CommandLine.arguments[0]) as NSString
        return exe.deletingLastPathComponent + "/fieldgate"
    }

    package func run(_ scenario: Scenario) -> ScenarioResult {
        let began = monotonicMilliseconds()
        var report = ScenarioReport(scenario: scenario)
        do {
            let directory = try Waiting.temporaryDirectory(prefix: "fieldsim-scn")
            run(scenario, in: directory, began: began, &report)
            if keepFiles {
                report.note("files kept in \(directory)")
            } else {
                try? FileManager.default.removeItem(atPath: directory)
            }
        } catch {
            report.problem("cannot make a temporary directory: \(error)")
        }
        return report.result(wallTime: .milliseconds(monotonicMilliseconds() - began))
    }

    /// Runs the scenario with its files in `directory`; the simulator and the gateway are
    /// stopped when it returns.
    private func run(_ scenario: Scenario, in directory: String, began: Int64, _ report: inout ScenarioReport) {
        let simDirectory = directory + "/sim", gatewayDirectory = directory + "/gw"
        let simulator: Simulator
        do {
            simulator = try Simulator(sitePath: scenario.sitePath, stateDirectory: simDirectory,
                                      options: SimulatorOptions(acceleration: 0, start: scenario.start, settings: scenario.settings))
            try simulator.start()
        } catch {
            report.problem("the simulator did not start: \(error)")
            return
        }
        defer { simulator.stop() }
        var broker: MQTTBroker?
        if scenario.broker {
            do {
                let mqttDirectory = directory + "/mqtt"
                try FileManager.default.createDirectory(atPath: mqttDirectory, withIntermediateDirectories: true)
                broker = try MQTTBroker(directory: mqttDirectory)
            } catch {
                report.problem("the MQTT broker did not start: \(error)")
                return
            }
        }
        defer { broker?.stop() }
        var centre: GB26875Centre?
        if scenario.centre {
            let c = GB26875Centre()
            do {
                try c.start()
            } catch {
                report.problem("the simulated centre did not start: \(error)")
                return
            }
            centre = c
        }
        defer { centre?.stop() }
        let gateway: ChildProcess
        do {
            gateway = try ChildProcess(executable: gatewayPath,
                                       arguments: ["run", "--site", scenario.sitePath, "--state-dir", gatewayDirectory]
                                           + (broker.map { ["--mqtt", $0.url] } ?? [])
                                           + (centre.map { ["--centre", "\($0.host):\($0.port)"] } ?? []),
                                       environment: ["FIELDSIM_DIR": simDirectory], logPath: directory + "/fieldgate.log")
        } catch {
            report.problem("\(error)")
            return
        }
        defer { gateway.terminate() }
        guard let client = waitUntilReady(gateway, gatewayDirectory, scenario.readyTimeout, &report) else {
            report.gatewayLog(gateway.logTail())
            return
        }
        report.note("gateway ready in \(seconds(Double(monotonicMilliseconds() - began) / 1000))\(broker.map { ", uplink to \($0.url)" } ?? ""); simulated time \(simulator.simulatedTime)")
        _ = simulator.execute(.accelerate(scenario.acceleration))
        execute(scenario, client: client, gateway: gateway, simulator: simulator, broker: broker, centre: centre, startWall: SystemClock().now(),
                startMono: monotonicMilliseconds(), &report)
        if report.failed { report.gatewayLog(gateway.logTail()) }
    }

    /// Waits for the gateway's API and for every Modbus device of the site to be online.
    private func waitUntilReady(_ gateway: ChildProcess, _ directory: String, _ timeout: Duration,
                                _ report: inout ScenarioReport) -> GatewayClient? {
        var lastProblem = "the gateway's local API did not appear"
        var exited = false
        let client = Waiting.until(timeout: timeout, interval: .milliseconds(100)) { () -> GatewayClient?? in
            guard gateway.isRunning else {
                exited = true
                return .some(nil)
            }
            guard let c = try? GatewayClient(stateDirectory: directory) else { return nil }
            do {
                let devices = try c.call(["op": "devices"]).arrayValue ?? []
                let offline = devices.filter { $0["online"] != nil && $0["online"] != .bool(true) }.compactMap { $0["id"]?.stringValue }
                if offline.isEmpty { return .some(c) }
                lastProblem = "devices still offline: \(offline.joined(separator: ", "))"
            } catch {
                lastProblem = "the gateway's local API: \(error)"
            }
            return nil
        }
        guard let ready = client ?? nil else {
            report.problem(exited ? "the gateway exited with status \(gateway.waitForExit(timeout: .seconds(1)) ?? -1) before it was ready"
                                  : "the gateway was not ready within \(formatDuration(timeout)): \(lastProblem)")
            return nil
        }
        return ready
    }

    private func execute(_ scenario: Scenario, client: GatewayClient, gateway: ChildProcess, simulator: Simulator,
                         broker: MQTTBroker?, centre: GB26875Centre?, startWall: Timestamp, startMono: Int64, _ report: inout ScenarioReport) {
        var pendingSteps = scenario.steps[...]
        var checker = ExpectationChecker(scenario.expectations, duration: scenario.duration.inSeconds)
        var history = AlarmHistory()
        while true {
            let t = Double(monotonicMilliseconds() - startMono) / 1000
            while let step = pendingSteps.first, step.at.inSeconds <= t {
                pendingSteps = pendingSteps.dropFirst()
                report.step(step, at: t, simulatedTime: simulator.simulatedTime, outcome: perform(step.action, simulator, client, centre))
            }
            guard gateway.isRunning else {
                report.problem("the gateway exited with status \(gateway.exitStatus ?? -1) at \(seconds(t))")
                break
            }
            if let broker { checker.receive(broker.newMessages(), at: t) }
            if let centre { checker.receive(centre: centre.newReceived().map(\.object), at: t) }
            do {
                history.observe(try client.alarms(), start: startWall, at: t)
                checker.check(points: try client.points(), alarms: history, at: t)
            } catch {
                report.problem("the gateway's local API failed at \(seconds(t)): \(error)")
                break
            }
            if (pendingSteps.isEmpty && checker.decided) || t >= scenario.duration.inSeconds { break }
            usleep(useconds_t(pollInterval.milliseconds * 1000))
        }
        checker.finish(alarms: history)
        report.expectations(checker.verdicts)
        report.alarms(history.summary)
    }

    private func perform(_ action: Scenario.Step.Action, _ simulator: Simulator, _ client: GatewayClient,
                         _ centre: GB26875Centre?) -> Result<JSONValue, ScenarioStepError> {
        switch action {
        case .control(let request):
            return simulator.execute(request).mapError { ScenarioStepError(message: $0.message) }
        case .centre(let a):
            guard let centre else { return .failure(ScenarioStepError(message: "no centre running")) }
            a.apply(to: centre)
            return .success(.bool(true))
        case .gateway(let request):
            do {
                return .success(try client.call(request))
            } catch {
                return .failure(ScenarioStepError(message: "gateway: \(error.message)"))
            }
        }
    }
}

/// A step the simulator or the gateway refused.
struct ScenarioStepError: Error {
    var message: String
}
