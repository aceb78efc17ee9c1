#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSim
import Foundation

let usage = """
fieldsim \(FieldgateVersion.string): the Fieldgate simulator (every device family on the wire)

usage: fieldsim COMMAND [OPTIONS]

commands:
  run --site FILE [--state-dir DIR] [--accelerate RATE] [--start TIME] [--no-pacing]
                          emulate the site's devices until stopped (Ctrl-C); writes DIR/endpoints.json
                          when ready (DIR default $FIELDSIM_DIR, else /tmp/fieldsim)
  ctl [--state-dir DIR] COMMAND [ARGS...]
                          control a running simulator (fieldsim ctl help lists the commands)
  centre [--host HOST] [--port N] [--fault FAULT]
                          a GB 26875.3 alarm operations centre for the gateway's second uplink: prints
                          every data unit it decodes as a JSON line until stopped (Ctrl-C)
  platform firmware --broker HOST:PORT --image FILE --version V [--title T] [--corrupt N]
                    [--stop-after N] [--timeout SECONDS]
                          play ThingsBoard for a firmware update: assign the package, serve its chunks,
                          print each fw_state; exit 0 on UPDATED, 1 on FAILED or the timeout
  scenario FILE... [--gateway PATH] [--jobs N] [--keep]
                          run scenarios against a real fieldgate (default: the one next to fieldsim);
                          exit 0 when every one passes
  version                 print the version
  help                    show this help

fieldsim COMMAND --help shows one command's options. docs/simulator.md describes the models,
the control protocol and the scenario format.
"""

/// Each command's own help: `fieldsim COMMAND --help` (or `-h`, or `fieldsim help COMMAND`).
let commandHelp: [String: String] = [
    "run": """
    usage: fieldsim run --site FILE [--state-dir DIR] [--accelerate RATE] [--start TIME] [--no-pacing]
      Emulates the site's devices until stopped (Ctrl-C): RS-485 buses on pseudo-terminals, Modbus TCP
      endpoints, GPIO lines on a Unix socket. Writes DIR/endpoints.json when ready.
      --site FILE         the site file (the gateway's own format)
      --state-dir DIR     where the ptys, sockets and endpoints.json go (default $FIELDSIM_DIR,
                          else /tmp/fieldsim)
      --accelerate RATE   simulated time runs RATE times faster (60: an hour a minute)
      --start TIME        the simulated clock's start, e.g. 2026-03-20T17:40:00+08:00
      --no-pacing         answer RTU requests at once instead of at the line's speed
    """,
    "ctl": "usage: fieldsim ctl [--state-dir DIR] [--json] COMMAND [ARGS...]\n"
        + "  Controls a running simulator (DIR default $FIELDSIM_DIR, else /tmp/fieldsim). Replies are\n"
        + "  text; --json prints the raw reply.\n\n" + ControlCommandLine.usage,
    "scenario": """
    usage: fieldsim scenario FILE... [--gateway PATH] [--jobs N] [--keep]
      Runs scenarios against a real fieldgate and a real mosquitto; exit 0 when every one passes.
      --gateway PATH      the fieldgate to test (default: the one next to fieldsim)
      --jobs N            scenarios run at once (default 1)
      --keep              keep each scenario's directory and logs
    """,
    "centre": """
    usage: fieldsim centre [--host HOST] [--port N] [--fault FAULT]
      A simulated GB 26875.3 alarm operations centre (docs/gb26875.md): accepts the gateway's link,
      decodes every frame with its own decoder, confirms valid frames and denies invalid ones, and
      prints each data unit object as a JSON line (refused frames as "problem" lines) until stopped.
      Each line on standard input is a command to the centre, as a scenario's "centre" step:
      deny, drop, disconnect, delay 2s, normal, time-sync, roll-call, or a read such as
      "query component-status 11 1 4", "query device-time", "query raw 65 1 11 1"; the device's
      answer prints as JSON lines with "answer": "response" (or "kind": "denied").
      --host HOST         the address to listen on (default 127.0.0.1)
      --port N            the port (default 9100; 0 for a free one)
      --fault FAULT       misbehave from the start: deny, drop, disconnect or "delay 2s"
    """,
    "platform": """
    usage: fieldsim platform firmware --broker HOST:PORT --image FILE --version V [--title T]
                                      [--corrupt N] [--stop-after N] [--timeout SECONDS]
      Plays the platform's side of ThingsBoard's firmware update for a gateway on the broker
      (docs/simulator.md, "Firmware platform"), with mosquitto's own clients: assigns the package
      (the fw_* shared attributes, SHA-256), serves it in the chunks the gateway asks for and prints
      each fw_state the gateway reports. Exit 0 on UPDATED, 1 on FAILED or the timeout, 2 on a
      usage error.
      --broker HOST:PORT  the broker the gateway's uplink uses (anonymous, plain MQTT)
      --image FILE        the package to serve
      --version V         its fw_version
      --title T           its fw_title (default fieldgate)
      --corrupt N         serve the byte at offset N flipped (the checksum names the real image)
      --stop-after N      answer no chunk after the first N (an outage mid-download)
      --timeout SECONDS   give up after this long (default 600)
    """,
    "version": "usage: fieldsim version\n  Prints the version.",
    "help": "usage: fieldsim help [COMMAND]\n  The commands, or one command's help.",
]

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment

/// Prints a line at once (unbuffered), so progress reaches a log file or a pipe as it happens.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("fieldsim: \(message)\n".utf8))
    exit(code)
}

/// The options after `arguments[0]`; a usage error shows that command's help.
func parse(valued: Set<String>, flags: Set<String> = []) -> ParsedArguments {
    do {
        return try ParsedArguments(Array(arguments.dropFirst()), valued: valued, flags: flags)
    } catch {
        fail("\(arguments[0]): \(error)\n\n\(commandHelp[arguments[0]] ?? usage)")
    }
}

func defaultStateDirectory(_ a: ParsedArguments) -> String {
    a.options["state-dir"] ?? environment["FIELDSIM_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/fieldsim"
}

/// Blocks SIGINT and SIGTERM in every thread (call before any starts) and returns a waiter for them.
func blockTerminationSignals() -> @Sendable () -> Int32 {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &set, nil)
    let blocked = set
    return {
        var signals = blocked
        var signal: Int32 = 0
        sigwait(&signals, &signal)
        return signal
    }
}

// `fieldsim COMMAND --help` after a known command: that command's help, exit 0. (For ctl only
// before its COMMAND: what follows is the simulator's.)
if let command = arguments.first, let help = commandHelp[command] {
    let own = command == "ctl" ? Array(arguments.dropFirst().prefix { $0.hasPrefix("-") }) : Array(arguments.dropFirst())
    if own.contains(where: { $0 == "--help" || $0 == "-h" }) {
        say(help)
        exit(0)
    }
}

switch arguments.first {
case "version", "--version":
    say("fieldsim \(FieldgateVersion.string)")

case nil, "help", "--help", "-h":
    if arguments.count > 1, let help = commandHelp[arguments[1]] {
        say(help)
    } else if arguments.count > 1, arguments[0] == "help" {
        fail("no command \"\(arguments[1])\"\n\n\(usage)")
    } else {
        say(usage)
    }

case "run":
    let a = parse(valued: ["site", "state-dir", "accelerate", "start"], flags: ["no-pacing"])
    guard let site = a.options["site"] else { fail("run needs --site FILE\n\n\(commandHelp["run"]!)") }
    var options = SimulatorOptions(pacing: !a.flags.contains("no-pacing"))
    if let rate = a.options["accelerate"] {
        guard let r = Double(rate), r > 0 else { fail("--accelerate: expected a rate above 0, such as 60") }
        options.acceleration = r
    }
    if let start = a.options["start"] {
        guard let t = Timestamp(iso8601: start) else { fail("--start: expected a time like 2026-03-20T17:40:00+08:00") }
        options.start = t
    }
    let waitForSignal = blockTerminationSignals()
    let stateDirectory = defaultStateDirectory(a)
    let simulator: Simulator
    do {
        simulator = try Simulator(sitePath: site, stateDirectory: stateDirectory, options: options)
        try simulator.start()
    } catch {
        FileHandle.standardError.write(Data("fieldsim: not starting\n\(error)\n".utf8))
        exit(1)
    }
    let e = simulator.endpoints
    say("fieldsim: site \(e.site) running (×\(formatNumber(options.acceleration)), simulated \(simulator.simulatedTime))")
    for t in e.tcp { say("  modbus tcp  \(t.bus)  \(t.host):\(t.port)  units \(t.units.map(String.init).joined(separator: ","))") }
    for r in e.rtu { say("  modbus rtu  \(r.bus)  \(r.path) → \(r.pty)  \(r.baud) \(r.framing)  units \(r.units.map(String.init).joined(separator: ","))") }
    if let g = e.gpio { say("  gpio        \(g.socket)  chip \(g.chip), \(g.lines.count) lines") }
    say("  control     \(e.control)   (fieldsim ctl --state-dir \(stateDirectory) ...)")
    say("  endpoints   \(simulator.endpointsPath)")
    let signal = waitForSignal()
    say("fieldsim: stopping on signal \(signal)")
    simulator.stop()

case "centre":
    let a = parse(valued: ["host", "port", "fault"])
    guard let port = Int(a.options["port"] ?? "9100"), (0...65535).contains(port) else { fail("--port: expected 0–65535") }
    let centre = GB26875Centre(host: a.options["host"] ?? "127.0.0.1", port: port)
    if let text = a.options["fault"] {
        guard let action = CentreAction(text), case .fault = action else { fail("--fault: expected deny, drop, disconnect or \"delay DURATION\"") }
        action.apply(to: centre)
    }
    let waitForSignal = blockTerminationSignals()
    do {
        try centre.start()
    } catch {
        FileHandle.standardError.write(Data("fieldsim: the centre cannot listen: \(error)\n".utf8))
        exit(1)
    }
    say("fieldsim: GB 26875.3 centre listening on \(centre.host):\(centre.port)")
    let printer = Thread {
        var problems = 0
        while true {
            for r in centre.newReceived() { say(r.object.serialized()) }
            let p = centre.problems
            for line in p.dropFirst(problems) { say(#"{"problem": \#(JSONValue.string(line).serialized())}"#) }
            problems = p.count
            usleep(100_000)
        }
    }
    printer.start()
    let commands = Thread {
        while let line = readLine() {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let action = CentreAction(text) else {
                say(#"{"problem": \#(JSONValue.string("unknown centre command \"\(text)\": expected \(CentreAction.forms)").serialized())}"#)
                continue
            }
            action.apply(to: centre)
        }
    }
    commands.start()
    let signal = waitForSignal()
    say("fieldsim: centre stopping on signal \(signal) (\(centre.frameCount) frames)")
    centre.stop()

case "platform":
    let a = parse(valued: ["broker", "image", "version", "title", "corrupt", "stop-after", "timeout"])
    let help = commandHelp["platform"]!
    guard a.positionals == ["firmware"] else { fail("platform: expected \"platform firmware\", got \(a.positionals)\n\n\(help)") }
    guard let broker = a.options["broker"] else { fail("platform firmware needs --broker HOST:PORT\n\n\(help)") }
    guard let colon = broker.lastIndex(of: ":"), colon != broker.startIndex,
          let port = Int(broker[broker.index(after: colon)...]), (1...65535).contains(port) else {
        fail("--broker \(broker): expected HOST:PORT with a port 1–65535")
    }
    let host = String(broker[..<colon])
    guard let imagePath = a.options["image"] else { fail("platform firmware needs --image FILE\n\n\(help)") }
    guard let version = a.options["version"], !version.isEmpty else { fail("platform firmware needs --version V\n\n\(help)") }
    guard let data = FileManager.default.contents(atPath: imagePath) else { fail("--image \(imagePath): cannot read the file") }
    guard !data.isEmpty else { fail("--image \(imagePath): the file is empty") }
    let image = [UInt8](data)
    var corrupt: Int?
    if let text = a.options["corrupt"] {
        guard let n = Int(text), (0..<image.count).contains(n) else { fail("--corrupt \(text): expected a byte offset 0–\(image.count - 1) in \(imagePath)") }
        corrupt = n
    }
    var stopAfter: Int?
    if let text = a.options["stop-after"] {
        guard let n = Int(text), (0...1_000_000).contains(n) else { fail("--stop-after \(text): expected a chunk count 0–1000000") }
        stopAfter = n
    }
    let timeoutText = a.options["timeout"] ?? "600"
    guard let timeout = Int(timeoutText), (1...86_400).contains(timeout) else { fail("--timeout \(timeoutText): expected seconds 1–86400") }
    let scratch = NSTemporaryDirectory() + "/fieldsim-platform-\(getpid())"
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    let platform: FirmwarePlatform
    do {
        platform = try FirmwarePlatform(host: host, port: port, image: image, title: a.options["title"] ?? "fieldgate", version: version,
                                        directory: scratch, lifetime: .seconds(timeout + 60))
        platform.corrupt = corrupt
        platform.answerLimit = stopAfter
        try platform.assign()
    } catch {
        try? FileManager.default.removeItem(atPath: scratch)
        fail("platform firmware: \(error)", code: 1)
    }
    say("fieldsim: assigned \(platform.title) \(version) (\(image.count) bytes, SHA-256 \(platform.checksum)) on \(host):\(port)")
    let deadline = monotonicMilliseconds() + Int64(timeout) * 1000
    var printed = 0
    var problems = 0
    var outcome: FirmwarePlatform.Outcome?
    while outcome == nil, monotonicMilliseconds() < deadline {
        usleep(100_000)
        let reports = platform.reports
        for r in reports.dropFirst(printed) {
            say("fw_state \(r.state)" + (r.error.map { ": \($0)" } ?? "") + " (\(platform.chunksServed) chunks served)")
        }
        printed = reports.count
        let p = platform.problems
        for line in p.dropFirst(problems) { FileHandle.standardError.write(Data("fieldsim: \(line)\n".utf8)) }
        problems = p.count
        outcome = platform.outcome
    }
    platform.stop()
    try? FileManager.default.removeItem(atPath: scratch)
    switch outcome {
    case .updated:
        say("fieldsim: UPDATED to \(version)")
        exit(0)
    case .failed(let error):
        say("fieldsim: FAILED: \(error)")
        exit(1)
    case nil:
        fail("no UPDATED or FAILED within \(timeout) s (last fw_state: \(platform.reports.last?.state ?? "none"), \(platform.chunksServed) chunks served)", code: 1)
    }

case "ctl":
    var rest = Array(arguments.dropFirst())
    var stateDirectory = environment["FIELDSIM_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/fieldsim"
    var json = false
    while let first = rest.first, first.hasPrefix("--state-dir") || first == "--json" {
        if first == "--json" {
            json = true
            rest.removeFirst()
        } else if first.hasPrefix("--state-dir=") {
            stateDirectory = String(first.dropFirst("--state-dir=".count))
            rest.removeFirst()
        } else {
            guard rest.count >= 2 else { fail("--state-dir needs a value") }
            stateDirectory = rest[1]
            rest.removeFirst(2)
        }
    }
    if rest.last == "--json" {
        json = true
        rest.removeLast()
    }
    if rest.isEmpty || rest.first == "help" {
        say(commandHelp["ctl"]!)
        exit(rest.isEmpty ? 2 : 0)
    }
    let request: ControlRequest
    do {
        request = try ControlCommandLine.parse(rest)
    } catch {
        fail(error.message)
    }
    let path = stateDirectory + "/control.sock"
    do {
        let client = try ControlClient(path: path)
        let reply = try client.call(request)
        say(json ? reply.serialized(pretty: true) : ControlText.render(reply))
    } catch let e as ControlError {
        fail(e.message, code: 1)
    } catch {
        fail("cannot reach the simulator at \(path) (\(error)); is fieldsim run going with --state-dir \(stateDirectory)? (for make demo's simulator: source .demo/env first)", code: 1)
    }

case "scenario":
    let a = parse(valued: ["gateway", "jobs"], flags: ["keep"])
    guard !a.positionals.isEmpty else { fail("scenario needs a scenario file\n\n\(usage)") }
    let gateway = a.options["gateway"] ?? ScenarioRunner.gatewayNextToExecutable
    guard FileManager.default.isExecutableFile(atPath: gateway) else {
        fail("no fieldgate at \(gateway): build it (swift build) or give --gateway PATH")
    }
    let jobs = a.options["jobs"].map { Int($0) ?? 0 } ?? 1
    guard jobs >= 1 else { fail("--jobs: expected a number of scenarios to run at once, 1 or more") }
    // Ctrl-C must not leave a gateway running: a watcher thread kills the children and exits.
    let waitForSignal = blockTerminationSignals()
    Thread.detachNewThread {
        let signal = waitForSignal()
        ChildProcess.terminateAll()
        FileHandle.standardError.write(Data("fieldsim: interrupted (signal \(signal))\n".utf8))
        exit(130)
    }
    let runner = ScenarioRunner(gatewayPath: gateway, keepFiles: a.flags.contains("keep"))
    let outcome = ScenarioBatch(paths: a.positionals).run(runner, jobs: jobs) { say($0 + "\n") }
    if a.positionals.count > 1 {
        say(outcome.failed.isEmpty ? "all \(a.positionals.count) scenarios passed"
            : "\(outcome.failed.count) of \(a.positionals.count) failed: \(outcome.failed.joined(separator: ", "))")
    }
    exit(outcome.failed.isEmpty ? 0 : 1)

default:
    fail("unknown command \"\(arguments[0])\"\n\n\(usage)")
}
