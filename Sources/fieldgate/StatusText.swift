import FieldCore

/// The running gateway at a glance, as text: `fieldgate status` (and `--watch` for a live view).
/// Times are the site's local time, with its offset, as on the console.
enum StatusText {
    /// Says when it was drawn ("updated at"): a live view redraws itself.
    static func render(status: JSONValue, alarms: JSONValue, devices: JSONValue) -> String {
        var lines: [String] = []
        let site = status["site"]?.stringValue ?? "?"
        let board = status["board"]?.stringValue ?? "?"
        let version = status["version"]?.stringValue ?? "?"
        let offset = Int(status["utcOffsetMinutes"]?.numberValue ?? 0)
        let since = status["startedAt"]?.stringValue.flatMap { Timestamp(iso8601: $0) }.map { localTime($0, offsetMinutes: offset) } ?? "?"
        lines.append("fieldgate \(version) — site \(site) on board \(board)")
        var times = "running since \(since) (UTC\(offsetText(offset)))"
        if let now = status["now"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }) {
            times += ", updated at \(localTime(now, offsetMinutes: offset).suffix(8))"
        }
        lines.append(times)
        if let uplink = status["uplink"] {
            let broker = uplink["broker"]?.stringValue ?? "none"
            let state = uplink["connected"]?.boolValue == true ? "connected" : "not connected"
            var line = "uplink  \(broker): \(state)"
            if let e = uplink["lastError"]?.stringValue { line += " (\(e))" }
            lines.append(line)
        }
        if let o = status["outbox"] {
            let pending = Int(o["pending"]?.numberValue ?? 0), dropped = Int(o["dropped"]?.numberValue ?? 0)
            let used = (o["bytes"]?.numberValue ?? 0) / max(1, o["maxBytes"]?.numberValue ?? 1) * 100
            lines.append("outbox  \(pending) waiting, \(dropped) dropped, \(formatNumber(used, decimals: 1)) % full")
        }
        for bus in status["buses"]?.arrayValue ?? [] {
            let name = bus["name"]?.stringValue ?? "?"
            let tps = formatNumber(bus["transactionsPerSecond"]?.numberValue ?? 0, decimals: 1)
            let util = formatNumber((bus["utilisation"]?.numberValue ?? 0) * 100, decimals: 1)
            lines.append("bus     \(pad(name, 10)) \(tps) transactions/s, \(util) % of capacity")
        }
        let all = devices.arrayValue ?? []
        let offline = all.filter { $0["online"]?.boolValue == false }.compactMap { $0["id"]?.stringValue }
        lines.append("devices \(all.count), " + (offline.isEmpty ? "all answering" : "offline: " + offline.joined(separator: ", ")))
        let list = alarms.arrayValue ?? []
        let active = list.filter { $0["active"]?.boolValue == true }
        lines.append("alarms  \(active.count) active, \(list.filter { $0["acknowledged"]?.boolValue != true }.count) unacknowledged")
        // One line per alarm, cut to 80 columns: the view must fit a 80×24 terminal.
        let shown = 8
        for a in list.prefix(shown) {
            let state = a["active"]?.boolValue == true ? "ACTIVE " : "cleared"
            let ack = a["acknowledged"]?.boolValue == true ? "ack" : "   "
            let line = "  \(pad(a["severity"]?.stringValue ?? "", 8)) \(state) \(ack) \(pad(a["id"]?.stringValue ?? "", 28)) \(a["message"]?.stringValue ?? "")"
            lines.append(line.count > 80 ? String(line.prefix(79)) + "…" : line)
        }
        if list.count > shown { lines.append("  … \(list.count - shown) more (fieldgate console: alarms)") }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
