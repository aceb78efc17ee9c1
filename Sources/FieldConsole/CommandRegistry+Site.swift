import FieldCore
import FieldRuntime

extension CommandRegistry {
    /// gpio, lamp, lift, maintenance.
    mutating func addSiteCommands() {
        group("gpio", "board lines: read inputs, test outputs")
        add(ConsoleCommand(
            name: "gpio get", synopsis: "[LINE]", summary: "a board line's state (all lines without LINE)",
            details: "LINE is a name from the board file (DI3, DO1, ...). States are logical: an active-low line that is\npulled low reads active. \"wired to\" is the device and signal the site config puts on the line.",
            examples: ["gpio get", "gpio get DI3"], role: .viewer, arguments: 0...1, completions: [.gpioLine], run: { i, c in
                let lines = c.backend.gpioLines()
                if let name = i[0] {
                    let wired = lines.first { $0.name == name }?.wiredTo
                    return try c.print(describe(try c.backend.gpioGet(name), c, wiredTo: wired))
                }
                var t = TextTable(["line", "direction", "wired to", "state"])
                var unused: [String] = []
                for l in lines {
                    let state = (try? c.backend.gpioGet(l.name)).map { $0.active ? "active" : "inactive" }
                    // Inputs nothing is wired to are not read: one line for all of them.
                    if !l.isOutput, l.wiredTo == nil, state == nil {
                        unused.append(l.name)
                        continue
                    }
                    t.add([l.name, l.isOutput ? "output" : "input", l.wiredTo ?? "-", state ?? "-"])
                }
                for l in t.lines(fitting: c.width) { try c.print(l) }
                if !unused.isEmpty { try c.say("inputs not wired (not read): " + unused.joined(separator: ", ")) }
            }))
        add(ConsoleCommand(
            name: "gpio set", synopsis: "LINE on|off [--for 10s]", summary: "test an output; it reverts by itself",
            details: "Drives an output line for --for (default 10s, at most 1h), then the gateway puts it back to what the\napps want or its safe state. Use it to test a relay or a pump-run contact from the cabinet. An output\nthe site wires to a device (a lamp's relay, say) asks to confirm first.",
            examples: ["gpio set DO5 on", "gpio set DO8 on --for 3s"], role: .technician, arguments: 2...2, valued: ["for"],
            completions: [.gpioLine, .words(["on", "off"])], run: { i, c in
                let active = try onOff(i[1]!, "VALUE")
                let d = try i.duration("for", in: .milliseconds(100)...(.hours(1))) ?? .seconds(10)
                if let wired = c.backend.gpioLines().first(where: { $0.name == i[0]! && $0.isOutput })?.wiredTo {
                    guard try c.confirm("\(i[0]!) drives \(wired): switch it \(active ? "on" : "off") for \(formatDuration(d))?") else {
                        return try c.print("cancelled; \(i[0]!) not changed")
                    }
                }
                let before = try? c.backend.gpioGet(i[0]!)
                let s = try c.backend.gpioSet(i[0]!, active: active, revertAfter: d, by: c.user.name)
                c.audit("gpio set", i[0]!, old: before.map { $0.active ? "on" : "off" }, new: "\(active ? "on" : "off") for \(formatDuration(d))")
                try c.print(describe(s, c))
            }))
        add(ConsoleCommand(
            name: "lamp", synopsis: "HEAD on|off|dim N|auto [--for 2h]", summary: "switch or dim a lamp head by hand",
            details: "A manual override of the lamp head's schedule; --for (1m to 24h) sets when it ends (otherwise the app's\ndefault). auto hands the head back to the astronomical clock and dimming profile. N is 0-100 percent. The\nlamp head's app checks and runs it as it does the platform's setLamp; the answer comes once the controller\nhas taken the write, or says what the controller answered.",
            examples: ["lamp pole-7-a on --for 30m", "lamp pole-7-a dim 50", "lamp pole-7-a auto"], role: .technician, arguments: 2...3,
            valued: ["for"], completions: [.device, .words(["on", "off", "dim", "auto"])], run: { i, c in
                // The lamp head's app checks the command (level 0-100, --for 1m-24h) once, for
                // the console and the platform alike; the answer comes after the controller took it.
                var arguments: [String: JSONValue] = ["action": .string(i[1]!.lowercased())]
                if let level = i[2] { arguments["level"] = Double(level).map(JSONValue.number) ?? .string(level) }
                if let d = i.options["for"] { arguments["for"] = .string(d) }
                let reply = try c.backend.execute(.app(device: i[0]!, command: "lamp", arguments: .object(arguments)), by: c.user.name)
                c.audit("lamp", i[0]!, new: i.positionals.dropFirst().joined(separator: " ") + (i.options["for"].map { " for \($0)" } ?? ""))
                let level = reply["level"]?.numberValue.flatMap { Int(exactly: $0.rounded()) }
                var line = "\(i[0]!): " + (level.map { $0 > 0 ? "on" : "off" } ?? "?")
                if let level { line += ", dim \(level)%" }
                line += reply["until"]?.stringValue.flatMap { Timestamp(iso8601: $0) }.map { ", manual until \(c.local($0))" } ?? ", on schedule"
                try c.print(line)
            }))
        add(ConsoleCommand(
            name: "app", synopsis: "DEVICE [COMMAND [VALUE] [NAME=VALUE...]]", summary: "list or run a device app's commands",
            details: "Without COMMAND, lists the commands the device's app declares for your role, with what each parameter takes\n(words, numbers with unit and range, durations 1m-24h); each command declares the role it needs (restore-stats:\nadmin). A bare VALUE is the first parameter (app air-1 fan on); the others are NAME=VALUE (for=30m). The engine checks them by the app's schema, as it does the platform's\nrunCommand, before the app sees them; the answer is the app's, once the device took it.",
            examples: ["app air-1", "app air-1 fan on for=30m", "app lift-1 set-floor 3", "app hydrant-main set-threshold point=pressure low=0.15"],
            role: .technician, arguments: 1...Int.max, completions: [.device, .appCommand, .appArgument], run: { i, c in
                let device = i[0]!
                let commands = try c.backend.appCommands(device)
                guard let name = i[1] else {
                    guard !commands.isEmpty else { return try c.print("\(device): its app declares no commands") }
                    try listAllowed(commands, c) { spec in
                        try c.print(padded(spec.appUsage, 34) + spec.description)
                        for line in spec.appParameterLines { try c.print(line) }
                    }
                    return
                }
                guard let spec = commands.first(where: { $0.name == name }) else {
                    let offered = commands.filter { $0.role <= c.user.role }.map(\.name)
                    throw UsageError("\(device) has no app command \"\(name)\" (its app takes " + (offered.isEmpty ? "none" : offered.joined(separator: ", ")) + ")")
                }
                try c.require(spec.role, for: "app \(name)")
                let arguments = try spec.appArguments(Array(i.positionals.dropFirst(2)))
                let reply = try c.backend.execute(.app(device: device, command: name, arguments: arguments), by: c.user.name)
                c.audit("app \(name)", device, new: i.positionals.dropFirst(2).joined(separator: " "))
                try c.print("\(device) \(name): \(reply.serialized())")
            }))
        group("lift", "elevator safety gateway state")
        add(ConsoleCommand(
            name: "lift status", synopsis: "[DEVICE]", summary: "floor, direction, doors, occupancy, mode and alarms of lifts",
            details: "", examples: ["lift status", "lift status lift-1"], role: .viewer, arguments: 0...1, completions: [.device],
            run: { i, c in
                let lifts = try c.backend.liftStatus(i[0])
                guard !lifts.isEmpty else { return try c.print("no lifts on this site") }
                var t = TextTable(["lift", "floor", "moving", "door zone", "doors", "occupied", "mode", "safety", "mains", "alarms"])
                for l in lifts {
                    t.add([l.device, l.floor.map(String.init) ?? "?", l.direction?.rawValue ?? "?", yesNo(l.inDoorZone),
                           l.doorsClosed.map { $0 ? "closed" : "open" } ?? "?", yesNo(l.occupied), l.mode ?? "?",
                           l.safetyCircuitClosed.map { $0 ? "closed" : "OPEN" } ?? "?", l.mainsPresent.map { $0 ? "ok" : "LOST" } ?? "?",
                           l.activeAlarms.isEmpty ? "-" : l.activeAlarms.map { $0.type }.joined(separator: ",")])
                }
                for l in t.lines(fitting: c.width) { try c.print(l) }
            }))
        group("maintenance", "maintenance windows: door alarms suppressed, the platform told")
        add(ConsoleCommand(
            name: "maintenance start", synopsis: "[DEVICE] [--for 2h]", summary: "open a maintenance window (whole site without DEVICE)",
            details: "While open, cabinet door alarms, technician-caused lift faults and fire-water alarms (held back until it\nends) of the scope are suppressed and the platform shows the site in maintenance. --for closes it by\nitself (1m to 24h); otherwise maintenance end does.",
            examples: ["maintenance start --for 2h", "maintenance start lift-1"], role: .technician, arguments: 0...1, valued: ["for"],
            completions: [.device], run: { i, c in
                let d = try i.duration("for", in: .minutes(1)...(.hours(24)))
                let windows = try c.backend.maintenance(.start(scope: i[0], duration: d), by: c.user.name)
                c.audit("maintenance start", i[0] ?? "site", new: d.map { "for \(formatDuration($0))" } ?? "until ended")
                for w in windows { try c.print("maintenance: " + describe(w, c)) }
            }))
        add(ConsoleCommand(
            name: "maintenance end", synopsis: "[DEVICE]", summary: "close a maintenance window",
            details: "", examples: ["maintenance end", "maintenance end lift-1"], role: .technician, arguments: 0...1,
            completions: [.device], run: { i, c in
                let windows = try c.backend.maintenance(.end(scope: i[0]), by: c.user.name)
                c.audit("maintenance end", i[0] ?? "site")
                try c.print("maintenance ended" + (windows.isEmpty ? "" : "; still open: " + windows.map { describe($0, c) }.joined(separator: "; ")))
            }))
    }
}

private func onOff(_ text: String, _ name: String) throws -> Bool {
    switch text.lowercased() {
    case "on", "1", "true", "active": return true
    case "off", "0", "false", "inactive": return false
    default: throw UsageError("\(name) \"\(text)\" must be on or off")
    }
}

private func yesNo(_ b: Bool?) -> String { b.map { $0 ? "yes" : "no" } ?? "?" }

private func describe(_ s: GPIOLineState, _ c: CommandContext, wiredTo: String? = nil) -> String {
    "\(s.name) (\(s.isOutput ? "output" : "input")\(wiredTo.map { ", " + $0 } ?? "")): \(s.active ? "active" : "inactive")"
        + (s.revertsAt.map { ", reverts at \(c.localTime($0))" } ?? "")
}
