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

    /// The lines fitted to `width` columns: when a row is too wide, its last column (a message,
    /// a source) goes on between words on lines indented to that column, instead of the terminal
    /// wrapping it mid-word. A table whose other columns alone do not fit is left as it is.
    func lines(fitting width: Int) -> [String] {
        let plain = lines
        guard plain.contains(where: { displayWidth($0) > width - 1 }), let columns = rows.map(\.count).max(), columns > 1 else { return plain }
        var widths = [Int](repeating: 0, count: columns)
        for r in rows {
            for (i, cell) in r.enumerated() { widths[i] = max(widths[i], displayWidth(cell)) }
        }
        let lastStart = widths.dropLast().reduce(0) { $0 + $1 + 2 }
        guard lastStart < width - 12 else { return plain }
        let indent = String(repeating: " ", count: lastStart)
        return plain.flatMap { line -> [String] in
            guard displayWidth(line) > width - 1 else { return [line] }
            return wrapped(line, width: width - 1, indent: indent, keepingFirst: lastStart)
        }
    }
}

/// `line` whose first `keepingFirst` columns (aligned cells) stay as they are, and whose rest is
/// wrapped between words into lines of `width` columns, continued after `indent`.
private func wrapped(_ line: String, width: Int, indent: String, keepingFirst: Int) -> [String] {
    var head = "", column = 0
    var rest = Substring(line)
    while column < keepingFirst, let c = rest.first {
        head.append(c)
        column += displayWidth(String(c))
        rest = rest.dropFirst()
    }
    var out: [String] = []
    var current = head
    var empty = true
    for word in rest.split(separator: " ") {
        if !empty, displayWidth(current) + 1 + displayWidth(String(word)) > width {
            out.append(current)
            current = indent + word
        } else {
            current += (empty ? "" : " ") + word
        }
        empty = false
    }
    out.append(current)
    return out
}
