/// Rows of text in aligned columns (widths by display columns, so CJK names line up).
struct TextTable {
    private var rows: [[String]]

    init(_ header: [String]) { rows = [header] }

    mutating func add(_ row: [String]) { rows.append(row) }

    var lines: [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for r in rows {
            for (i, cell) in r.enumerated() { widths[i] = max(widths[i], displayWidth(cell)) }
        }
        return rows.map { r in
            var line = ""
            for (i, cell) in r.enumerated() {
                line += i == r.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - displayWidth(cell) + 2)
            }
            return line
        }
    }
}
