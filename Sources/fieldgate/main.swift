import FieldApps
import FieldConsole
import FieldCore
import FieldDevices
import FieldRuntime
import FoundationEssentials

let usage = """
fieldgate \(FieldgateVersion.string): firmware for city field-equipment gateways

usage: fieldgate COMMAND [OPTIONS]

commands:
  run --site FILE [--state-dir DIR] [--mqtt URL] [--centre HOST:PORT] [--log-level LEVEL]
                          run the gateway (state dir default /var/lib/fieldgate)
  check-config [--plan] FILE
                          validate a site file against its board and print every error
                          (--plan: the Modbus requests and points per device)
  points [--json] [--device ID] [--state-dir DIR]
                          print the live point table of the running gateway
  status [--state-dir DIR] [--watch 2s] [--points] [--json]
                          the running gateway at a glance (--watch: a live view until Ctrl-C)
  console [--state-dir DIR]
                          open the technician console of the running gateway
  passwd                  read a password twice and print its crypt(3) hash for the site file
  version                 print the firmware version
  help                    show this help

environment:
  FIELDGATE_STATE_DIR     the state directory when --state-dir is not given (default /var/lib/fieldgate)
  FIELDGATE_BOARDS        extra directories with board files (colon-separated)
  FIELDSIM_DIR            the simulator's directory (board "sim"; default /tmp/fieldsim, as fieldsim's)

fieldgate COMMAND --help shows one command's options. Times are the site's local time
(its utcOffset), with the offset shown.
"""

/// Each command's own help: `fieldgate COMMAND --help` (or `-h`, or `fieldgate help COMMAND`).
let commandHelp: [String: String] = [
    "run": """
    usage: fieldgate run --site FILE [--state-dir DIR] [--mqtt URL] [--centre HOST:PORT] [--log-level LEVEL]
      Runs the gateway: validates the site file with its board (as check-config does), then polls,
      runs the apps, stores and sends. Exit status 75 asks the supervisor (systemd) to start it again.
      --site FILE        the site file
      --state-dir DIR    sockets, the console pty link and the outbox (default $FIELDGATE_STATE_DIR,
                         else /var/lib/fieldgate)
      --mqtt URL         the broker, overriding the site's uplink.url: mqtt://[user:pass@]host[:port]
      --centre HOST:PORT the GB 26875.3 centre, overriding uplinks.gb26875's host and port
      --log-level LEVEL  debug, info (default), notice, warning or error
      --health-window D  how long a configuration pushed by the platform, or new firmware, has to
                         prove healthy before it is rolled back (default 120s; docs/uplink.md)
      --update-during-alarms  start a firmware update even while a lift or fire alarm is active
    """,
    "check-config": """
    usage: fieldgate check-config [--plan] [--state-dir DIR] FILE
      Validates a site file with its board and every device's settings; prints every error at once,
      each with its JSON path. Exit status 0 when the file is good, 1 when it has errors.
      --plan             also print, per device, the Modbus requests the gateway will send each poll
                         (function, start, count) and the points each request carries, and the
                         board lines of GPIO devices
      --state-dir DIR    the state directory the board file's ${STATE_DIR} stands for
    """,
    "points": """
    usage: fieldgate points [--device ID] [--json] [--state-dir DIR]
      The running gateway's point table: every point's latest value, unit, quality and time.
      --device ID        one device's points only
      --json             the raw answer of the local API
      --state-dir DIR    the running gateway's state directory (default $FIELDGATE_STATE_DIR,
                         else /var/lib/fieldgate)
    """,
    "status": """
    usage: fieldgate status [--watch 2s] [--points] [--json] [--state-dir DIR]
      The running gateway at a glance: uplink, outbox, buses, devices and alarms.
      --watch EVERY      redraw every EVERY (2s, 500ms) until Ctrl-C; the view says when it was updated
      --points           add the point table (with --watch on a terminal: what fits the screen,
                         bad points first)
      --json             the raw answer of the local API
      --state-dir DIR    the running gateway's state directory (default $FIELDGATE_STATE_DIR,
                         else /var/lib/fieldgate)
    """,
    "console": """
    usage: fieldgate console [--state-dir DIR]
      Opens the technician console of the running gateway (its console.sock); log in as on the
      serial port. Ctrl-D on an empty line or `logout` ends it.
      --state-dir DIR    the running gateway's state directory (default $FIELDGATE_STATE_DIR,
                         else /var/lib/fieldgate)
    """,
    "passwd": PasswdTool.usage,
    "version": "usage: fieldgate version\n  Prints the firmware version.",
    "help": "usage: fieldgate help [COMMAND]\n  The commands, or one command's help.",
]

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment
/// `--state-dir`, else `$FIELDGATE_STATE_DIR` (set by `make demo`'s `.demo/env`), else the installed one.
let defaultStateDirectory = environment["FIELDGATE_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/lib/fieldgate"

func fail(_ message: String, code: Int32 = 2) -> Never {
    writeStandardError("fieldgate: \(message)\n")
    CurrentProcess.exit(code)
}

/// The options after `arguments[0]`; a usage error shows that command's help.
func parse(valued: Set<String>, flags: Set<String> = []) -> ParsedArguments {
    do {
        return try ParsedArguments(Array(arguments.dropFirst()), valued: valued, flags: flags)
    } catch {
        fail("\(arguments[0]): \(error)\n\n\(commandHelp[arguments[0]] ?? usage)")
    }
}

/// The environment board files are expanded with: the state directory, and the simulator's
/// directory defaulted as `fieldsim` defaults it, so a site on the `sim` board checks without it.
func boardEnvironment(stateDirectory: String) -> [String: String] {
    var env = environment
    env["STATE_DIR"] = stateDirectory
    if (env["FIELDSIM_DIR"] ?? "").isEmpty { env["FIELDSIM_DIR"] = "/tmp/fieldsim" }
    return env
}

func loadConfiguration(sitePath: String, stateDirectory: String) throws(ConfigError) -> GatewayConfiguration {
    let env = boardEnvironment(stateDirectory: stateDirectory)
    let dirs = GatewayConfiguration.defaultBoardDirectories(environment: env, executablePath: CommandLine.arguments[0])
    return try GatewayConfiguration.load(sitePath: sitePath, boardDirectories: dirs, environment: env,
                                         builtins: BuiltinProfiles.byID,
                                         factories: BuiltinApps.factories)
}

/// Validates an edited site document exactly like the file (the console's `config set`).
func validateDocument(_ document: JSONValue, sitePath: String, stateDirectory: String) throws(ConfigError) -> GatewayConfiguration {
    let env = boardEnvironment(stateDirectory: stateDirectory)
    let dirs = GatewayConfiguration.defaultBoardDirectories(environment: env, executablePath: CommandLine.arguments[0])
    return try GatewayConfiguration.validate(document: document, sitePath: sitePath, boardDirectories: dirs, environment: env,
                                             builtins: Dictionary(BuiltinProfiles.all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }),
                                             factories: BuiltinApps.factories)
}

func apiCall(_ request: JSONValue, stateDirectory: String) -> JSONValue {
    let path = stateDirectory + "/fieldgate.sock"
    do {
        return try LocalAPIClient(path: path).call(request)
    } catch let e as CommandError {
        fail(e.message, code: 1)
    } catch {
        fail("cannot reach the gateway at \(path) (\(error)); is it running with --state-dir \(stateDirectory)? (FIELDGATE_STATE_DIR sets the default; for make demo: source .demo/env)", code: 1)
    }
}

// `fieldgate COMMAND --help` anywhere after a known command: that command's help, exit 0.
if let command = arguments.first, let help = commandHelp[command],
   arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
    print(help)
    CurrentProcess.exit(0)
}

switch arguments.first {
case "version", "--version":
    print("fieldgate \(FieldgateVersion.string)")

case nil, "help", "--help", "-h":
    if arguments.count > 1, let help = commandHelp[arguments[1]] {
        print(help)
    } else if arguments.count > 1, arguments[0] == "help" {
        fail("no command \"\(arguments[1])\"\n\n\(usage)")
    } else {
        print(usage)
    }

case "check-config":
    let a = parse(valued: ["state-dir"], flags: ["plan"])
    guard a.positionals.count == 1 else { fail("check-config takes one site file\n\n\(commandHelp["check-config"]!)") }
    do {
        let c = try loadConfiguration(sitePath: a.positionals[0], stateDirectory: a.options["state-dir"] ?? defaultStateDirectory)
        let buses = c.site.buses.count, devices = c.site.devices.count
        print("\(a.positionals[0]): OK (site \(c.site.info.id), board \(c.board.id), \(buses) bus\(buses == 1 ? "" : "es"), \(devices) device\(devices == 1 ? "" : "s"))")
        if a.flags.contains("plan") { print(ReadPlanText.render(c.site)) }
    } catch {
        print(error.description)
        CurrentProcess.exit(1)
    }

case "run":
    let a = parse(valued: ["site", "state-dir", "mqtt", "centre", "log-level", "health-window"], flags: ["update-during-alarms"])
    guard let sitePath = a.options["site"] else { fail("run needs --site FILE\n\n\(commandHelp["run"]!)") }
    let stateDirectory = a.options["state-dir"] ?? defaultStateDirectory
    if let level = a.options["log-level"] {
        guard let l = LogLevel(name: level) else { fail("--log-level: expected debug, info, notice, warning or error") }
        LogBook.shared.minimum = l
    }
    var mqtt: MQTTURL?
    if let text = a.options["mqtt"] {
        guard let url = MQTTURL(text) else { fail("--mqtt: expected mqtt://[user:pass@]host[:port] or mqtts://…, got \"\(text)\"") }
        mqtt = url
    }
    var centre: (host: String, port: Int)?
    if let text = a.options["centre"] {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port),
              colon > text.startIndex else { fail("--centre: expected HOST:PORT, got \"\(text)\"") }
        centre = (String(text[..<colon]), port)
    }
    var healthWindow = Duration.seconds(120)
    if let text = a.options["health-window"] {
        guard let d = parseDuration(text), d >= .seconds(1), d <= .hours(24) else { fail("--health-window: expected a duration from 1s to 24h such as \"120s\" or \"5m\", got \"\(text)\"") }
        healthWindow = d
    }
    // Slot A hands over to an installed firmware image here (returns when it runs itself).
    FirmwareBoot.launch(stateDirectory: stateDirectory, arguments: CommandLine.arguments, environment: environment)
    CurrentProcess.exit(GatewayDaemon.run(sitePath: sitePath, stateDirectory: stateDirectory, mqtt: mqtt, centre: centre, healthWindow: healthWindow,
                           updateDuringAlarms: a.flags.contains("update-during-alarms"),
                           loadConfiguration: loadConfiguration,
                           validate: { document throws(ConfigError) in
                               try validateDocument(document, sitePath: sitePath, stateDirectory: stateDirectory)
                           }))

case "points":
    let a = parse(valued: ["state-dir", "device"], flags: ["json"])
    var request: [String: JSONValue] = ["op": "points"]
    if let d = a.options["device"] { request["device"] = .string(d) }
    let result = apiCall(.object(request), stateDirectory: a.options["state-dir"] ?? defaultStateDirectory)
    if a.flags.contains("json") {
        print(result.serialized(pretty: true))
    } else {
        let status = apiCall(["op": "status"], stateDirectory: a.options["state-dir"] ?? defaultStateDirectory)
        print(PointTableText.render(result, offsetMinutes: Int(status["utcOffsetMinutes"]?.numberValue ?? 0)))
    }

case "status":
    let a = parse(valued: ["state-dir", "watch"], flags: ["json", "points"])
    let stateDirectory = a.options["state-dir"] ?? defaultStateDirectory
    if a.flags.contains("json") {
        print(apiCall(["op": "status"], stateDirectory: stateDirectory).serialized(pretty: true))
        break
    }
    let every = a.options["watch"].map { parseDuration($0) ?? { fail("--watch: expected a duration such as 2s") }() }
    repeat {
        let status = apiCall(["op": "status"], stateDirectory: stateDirectory)
        var text = StatusText.render(status: status,
                                     alarms: apiCall(["op": "alarms"], stateDirectory: stateDirectory),
                                     devices: apiCall(["op": "devices"], stateDirectory: stateDirectory))
        // A live view on a terminal is drawn to fit it: the point table gets the rows left.
        let screen = every != nil && FileDescriptor.standardOutput.isTerminal ? TerminalSize.current(1) : nil
        if a.flags.contains("points") {
            let points = apiCall(["op": "points"], stateDirectory: stateDirectory)
            let offset = Int(status["utcOffsetMinutes"]?.numberValue ?? 0)
            if let screen {
                let used = text.split(separator: "\n", omittingEmptySubsequences: false).count + 1
                text += "\n\n" + PointTableText.render(points, offsetMinutes: offset, rows: max(3, screen.rows - used - 1), width: screen.columns)
            } else {
                text += "\n\n" + PointTableText.render(points, offsetMinutes: offset)
            }
        }
        // On a terminal, redraw in place; piped, print one view after another.
        let clear = screen != nil ? "\u{1B}[H\u{1B}[2J" : ""
        writeStandardOutput(clear + text + "\n")
        if let every {
            let clock = SystemMonotonicClock()
            clock.sleep(until: clock.nanoseconds() + nanoseconds(every))
            if !FileDescriptor.standardOutput.isTerminal { writeStandardOutput("\n") }
        }
    } while every != nil

case "console":
    let a = parse(valued: ["state-dir"])
    CurrentProcess.exit(ConsoleAttach.run(socketPath: (a.options["state-dir"] ?? defaultStateDirectory) + "/console.sock"))

case "passwd":
    CurrentProcess.exit(PasswdTool.run(arguments: Array(arguments.dropFirst())))

default:
    fail("unknown command \"\(arguments[0])\"\n\n\(usage)")
}
