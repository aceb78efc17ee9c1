/// What a terminal shows after a byte stream: enough of a VT100 for the editor's output (text,
/// wide characters, CR, LF, BS, BEL, `ESC[K`, `ESC[nC`, `ESC[nD`; other sequences are skipped).
struct ScreenModel {
    /// Cells of each row; a wide character's second cell is `nil`.
    private var rows: [[Unicode.Scalar?]] = [[]]
    private(set) var column = 0
    private(set) var escapeSequences = 0

    init(_ bytes: [UInt8]) {
        var it = String(decoding: bytes, as: UTF8.self).unicodeScalars.makeIterator()
        while let c = it.next() {
            switch c {
            case "\r": column = 0
            case "\n":
                rows.append([])
                column = 0
            case "\u{08}": column = max(0, column - 1)
            case "\u{07}": break
            case "\u{1B}":
                escapeSequences += 1
                guard let next = it.next(), next == "[" else { break }
                var params = ""
                while let p = it.next() {
                    if (0x40...0x7E).contains(p.value) {
                        apply(p, params)
                        break
                    }
                    params.unicodeScalars.append(p)
                }
            default: put(c)
            }
        }
    }

    private static func isWide(_ c: Unicode.Scalar) -> Bool { (0x1100...0x115F).contains(c.value) || (0x2E80...0xFFE6).contains(c.value) && !(0xD800...0xF8FF).contains(c.value) }

    private mutating func put(_ c: Unicode.Scalar) {
        var row = rows[rows.count - 1]
        let cells: [Unicode.Scalar?] = Self.isWide(c) ? [c, nil] : [c]
        for cell in cells {
            while row.count < column { row.append(" ") }
            if column < row.count { row[column] = cell } else { row.append(cell) }
            column += 1
        }
        rows[rows.count - 1] = row
    }

    private mutating func apply(_ final: Unicode.Scalar, _ params: String) {
        let n = Int(params) ?? 1
        switch final {
        case "K":
            if column < rows[rows.count - 1].count { rows[rows.count - 1].removeSubrange(column...) }
        case "C": column += n
        case "D": column = max(0, column - n)
        default: break
        }
    }

    private static func render(_ row: [Unicode.Scalar?]) -> String {
        var s = String(String.UnicodeScalarView(row.compactMap { $0 }))
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }

    /// The row the cursor is on, trailing blanks removed.
    var currentLine: String { Self.render(rows[rows.count - 1]) }

    /// Every row, trailing blanks removed.
    var text: [String] { rows.map(Self.render) }
}
