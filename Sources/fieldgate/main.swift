#if canImport(Glibc)
import Glibc
#endif
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
  run --site FILE [--state-dir DIR] [--mqtt URL] [--log-level LEVEL]
                          run the gateway (state dir default /var/lib/fieldgate)
  check-config FILE       validate a site file against its board and print every error
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
  FIELDGATE_BOARDS        extra directories with board files (colon-separated)
  FIELDSIM_DIR            the simulator's directory (board "sim")
"""

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment

func fail(_ message: String, code: Int32 = 2) -> Never {
    writeStandardError("fieldgate: \(message)\n")
    exit(code)
}

func parse(_ args: [String], valued: Set<String>, flags: Set<String> = []) -> ParsedArguments {
    do {
        return try ParsedArguments(args, valued: valued, flags: flags)
    } catch {
        fail("\(error)\n\n\(usage)")
    }
}

func loadConfiguration(sitePath: String, stateDirectory: String) throws(ConfigError) -> GatewayConfiguration {
    var env = environment
    env["STATE_DIR"] = stateDirectory
    let dirs = GatewayConfiguration.defaultBoardDirectories(environment: env, executablePath: CommandLine.arguments[0])
    return try GatewayConfiguration.load(sitePath: sitePath, boardDirectories: dirs, environment: env,
                                         builtins: BuiltinProfiles.byID,
                                         factories: BuiltinApps.factories)
}

/// Validates an edited site document exactly like the file (the console's `config set`).
func validateDocument(_ document: JSONValue, sitePath: String, stateDirectory: String) throws(ConfigError) -> GatewayConfiguration {
    var env = environment
    env["STATE_DIR"] = stateDirectory
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
        fail("cannot reach the gateway at \(path) (\(error)); is it running with --state-dir \(stateDirectory)?", code: 1)
    }
}

switch arguments.first {
case "version", "--version":
    print("fieldgate \(FieldgateVersion.string)")

case nil, "help", "--help", "-h":
    print(usage)

case "check-config":
    let a = parse(Array(arguments.dropFirst()), valued: ["state-dir"])
    guard a.positionals.count == 1 else { fail("check-config takes one site file\n\n\(usage)") }
    do {
        let c = try loadConfiguration(sitePath: a.positionals[0], stateDirectory: a.options["state-dir"] ?? "/var/lib/fieldgate")
        print("\(a.positionals[0]): OK (site \(c.site.info.id), board \(c.board.id), \(c.site.buses.count) buses, \(c.site.devices.count) devices)")
    } catch {
        print(error.description)
        exit(1)
    }

case "run":
    let a = parse(Array(arguments.dropFirst()), valued: ["site", "state-dir", "mqtt", "log-level"])
    guard let sitePath = a.options["site"] else { fail("run needs --site FILE\n\n\(usage)") }
    let stateDirectory = a.options["state-dir"] ?? "/var/lib/fieldgate"
    if let level = a.options["log-level"] {
        guard let l = LogLevel(name: level) else { fail("--log-level: expected debug, info, notice, warning or error") }
        LogBook.shared.minimum = l
    }
    var mqtt: MQTTURL?
    if let text = a.options["mqtt"] {
        guard let url = MQTTURL(text) else { fail("--mqtt: expected mqtt://[user:pass@]host[:port] or mqtts://…, got \"\(text)\"") }
        mqtt = url
    }
    exit(GatewayDaemon.run(sitePath: sitePath, stateDirectory: stateDirectory, mqtt: mqtt,
                           loadConfiguration: loadConfiguration,
                           validate: { document throws(ConfigError) in
                               try validateDocument(document, sitePath: sitePath, stateDirectory: stateDirectory)
                           }))

case "points":
    let a = parse(Array(arguments.dropFirst()), valued: ["state-dir", "device"], flags: ["json"])
    var request: [String: JSONValue] = ["op": "points"]
    if let d = a.options["device"] { request["device"] = .string(d) }
    let result = apiCall(.object(request), stateDirectory: a.options["state-dir"] ?? "/var/lib/fieldgate")
    if a.flags.contains("json") {
        print(result.serialized(pretty: true))
    } else {
        print(PointTableText.render(result))
    }

case "status":
    let a = parse(Array(arguments.dropFirst()), valued: ["state-dir", "watch"], flags: ["json", "points"])
    let stateDirectory = a.options["state-dir"] ?? "/var/lib/fieldgate"
    if a.flags.contains("json") {
        print(apiCall(["op": "status"], stateDirectory: stateDirectory).serialized(pretty: true))
        break
    }
    let every = a.options["watch"].map { parseDuration($0) ?? { fail("--watch: expected a duration such as 2s") }() }
    repeat {
        var text = StatusText.render(status: apiCall(["op": "status"], stateDirectory: stateDirectory),
                                     alarms: apiCall(["op": "alarms"], stateDirectory: stateDirectory),
                                     devices: apiCall(["op": "devices"], stateDirectory: stateDirectory))
        if a.flags.contains("points") {
            text += "\n\n" + PointTableText.render(apiCall(["op": "points"], stateDirectory: stateDirectory))
        }
        // On a terminal, redraw in place; piped, print one view after another.
        let clear = every != nil && isatty(1) == 1 ? "\u{1B}[H\u{1B}[2J" : ""
        writeStandardOutput(clear + text + "\n")
        if let every {
            var ts = timespec(tv_sec: Int(every.milliseconds / 1000), tv_nsec: Int(every.milliseconds % 1000) * 1_000_000)
            nanosleep(&ts, nil)
            if isatty(1) != 1 { writeStandardOutput("\n") }
        }
    } while every != nil

case "console":
    let a = parse(Array(arguments.dropFirst()), valued: ["state-dir"])
    exit(ConsoleAttach.run(socketPath: (a.options["state-dir"] ?? "/var/lib/fieldgate") + "/console.sock"))

case "passwd":
    exit(PasswdTool.run(arguments: Array(arguments.dropFirst())))

default:
    fail("unknown command \"\(arguments[0])\"\n\n\(usage)")
}
