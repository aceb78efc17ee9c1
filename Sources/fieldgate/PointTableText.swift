import FieldCore

/// The point table as a text table for `fieldgate points`.
enum PointTableText {
    static func render(_ points: JSONValue) -> String {
        let rows: [[String]] = (points.arrayValue ?? []).map { p in
            let value: String = switch p["value"] {
            case .number(let n)?: formatNumber(n, decimals: 4)
            case .bool(let b)?: b ? "true" : "false"
            case .string(let s)?: s
            default: "—"
            }
            return [p["point"]?.stringValue ?? "?", value, p["unit"]?.stringValue ?? "", p["quality"]?.stringValue ?? "",
                    p["time"]?.stringValue ?? ""]
        }
        let header = ["POINT", "VALUE", "UNIT", "QUALITY", "TIME"]
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
