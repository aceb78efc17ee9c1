import FieldCore
import FieldRuntime

extension CommandRegistry {
    /// status, devices, show, read, watch, trend, alarms, ack, log.
    mutating func addStatusCommands() {
        add(ConsoleCommand(
            name: "status", synopsis: "", summary: "gateway, buses, uplink, outbox and alarms at a glance",
            details: "Shows the site and board, local time, uptime, each bus with its devices online and error count,\nthe uplink to the platform, messages waiting in the outbox, the GB 26875.3 link to a fire alarm centre\n(when the site has one), active alarms and open maintenance windows.",
            examples: ["status"], role: .viewer, arguments: 0...0, run: { _, c in try status(c) }))
        add(ConsoleCommand(
            name: "devices", synopsis: "", summary: "every device with its bus, address and state",
            details: "States: online (answering, all points good), degraded (some points not good),\noffline (not answering), disabled (polling off in the site config).",
            examples: ["devices"], role: .viewer, arguments: 0...0, run: { _, c in try devices(c) }))
        add(ConsoleCommand(
            name: "show", synopsis: "DEVICE", summary: "one device: every point with value, quality and register",
            details: "Also lists the maintenance actions the device's profile defines that your role may run (see modbus calibrate).",
            examples: ["show hydrant-main", "show lamp-3"], role: .viewer, arguments: 1...1, completions: [.device],
            run: { i, c in try show(i, c) }))
        add(ConsoleCommand(
            name: "read", synopsis: "POINT...", summary: "the latest reading of points",
            details: "A point is DEVICE.POINT. The value comes from the last poll; quality and age are shown.",
            examples: ["read hydrant-main.pressure", "read pole-7.temperature pole-7.humidity"], role: .viewer,
            arguments: 1...32, completions: [.point], run: { i, c in try read(i, c) }))
        add(ConsoleCommand(
            name: "watch", synopsis: "POINT... [--every 1s]", summary: "live values until a key is pressed",
            details: "Prints the points every interval (default 1s, 200ms to 1h); press any key to stop.\nOn an ANSI terminal the line updates in place; on a plain one a line is printed when a value changes.",
            examples: ["watch hydrant-main.pressure", "watch lift-1.floor lift-1.doors-closed --every 500ms"], role: .viewer,
            arguments: 1...16, valued: ["every"], completions: [.point], run: { i, c in try watch(i, c) }))
        add(ConsoleCommand(
            name: "trend", synopsis: "POINT [WINDOW]", summary: "a text sparkline of the recent history (default 1h)",
            details: "WINDOW is a duration like 30m, 6h or 7d (up to 30d). Each character is the mean of the good readings\nin its slice of the window; a blank is a slice without good readings. min and max are single readings\n(the worst moment, with its time), not slice means; now is the latest reading; the count is of readings.",
            examples: ["trend hydrant-main.pressure", "trend pole-7.pm25 24h"], role: .viewer, arguments: 1...2,
            completions: [.point, .words(["10m", "1h", "6h", "24h", "7d"])], run: { i, c in try trend(i, c) }))
        add(ConsoleCommand(
            name: "alarms", synopsis: "", summary: "active alarms and cleared ones not yet acknowledged",
            details: "Most severe first, then oldest first. ack ALARM acknowledges one.",
            examples: ["alarms"], role: .viewer, arguments: 0...0, run: { _, c in try alarms(c) }))
        add(ConsoleCommand(
            name: "ack", synopsis: "ALARM... | all", summary: "acknowledge alarms",
            details: "ALARM is the id alarms shows (hydrant-main.pressure/low-pressure). all acknowledges every\nunacknowledged alarm. Acknowledgements are audited and sent to the platform.",
            examples: ["ack hydrant-main.pressure/low-pressure", "ack all"], role: .technician, arguments: 1...64,
            completions: [.alarm], run: { i, c in try ack(i, c) }))
        add(ConsoleCommand(
            name: "log", synopsis: "[N]", summary: "the last N lines of the gateway log (default 20)",
            details: "N is 1 to 500.", examples: ["log", "log 100"], role: .viewer, arguments: 0...1,
            run: { i, c in
                let n = i[0] == nil ? 20 : try i.int(0, "N", in: 1...500)
                for line in c.backend.recentLog(n) { try c.print("\(c.local(line.time)) \(line.level.name) [\(line.tag)] \(line.message)") }
            }))
    }
}

private func status(_ c: CommandContext) throws {
    let s = c.backend.status()
    try c.print("site \(s.site)   board \(s.board)   fieldgate \(c.backend.versionInfo().firmware)   up \(formatUptime(s.uptime))")
    try c.print("time \(c.local(s.time)) (UTC\(formatOffset(s.utcOffsetMinutes)))")
    try c.print("devices \(s.devicesOnline)/\(s.devicesTotal) online")
    if !s.buses.isEmpty {
        // The endpoint (a long pty path, say) is the last column: it goes on between words, so
        // the table fits the screen.
        var t = TextTable(["bus", "online", "tx/s", "errors", "last error", "endpoint"])
        for b in s.buses {
            t.add([b.name, "\(b.devicesOnline)/\(b.devices)", formatNumber(b.transactionsPerSecond, decimals: 1), "\(b.errors)", b.lastError ?? "-", b.endpoint])
        }
        for l in t.lines(fitting: c.width - 2) { try c.print("  " + l) }
    }
    var uplink = "uplink \(s.uplink.state.rawValue) \(s.uplink.broker)"
    if let since = s.uplink.since { uplink += " since \(c.local(since))" }
    if let e = s.uplink.lastError { uplink += " (\(e))" }
    try c.print(uplink)
    try c.print("outbox \(s.outbox.pending) pending" + (s.outbox.oldest.map { ", oldest \(c.age($0))" } ?? ""))
    if let centre = s.centre { try c.print(describe(centre)) }
    let counts = Severity.allCases.compactMap { sev in s.activeAlarms[sev].flatMap { $0 > 0 ? "\($0) \(sev.rawValue)" : nil } }
    try c.print("alarms " + (counts.isEmpty ? "none active" : counts.joined(separator: ", ")) + ", \(s.unacknowledgedAlarms) unacknowledged")
    try c.print("maintenance " + (s.maintenance.isEmpty ? "none" : s.maintenance.map { describe($0, c) }.joined(separator: "; ")))
}

private func devices(_ c: CommandContext) throws {
    let list = c.backend.devices()
    guard !list.isEmpty else { return try c.print("no devices in the site config") }
    // `#` is the device's index in the site config: config get devices[N] (or devices[ID]).
    var t = TextTable(["#", "device", "profile", "bus", "unit", "state", "alarms", "last good"])
    for (n, d) in list.enumerated() {
        t.add(["\(n)", d.id, d.profile, d.bus ?? "-", d.address.map(String.init) ?? "-", d.state.rawValue, "\(d.activeAlarms)", d.lastSeen.map { c.age($0) } ?? "never"])
    }
    for l in t.lines(fitting: c.width) { try c.print(l) }
    try c.print("config keys: devices[#] or devices[DEVICE], e.g. config get devices[\(list[0].id)].address")
}

private func show(_ i: Invocation, _ c: CommandContext) throws {
    let d = try c.backend.device(i[0]!)
    let s = d.summary
    var head = "\(s.id)  profile \(s.profile)  \(s.state.rawValue)"
    if let bus = s.bus, let unit = s.address { head += "  \(bus) unit \(unit)" }
    if s.activeAlarms > 0 { head += "  \(s.activeAlarms) active alarm\(s.activeAlarms == 1 ? "" : "s")" }
    try c.print(head)
    var t = TextTable(["point", "value", "quality", "age", "access", "source"])
    for p in d.points {
        t.add([p.ref.point, formatValue(p), p.reading?.quality.rawValue ?? "-", p.reading.map { c.age($0.time) } ?? "never",
               p.info.writable ? "rw" : "r", p.location.isEmpty ? "-" : p.location])
    }
    for l in t.lines(fitting: c.width - 2) { try c.print("  " + l) }
    if let settings = d.settings { try c.print("settings " + settings.serialized()) }
    // What the app applies beyond the file: its defaults, so "unset" never hides a value in force.
    let defaults = SettingsInForce(inForce: c.backend.settingsInForce(device: s.id), file: d.settings).defaults()
    if !defaults.isEmpty {
        for l in wrapped("app defaults (config get devices[\(s.id)].settings): " + defaults.joined(separator: " "), width: c.width - 1, indent: "  ") {
            try c.print(l)
        }
    }
    if !d.commands.isEmpty {
        try c.print("actions (modbus calibrate \(s.id) ACTION):")
        try listAllowed(d.commands, c, indent: "  ") { a in
            // The summary goes on under itself, between words, so the list fits the screen.
            let head = "  " + padded(a.consoleUsage, 28)
            for (n, l) in wrapped(a.consoleSummary, width: max(20, c.width - 1 - displayWidth(head)), indent: "").enumerated() {
                try c.print((n == 0 ? head : String(repeating: " ", count: displayWidth(head))) + l)
            }
        }
    }
}

private func read(_ i: Invocation, _ c: CommandContext) throws {
    for n in 0..<i.positionals.count {
        let p = try c.backend.point(try i.point(n))
        var line = "\(p.ref) = \(formatValue(p))"
        if let r = p.reading {
            line += "  \(r.quality.rawValue)  \(c.local(r.time)) (\(c.age(r.time)))"
        } else {
            line += "  (never read)"
        }
        try c.print(line)
    }
}

private func watch(_ i: Invocation, _ c: CommandContext) throws {
    let every = try i.duration("every", in: .milliseconds(200)...(.hours(1))) ?? .seconds(1)
    let points = try (0..<i.positionals.count).map { try i.point($0) }
    for p in points { _ = try c.backend.point(p) }
    try c.print("watching \(points.map(\.description).joined(separator: ", ")) every \(formatDuration(every)); press any key to stop")
    var last = ""
    while true {
        let values = try points.map { p -> String in
            let s = try c.backend.point(p)
            let q = s.reading.map { $0.quality.isGood ? "" : " (\($0.quality.rawValue))" } ?? ""
            return "\(p.point)=\(formatValue(s))\(q)"
        }.joined(separator: "  ")
        let line = sanitized("\(c.localTime(c.now))  \(values)")
        switch c.mode {
        case .ansi:
            try c.writeControl("\r" + String(line.prefix(max(20, c.width - 1))) + "\u{1B}[K")
        case .plain:
            if values != last { try c.writeControl(line + "\r\n") }
        }
        last = values
        if try c.keyPressed(within: every) { break }
    }
    if c.mode == .ansi { try c.writeControl("\r\n") }
}

private func trend(_ i: Invocation, _ c: CommandContext) throws {
    let ref = try i.point(0)
    var window = Duration.hours(1)
    if let w = i[1] {
        guard let d = parseDuration(w), d >= .minutes(1), d <= .hours(24 * 30) else {
            throw UsageError("WINDOW \"\(w)\" is not a duration from 1m to 30d like 30m, 6h or 7d")
        }
        window = d
    }
    let point = try c.backend.point(ref)
    let now = c.now
    let history = try c.backend.history(ref, since: now - window)
    let columns = max(10, min(60, c.width - 12))
    let cells = Sparkline.columns(history, from: now - window, to: now, count: columns)
    let present = cells.compactMap { $0 }
    let unit = point.info.unit.isEmpty ? "" : " " + point.info.unit
    try c.print("\(ref) over the last \(formatDuration(window)), \(formatDuration(window / columns)) per column\(unit.isEmpty ? "" : ",\(unit)")")
    guard var lowest = present.min(by: { $0.minimum < $1.minimum }), let highest = present.max(by: { $0.maximum < $1.maximum }) else {
        return try c.print("no good readings in that window")
    }
    // The extremes are the readings' own (a bucket's minimum), not the lowest column average: a
    // technician reads a trend for the worst moment. The reading now belongs to the window too.
    var lo = lowest.minimum, hi = highest.maximum
    let latest = point.reading?.goodNumber
    if let latest, latest < lo {
        lo = latest
        lowest.start = point.reading!.time
    }
    if let latest { hi = max(hi, latest) }
    try c.print(padded(formatNumber(hi, decimals: 3), 10) + "|")
    try c.print(padded("", 10) + "|" + Sparkline.render(cells.map { $0?.mean }, ascii: c.asciiOnly))
    try c.print(padded(formatNumber(lo, decimals: 3), 10) + "|")
    let startLabel = "-" + formatDuration(window)
    try c.print(padded("", 11) + startLabel + String(repeating: " ", count: max(1, columns - startLabel.count - 3)) + "now")
    let gaps = cells.filter { $0 == nil }.count
    let readings = present.reduce(0) { $0 + $1.count }
    var summary = "min \(formatNumber(lo, decimals: 3))\(unit) at \(c.localTime(lowest.start))  max \(formatNumber(hi, decimals: 3))\(unit)"
    if let latest { summary += "  now \(formatNumber(latest, decimals: 3))\(unit)" }
    summary += "  \(readings) reading\(readings == 1 ? "" : "s")" + (gaps > 0 ? ", \(gaps) empty column\(gaps == 1 ? "" : "s")" : "")
    try c.print(summary)
}

private func alarms(_ c: CommandContext) throws {
    let list = c.backend.alarms()
    guard !list.isEmpty else { return try c.print("no alarms") }
    var t = TextTable(["severity", "alarm", "state", "raised", "acknowledged", "message"])
    for a in list {
        let state = a.active ? "active" : "cleared \(a.clearedAt.map { c.age($0) } ?? "")"
        let ack = a.acknowledgedBy.map { "by \($0)" } ?? "no"
        t.add([a.severity.rawValue, a.id.rawValue, state, c.local(a.raisedAt), ack, a.message])
    }
    for l in t.lines(fitting: c.width) { try c.print(l) }
}

private func ack(_ i: Invocation, _ c: CommandContext) throws {
    var ids = i.positionals.map { AlarmID(rawValue: $0) }
    if i.positionals == ["all"] {
        ids = c.backend.alarms().filter { !$0.acknowledged }.map(\.id)
        if ids.isEmpty { return try c.print("nothing to acknowledge") }
    }
    for id in ids {
        let r = try c.backend.acknowledge(id, by: c.user.name)
        c.audit("ack", id.rawValue, old: "unacknowledged", new: "acknowledged")
        try c.print("acknowledged \(id) (\(r.severity.rawValue), \(r.active ? "still active" : "cleared"))")
    }
}

/// The value with its unit, or `-` when never read.
func formatValue(_ p: PointSnapshot) -> String {
    guard let v = p.reading?.value else { return "-" }
    return p.info.unit.isEmpty ? v.description : "\(v) \(p.info.unit)"
}

func formatUptime(_ d: Duration) -> String {
    let s = max(0, d.milliseconds / 1000)
    if s < 3600 { return "\(s / 60)m \(s % 60)s" }
    if s < 86_400 { return "\(s / 3600)h \(s / 60 % 60)m" }
    return "\(s / 86_400)d \(s / 3600 % 24)h"
}

func formatOffset(_ minutes: Int) -> String {
    let a = abs(minutes)
    return (minutes < 0 ? "-" : "+") + pad(a / 60, 2) + ":" + pad(a % 60, 2)
}

/// `centre 119.3.0.10:9100 connected, 12 sent, 12 confirmed, 0 pending, reads 2 answered 1 denied`.
func describe(_ centre: CentreLinkStatus) -> String {
    var line = "centre \(centre.centre) " + (centre.connected ? "connected" : "not connected")
    line += ", \(centre.sent) sent, \(centre.confirmed) confirmed, \(centre.pending) pending"
    if centre.answered + centre.refused > 0 { line += ", reads \(centre.answered) answered \(centre.refused) denied" }
    if !centre.connected, let e = centre.lastError { line += " (\(e))" }
    return line
}

func describe(_ w: MaintenanceWindow, _ c: CommandContext) -> String {
    let scope = w.scope ?? "whole site"
    let until = w.until.map { "until \(c.local($0))" } ?? "until ended"
    return "\(scope) by \(w.startedBy) since \(c.local(w.since)) \(until)"
}
