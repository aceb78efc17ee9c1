/// A command line that cannot be split into words.
package struct TokenizeError: Error, Hashable, Sendable, CustomStringConvertible {
    package var message: String
    /// 1-based character column where the problem starts.
    package var column: Int

    package var description: String { "\(message) (column \(column))" }
}

/// Splits a command line into words like a small shell: blanks separate words; `'single'`
/// quotes keep everything literally; `"double"` quotes allow `\"` and `\\`; outside quotes a
/// backslash keeps the next character literally. Quoted parts next to each other form one word
/// (`a"b c"` is `ab c`); `""` is an empty word. A word that starts with `{` or `[` is JSON and is
/// kept as typed up to its closing bracket, quotes and blanks inside included, so
/// `config set profiles[0] {"id": "my-tx", ...}` works as it reads.
package enum CommandTokenizer {
    /// The words of `line`.
    /// - Throws: an unterminated quote or a backslash at the end, with the column.
    package static func split(_ line: String) throws(TokenizeError) -> [String] {
        let scan = scan(line)
        if let error = scan.error { throw error }
        return scan.words + (scan.inWord ? [scan.current] : [])
    }

    /// For tab completion: the complete words before the cursor and the word being typed (empty
    /// when the cursor follows a blank). Unterminated quotes count as the word being typed.
    package static func splitForCompletion(_ textBeforeCursor: String) -> (words: [String], partial: String) {
        let scan = scan(textBeforeCursor)
        return (scan.words, scan.inWord ? scan.current : "")
    }

    /// True when `line` ends inside a JSON value (`{` or `[` not yet closed): a pasted,
    /// pretty-printed value goes on on the next lines.
    package static func endsInsideJSON(_ line: String) -> Bool {
        scan(line).jsonOpen
    }

    /// Quotes a word so that `split` gives it back unchanged.
    package static func quote(_ word: String) -> String {
        let special: Set<Character> = [" ", "\t", "'", "\"", "\\"]
        guard word.isEmpty || word.contains(where: special.contains) || word.first == "{" || word.first == "[" else { return word }
        var s = "\""
        for c in word {
            if c == "\"" || c == "\\" { s.append("\\") }
            s.append(c)
        }
        return s + "\""
    }

    private struct Scan {
        var words: [String] = []
        var current = ""
        var inWord = false
        var error: TokenizeError?
        var jsonOpen = false
    }

    private static func scan(_ line: String) -> Scan {
        enum Quote { case none, single, double }
        var s = Scan()
        var quote = Quote.none
        var quoteColumn = 0
        var escaped = false
        var column = 0
        // Inside a JSON word: the brackets still open, and whether we are in one of its strings.
        var json: [Character] = []
        var jsonString = false, jsonEscaped = false
        var jsonColumn = 0
        for c in line {
            column += 1
            if !json.isEmpty {
                s.current.append(c)
                if jsonString {
                    if jsonEscaped { jsonEscaped = false } else if c == "\\" { jsonEscaped = true } else if c == "\"" { jsonString = false }
                } else if c == "\"" {
                    jsonString = true
                } else if c == "{" || c == "[" {
                    json.append(c)
                } else if c == "}" || c == "]" {
                    json.removeLast()
                }
                continue
            }
            if escaped {
                if quote == .double && c != "\"" && c != "\\" { s.current.append("\\") }
                s.current.append(c)
                escaped = false
                continue
            }
            switch quote {
            case .single:
                if c == "'" { quote = .none } else { s.current.append(c) }
            case .double:
                if c == "\"" { quote = .none } else if c == "\\" { escaped = true } else { s.current.append(c) }
            case .none:
                switch c {
                case " ", "\t":
                    if s.inWord {
                        s.words.append(s.current)
                        s.current = ""
                        s.inWord = false
                    }
                case "'", "\"":
                    quote = c == "'" ? .single : .double
                    quoteColumn = column
                    s.inWord = true
                case "\\":
                    escaped = true
                    s.inWord = true
                case "{" where !s.inWord, "[" where !s.inWord:
                    json = [c]
                    jsonColumn = column
                    s.current.append(c)
                    s.inWord = true
                default:
                    s.current.append(c)
                    s.inWord = true
                }
            }
        }
        if !json.isEmpty {
            s.jsonOpen = true
            s.error = TokenizeError(message: "unclosed \(json.last == "{" ? "{" : "[") in the JSON value (close every { with } and [ with ])", column: jsonColumn)
        } else if escaped && quote == .none {
            s.error = TokenizeError(message: "a backslash at the end of the line escapes nothing", column: column)
        } else if quote != .none {
            let name = quote == .single ? "single quote (')" : "double quote (\")"
            s.error = TokenizeError(message: "unterminated \(name)", column: quoteColumn)
        }
        return s
    }
}
