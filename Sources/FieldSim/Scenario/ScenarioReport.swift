import FieldCore

/// The readable report of one scenario run, built as it runs.
struct ScenarioReport {
    let scenario: Scenario
    private var header: [String] = []
    private var stepLines: [String] = []
    private var expectationLines: [String] = []
    private var alarmLines: [String] = []
    private var problems: [String] = []
    private var notes: [String] = []
    private var log: String?
    private(set) var failed = false

    init(scenario: Scenario) {
        self.scenario = scenario
        header = ["scenario \(scenario.name)" + (scenario.description.isEmpty ? "" : ": \(scenario.description)"),
                  "  site \(scenario.sitePath), acceleration ×\(formatNumber(scenario.acceleration))"]
    }

    mutating func note(_ text: String) { notes.append(text) }

    mutating func problem(_ text: String) {
        problems.append(text)
        failed = true
    }

    mutating func step(_ step: Scenario.Step, at t: Double, simulatedTime: String, outcome: Result<JSONValue, ScenarioStepError>) {
        switch outcome {
        case .success:
            stepLines.append("  \(pad(seconds(t)))  \(step.text)   [sim \(simulatedTime)]")
        case .failure(let e):
            stepLines.append("  \(pad(seconds(t)))  \(step.text)   FAILED: \(e.message)")
            failed = true
        }
    }

    mutating func expectations(_ verdicts: [(Scenario.Expectation, ExpectationChecker.Verdict)]) {
        for (e, v) in verdicts {
            switch v {
            case .passed(let how): expectationLines.append("  PASS  \(e.text) — \(how)")
            case .failed(let why):
                expectationLines.append("  FAIL  \(e.text) — \(why)")
                failed = true
            case .pending:
                expectationLines.append("  FAIL  \(e.text) — undecided")
                failed = true
            }
        }
    }

    mutating func alarms(_ lines: [String]) { alarmLines = lines.map { "  " + $0 } }

    mutating func gatewayLog(_ tail: String) { log = tail }

    private func pad(_ s: String) -> String { String(repeating: " ", count: max(0, 8 - s.count)) + s }

    func result(wallTime: Duration) -> ScenarioResult {
        var lines = header + notes.map { "  " + $0 }
        if !stepLines.isEmpty { lines += ["steps:"] + stepLines }
        if !expectationLines.isEmpty { lines += ["expectations:"] + expectationLines }
        if !alarmLines.isEmpty { lines += ["alarms the gateway raised:"] + alarmLines }
        if !problems.isEmpty { lines += ["problems:"] + problems.map { "  " + $0 } }
        if failed, let log, !log.isEmpty { lines += ["gateway log (last lines):"] + log.split(separator: "\n").map { "  | " + $0 } }
        let passed = !failed
        lines.append("\(passed ? "PASS" : "FAIL") \(scenario.name) (\(formatNumber(wallTime.inSeconds, decimals: 1)) s)")
        return ScenarioResult(scenario: scenario.name, passed: passed, report: lines.joined(separator: "\n"), wallTime: wallTime)
    }
}

/// What running a scenario gave.
package struct ScenarioResult: Sendable {
    package var scenario: String
    package var passed: Bool
    /// The readable report (steps, each expectation with what was seen, alarms, problems).
    package var report: String
    package var wallTime: Duration
}
