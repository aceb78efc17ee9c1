import FieldCore

/// The point table as a text table for `fieldgate points` and `status --points`.
enum PointTableText {
    /// - Parameters:
    ///   - offsetMinutes: the site's UTC offset: times are shown in the site's local time.
    ///   - rows: at most this many lines (a live view that must fit the screen): points with a
    ///     bad quality come first, and the last line says how many more there are.
    ///   - width: cut lines to this many columns (a live view must not wrap).
    static func render(_ points: JSONValue, offsetMinutes: Int, rows: Int? = nil, width: Int? = nil) -> String {
        var list = points.arrayValue ?? []
        if rows != nil {
            // Bad points first: on a small screen they are the ones worth seeing.
            let good = list.filter { $0["quality"]?.stringValue == "good" }
            list = list.filter { $0["quality"]?.stringValue != "good" } + good
        }
        var table: [[String]] = list.map { p in
            let value: String = switch p["value"] {
            case .number(let n)?: formatNumber(n, decimals: 4)
            case .bool(let b)?: b ? "true" : "false"
            case .string(let s)?: s
            default: "—"
            }
            let time = p["time"]?.stringValue.flatMap { Timestamp(iso8601: $0) }.map { localTime($0, offsetMinutes: offsetMinutes) } ?? ""
            return [p["point"]?.stringValue ?? "?", value, p["unit"]?.stringValue ?? "", p["quality"]?.stringValue ?? "", time]
        }
        var more = ""
        if let rows, table.count > rows - 1 {
            let shown = max(0, rows - 2)
            more = "… \(table.count - shown) more points (fieldgate points shows them all)"
            table = Array(table.prefix(shown))
        }
        let header = ["POINT", "VALUE", "UNIT", "QUALITY", "TIME (UTC\(offsetText(offsetMinutes)))"]
        let all = [header] + table
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        var lines = all.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count)
            }.joined(separator: "  ")
        }
        if !more.isEmpty { lines.append(more) }
        if let width { lines = lines.map { $0.count > width ? String($0.prefix(width - 1)) + "…" : $0 } }
        return lines.joined(separator: "\n")
    }
}

/// `2026-11-22 04:48:47` in the site's local time.
func localTime(_ t: Timestamp, offsetMinutes: Int) -> String {
    let iso = t.iso8601(offsetMinutes: offsetMinutes)
    return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8))
}

/// `+08:00` for 480.
func offsetText(_ minutes: Int) -> String {
    let a = abs(minutes)
    let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
    return (minutes < 0 ? "-" : "+") + two(a / 60) + ":" + two(a % 60)
}
