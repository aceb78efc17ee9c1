import FieldCore

/// A control reply as text for a person (`fieldsim ctl show`, `status`; `--json` keeps the raw
/// reply): one `key: value` per line, nested objects indented, lists of scalars on one line,
/// objects of scalars as `name=value` pairs wrapped at 80 columns.
package enum ControlText {
    package static func render(_ value: JSONValue) -> String {
        lines(value, indent: "").joined(separator: "\n")
    }

    private static func lines(_ value: JSONValue, indent: String) -> [String] {
        switch value {
        case .object(let o):
            var out: [String] = []
            for key in o.keys.sorted(by: naturalOrder) {
                let v = o[key]!
                if let s = scalar(v) {
                    out.append("\(indent)\(key): \(s)")
                } else if let list = v.arrayValue, case let words = list.compactMap(scalar), words.count == list.count {
                    out += wrapped(words.isEmpty ? ["(none)"] : words, head: "\(indent)\(key): ", separator: ", ")
                } else if let fields = v.objectValue, let pairs = pairs(fields) {
                    out += wrapped(pairs.isEmpty ? ["(none)"] : pairs, head: "\(indent)\(key): ", separator: "  ")
                } else {
                    out.append("\(indent)\(key):")
                    out += lines(v, indent: indent + "  ")
                }
            }
            return out
        case .array(let a):
            return a.flatMap { item -> [String] in
                if let fields = item.objectValue, let p = pairs(fields) {
                    return wrapped(p, head: indent + "- ", separator: "  ")
                }
                let inner = lines(item, indent: indent + "  ")
                guard let first = inner.first else { return [] }
                return [indent + "- " + first.dropFirst(indent.count + 2)] + inner.dropFirst()
            }
        default:
            return [indent + (scalar(value) ?? "")]
        }
    }

    /// `name=value` for an object of scalars (names in order); nil when a value is not a scalar.
    private static func pairs(_ fields: [String: JSONValue]) -> [String]? {
        var out: [String] = []
        for key in fields.keys.sorted(by: naturalOrder) {
            guard let s = scalar(fields[key]!) else { return nil }
            out.append("\(key)=\(s)")
        }
        return out
    }

    private static func scalar(_ v: JSONValue) -> String? {
        switch v {
        case .null: return "-"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return formatNumber(n, decimals: 4)
        case .string(let s): return s
        default: return nil
        }
    }

    /// `words` after `head`, continued on lines indented to `head`'s width, at most 80 columns.
    private static func wrapped(_ words: [String], head: String, separator: String) -> [String] {
        var out: [String] = []
        var line = head
        let indent = String(repeating: " ", count: head.count)
        for (i, w) in words.enumerated() {
            let piece = w + (i == words.count - 1 ? "" : separator.trimmingTrailingBlanks)
            if line != head, line != indent, line.count + 1 + piece.count > 80 {
                out.append(line)
                line = indent
            }
            line += (line == head || line == indent ? "" : String(repeating: " ", count: separator.count - separator.trimmingTrailingBlanks.count)) + piece
        }
        out.append(line)
        return out
    }
}

/// `DI2` before `DI10`: names compared with their numbers as numbers.
private func naturalOrder(_ a: String, _ b: String) -> Bool {
    func parts(_ s: String) -> [(String, Int)] {
        var out: [(String, Int)] = []
        var text = "", digits = ""
        for c in s {
            if c.isASCII, c.isNumber {
                digits.append(c)
            } else {
                if !digits.isEmpty {
                    out.append((text, Int(digits) ?? 0))
                    (text, digits) = ("", "")
                }
                text.append(c)
            }
        }
        out.append((text, Int(digits) ?? -1))
        return out
    }
    let (x, y) = (parts(a), parts(b))
    for (p, q) in zip(x, y) where p != q { return p.0 != q.0 ? p.0 < q.0 : p.1 < q.1 }
    return x.count < y.count
}

private extension String {
    var trimmingTrailingBlanks: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
