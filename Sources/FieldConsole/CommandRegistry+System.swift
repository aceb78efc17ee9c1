import FieldCore

extension CommandRegistry {
    /// help, whoami, logout, passwd, date, version, audit, restart, factory-reset.
    mutating func addSystemCommands() {
        add(ConsoleCommand(
            name: "help", synopsis: "[COMMAND]", summary: "the commands, or one command's details and examples",
            details: "Keys: Tab completes (twice lists the choices), Up/Down recall earlier lines, Ctrl-A/Ctrl-E go to the start/end (in picocom, whose own escape is Ctrl-A, type Ctrl-A Ctrl-A, or use Home), Ctrl-U/Ctrl-W erase to the start/the word before, Ctrl-C drops the line, Ctrl-L clears the screen, Ctrl-D on an empty line logs out.",
            examples: ["help", "help modbus", "help modbus write"], role: .viewer, arguments: 0...2, completions: [.command],
            run: { i, c in
                guard !i.positionals.isEmpty else {
                    for l in c.registry.overview(for: c.user.role, width: c.width) { try c.print(l) }
                    return
                }
                guard let lines = c.registry.help(for: i.positionals, width: c.width, buses: c.backend.status().buses.map(\.name)) else {
                    throw UsageError("no command \"\(i.positionals.joined(separator: " "))\"; help lists them")
                }
                for l in lines { try c.print(l) }
            }))
        add(ConsoleCommand(
            name: "clear", synopsis: "", summary: "clear the screen (also Ctrl-L)", details: "", examples: ["clear"],
            role: .viewer, arguments: 0...0, run: { _, c in
                if c.mode == .ansi { try c.writeControl("\u{1B}[H\u{1B}[2J") } else { try c.print(String(repeating: "\n", count: 23)) }
            }))
        add(ConsoleCommand(
            name: "whoami", synopsis: "", summary: "your user name, role and line", details: "", examples: ["whoami"],
            role: .viewer, arguments: 0...0, run: { _, c in try c.print("\(c.user.name) (\(c.user.role.rawValue)) on \(c.channel)") }))
        add(ConsoleCommand(
            name: "logout", synopsis: "", summary: "end the session (also exit, quit, Ctrl-D)", details: "", examples: ["logout"],
            role: .viewer, arguments: 0...0, run: { _, _ in throw SessionEnded(reason: .logout) }))
        alias("exit", for: "logout")
        alias("quit", for: "logout")
        add(ConsoleCommand(
            name: "passwd", synopsis: "", summary: "change your own password",
            details: "Asks for the current password and the new one twice, without echo. The new hash goes into the site\nconfig as a pending change: config save keeps it.",
            examples: ["passwd"], role: .viewer, arguments: 0...0, run: { _, c in try passwd(c) }))
        add(ConsoleCommand(
            name: "date", synopsis: "", summary: "the gateway's date and time",
            details: "", examples: ["date"], role: .viewer, arguments: 0...0, run: { _, c in
                let t = c.backend.systemTime()
                try c.print("\(c.local(t.now)) UTC\(formatOffset(t.utcOffsetMinutes)) (\(t.now), source \(t.source))")
            }))
        group("date", "the gateway's clock")
        add(ConsoleCommand(
            name: "date set", synopsis: "YYYY-MM-DD HH:MM[:SS] | ISO-8601", summary: "set the clock (boards without RTC; asks to confirm)",
            details: "Without a zone the time is the site's local time. Shows the old and the new time and asks to confirm. Polling and timeouts are not disturbed (they run on the monotonic clock); stored readings keep their times. Refused on the sim and linux-host boards: there the clock is the development machine's or the host's own.",
            examples: ["date set 2026-03-01 14:30", "date set 2026-03-01T06:30:00Z"], role: .technician, arguments: 1...2,
            run: { i, c in
                let text = i.positionals.joined(separator: " ")
                guard let t = Timestamp(iso8601: text, defaultOffsetMinutes: c.utcOffsetMinutes) else {
                    throw UsageError("\"\(text)\" is not a date and time like 2026-03-01 14:30 or 2026-03-01T06:30:00Z")
                }
                if let refusal = c.backend.clockSetRefusal() { throw UsageError(refusal) }
                let before = c.backend.systemTime().now
                let zone = "UTC\(formatOffset(c.utcOffsetMinutes))"
                guard try c.confirm("set the system clock from \(c.local(before)) to \(c.local(t)) (\(zone))?") else {
                    return try c.print("clock not changed")
                }
                try c.backend.setSystemTime(t, by: c.user.name)
                c.audit("date set", "clock", old: before.description, new: t.description)
                try c.print("clock set to \(c.local(t))")
            }))
        add(ConsoleCommand(
            name: "version", synopsis: "", summary: "firmware, board and library versions", details: "", examples: ["version"],
            role: .viewer, arguments: 0...0, run: { _, c in
                let v = c.backend.versionInfo()
                try c.print("fieldgate \(v.firmware) on board \(v.board)")
                for (name, version) in v.components.sorted(by: { $0.key < $1.key }) { try c.print("  \(name) \(version)") }
            }))
        add(ConsoleCommand(
            name: "audit", synopsis: "[N]", summary: "the last N audited changes (default 20), newest first",
            details: "Every change made from the console or the platform: who, when, from where, what, old -> new.",
            examples: ["audit", "audit 100"], role: .technician, arguments: 0...1, run: { i, c in
                let n = i[0] == nil ? 20 : try i.int(0, "N", in: 1...1000)
                let entries = c.backend.auditLog(limit: n)
                guard !entries.isEmpty else { return try c.print("no audited changes") }
                var t = TextTable(["time", "user", "from", "action", "target", "change"])
                for e in entries {
                    let change = e.old == nil && e.new == nil ? "" : "\(e.old ?? "-") -> \(e.new ?? "-")"
                    t.add([c.local(e.time), e.user, e.channel, e.action, e.target, change])
                }
                for l in t.lines(fitting: c.width) { try c.print(l) }
            }))
        add(ConsoleCommand(
            name: "restart", synopsis: "", summary: "restart the gateway (asks to confirm)",
            details: "Outputs go to their safe state, the outbox is kept; the console comes back after the restart.",
            examples: ["restart"], role: .technician, arguments: 0...0, run: { _, c in
                guard try c.confirm("restart the gateway now?") else { return try c.print("not restarted") }
                c.audit("restart", "gateway")
                try c.backend.restart(by: c.user.name)
                try c.print("restarting")
            }))
        add(ConsoleCommand(
            name: "factory-reset", synopsis: "", summary: "erase the site config back to factory and restart (asks to confirm)",
            details: "Puts the factory site file (site.json.factory beside the site file) in place of the site file, keeping\nthe current one as site.json.prev, and restarts: the users go back to the factory ones. The audit trail and\nthe outbox are kept. Audited.",
            examples: ["factory-reset"], role: .admin, arguments: 0...0, run: { _, c in
                guard try c.confirm("ERASE the site config of \(c.backend.status().site) and restart?") else { return try c.print("nothing erased") }
                c.audit("factory-reset", "site config")
                try c.backend.factoryReset(by: c.user.name)
                try c.print("factory reset done; restarting")
            }))
    }
}

private func passwd(_ c: CommandContext) throws {
    guard let current = try c.readSecret("current password: ") else { return try c.print("password not changed") }
    guard PasswordHasher.verify(current, against: c.user.passwordHash) else { throw UsageError("the current password is wrong") }
    guard let new = try c.readSecret("new password: ") else { return try c.print("password not changed") }
    guard new.count >= minimumPasswordBytes else { throw UsageError("the new password needs at least \(minimumPasswordBytes) characters") }
    guard let again = try c.readSecret("new password again: ") else { return try c.print("password not changed") }
    guard new.matches(again) else { throw UsageError("the two new passwords differ") }
    let hash = try PasswordHasher.hash(new)
    let change = try c.backend.setPasswordHash(user: c.user.name, hash: hash, by: c.user.name)
    c.audit("passwd", c.user.name, new: "(new hash)")
    try c.print("password changed in \(change.key) (pending until config save)")
}

/// The shortest password `passwd` accepts.
let minimumPasswordBytes = 8

/// Thrown by a command (or a read inside one) to end the session.
struct SessionEnded: Error {
    var reason: ConsoleSession.End
}
