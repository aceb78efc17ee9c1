/// Strict JSON (RFC 8259) to `JSONValue`, with the line and column of the first error.
///
/// Site files, profiles, RPC payloads and local-API requests come from outside; Foundation's
/// decoder names no place for many errors, accepts some that are not JSON and lets the last of two
/// equal keys win silently. This parser refuses trailing commas, duplicate keys, numbers outside
/// `Double`'s range and nesting deeper than `maxDepth` (recursion must not exhaust the stack),
/// and says where.
struct JSONParser {
    /// Deeper documents are refused: far beyond any site file, far below what the stack takes.
    static let maxDepth = 128

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The whole document: one value, with only whitespace around it.
    mutating func document() throws(JSONSyntaxError) -> JSONValue {
        // A UTF-8 byte order mark is not JSON, but editors on Windows write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        guard index < bytes.count else { throw error("the document is empty") }
        let v = try value()
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected \(describeHere()) after the end of the document") }
        return v
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of the document (a value is missing)") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected \(describeHere()) where a value should be")
        }
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            depth -= 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                throw error(peek(UInt8(ascii: "}")) ? "trailing comma before '}'" : "expected a key in double quotes, found \(describeHere())")
            }
            let keyStart = index
            let key = try string()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after the key \"\(key)\", found \(describeHere())") }
            index += 1
            skipWhitespace()
            let v = try value()
            guard fields.updateValue(v, forKey: key) == nil else { throw error("duplicate key \"\(key)\"", at: keyStart) }
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { index += 1; continue }
            if peek(UInt8(ascii: "}")) { index += 1; break }
            throw error("expected ',' or '}' after the value of \"\(key)\", found \(describeHere())")
        }
        depth -= 1
        return .object(fields)
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            if peek(UInt8(ascii: "]")) { throw error("trailing comma before ']'") }
            items.append(try value())
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { index += 1; continue }
            if peek(UInt8(ascii: "]")) { index += 1; break }
            throw error("expected ',' or ']' after item \(items.count - 1), found \(describeHere())")
        }
        depth -= 1
        return .array(items)
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > JSONParser.maxDepth { throw error("nested deeper than \(JSONParser.maxDepth) levels") }
    }

    private mutating func literal(_ word: String, _ v: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        let w = Array(word.utf8)
        guard bytes.count - index >= w.count, Array(bytes[index..<index + w.count]) == w else {
            throw error("unexpected \(describeHere()) where a value should be")
        }
        index += w.count
        return v
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        func digits() -> Int {
            let s = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - s
        }
        if peek(UInt8(ascii: "-")) { index += 1 }
        let intStart = index
        let intDigits = digits()
        guard intDigits > 0 else { throw error("expected a digit after '-'") }
        if intDigits > 1, bytes[intStart] == UInt8(ascii: "0") { throw error("a number may not start with 0 (\"0\(intDigits > 1 ? "…" : "")\")", at: intStart) }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard digits() > 0 else { throw error("expected a digit after '.'") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw error("expected a digit in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let n = Double(text), n.isFinite else { throw error("the number \(text) is out of range", at: start) }
        return .number(n)
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        let start = index
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("unterminated string (no closing '\"')", at: start) }
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                // Invalid UTF-8 in a key or value would be turned into U+FFFD silently.
                let s = String(decoding: out, as: UTF8.self)
                guard s.utf8.elementsEqual(out) else { throw error("the string is not valid UTF-8", at: start) }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unterminated string (no closing '\"')", at: start) }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out += Array(String(try unicodeEscape()).utf8)
                default:
                    index -= 2
                    throw error("unknown escape \\\(Character(Unicode.Scalar(e)))")
                }
            case 0..<0x20:
                throw error("a control character (0x\(String(b, radix: 16))) in a string must be escaped")
            default:
                out.append(b)
                index += 1
            }
        }
    }

    /// After `\u`: four hex digits, and a second escape for a surrogate pair.
    private mutating func unicodeEscape() throws(JSONSyntaxError) -> Character {
        let escapeStart = index - 2
        func hex4() -> UInt32? {
            guard bytes.count - index >= 4 else { return nil }
            let text = String(decoding: bytes[index..<index + 4], as: UTF8.self)
            guard let v = UInt32(text, radix: 16), text.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }) else { return nil }
            index += 4
            return v
        }
        guard let high = hex4() else { throw error("\\u must be followed by 4 hex digits", at: escapeStart) }
        var scalar = high
        if (0xD800...0xDBFF).contains(high) {
            guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw error("\\u\(String(high, radix: 16)) is half a surrogate pair", at: escapeStart)
            }
            index += 2
            guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { throw error("\\u\(String(high, radix: 16)) is half a surrogate pair", at: escapeStart) }
            scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let u = Unicode.Scalar(scalar) else { throw error("\\u\(String(high, radix: 16)) is half a surrogate pair", at: escapeStart) }
        return Character(u)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private func peek(_ b: UInt8) -> Bool { index < bytes.count && bytes[index] == b }

    private func describeHere() -> String {
        guard index < bytes.count else { return "end of the document" }
        let b = bytes[index]
        if b >= 0x21, b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    /// An error at `offset` (default: here), with 1-based line and column (columns count characters).
    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let at = min(offset ?? index, bytes.count)
        var line = 1, lineStart = 0
        for i in 0..<at where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        // UTF-8 continuation bytes are not columns of their own.
        let column = 1 + bytes[lineStart..<at].filter { $0 & 0xC0 != 0x80 }.count
        return JSONSyntaxError(message: message, line: line, column: column)
    }
}
