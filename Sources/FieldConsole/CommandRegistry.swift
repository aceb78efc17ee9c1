import FieldCore

/// Every console command, found by its first one or two words.
struct CommandRegistry {
    private(set) var specs: [ConsoleCommand] = []
    /// Group summaries (`modbus`: "raw Modbus access …") for `help`.
    private(set) var groups: [String: String] = [:]
    /// Other names for commands (`exit` → `logout`).
    private(set) var aliases: [String: String] = [:]

    mutating func add(_ spec: ConsoleCommand) { specs.append(spec) }
    mutating func group(_ name: String, _ summary: String) { groups[name] = summary }
    mutating func alias(_ name: String, for target: String) { aliases[name] = target }

    /// What a line's words resolve to.
    enum Resolution {
        case command(ConsoleCommand, arguments: [String])
        case unknown(String)
    }

    func resolve(_ words: [String]) -> Resolution {
        guard var first = words.first else { return .unknown("empty line") }
        first = aliases[first] ?? first
        if groups[first] != nil {
            let subs = subcommands(of: first)
            if words.count >= 2, let spec = subs.first(where: { $0.words[1] == words[1] }) {
                return .command(spec, arguments: Array(words.dropFirst(2)))
            }
            // A group may also be a command of its own (`date` and `date set`).
            if let spec = specs.first(where: { $0.name == first }) {
                return .command(spec, arguments: Array(words.dropFirst()))
            }
            guard words.count >= 2 else {
                return .unknown("\(first) needs a subcommand: \(subs.map { $0.words[1] }.joined(separator: ", "))")
            }
            let close = suggestion(words[1], among: subs.map { $0.words[1] })
            return .unknown("\(first) has no subcommand \"\(words[1])\"\(close); it has: \(subs.map { $0.words[1] }.joined(separator: ", "))")
        }
        if let spec = specs.first(where: { $0.name == first }) {
            return .command(spec, arguments: Array(words.dropFirst()))
        }
        return .unknown("unknown command \"\(first)\"\(suggestion(first, among: topLevelNames)); type help for the list")
    }

    /// Top-level words: single commands and group names.
    var topLevelNames: [String] {
        Array(Set(specs.map { $0.words[0] })).sorted()
    }

    func subcommands(of group: String) -> [ConsoleCommand] {
        specs.filter { $0.words.count == 2 && $0.words[0] == group }
    }

    func spec(named name: String) -> ConsoleCommand? { specs.first { $0.name == name } }

    private func suggestion(_ word: String, among names: [String]) -> String {
        let close = names.filter { editDistance($0, word) <= max(1, word.count / 3) || $0.hasPrefix(word) }
        return close.isEmpty ? "" : " (did you mean \(close.prefix(3).map { "\"\($0)\"" }.joined(separator: ", "))?)"
    }

    // MARK: Help

    /// `help`: the commands `role` may run, by group, fitted to `width` columns (a summary
    /// that does not fit goes on under its usage, wrapped between words).
    func overview(for role: Role, width: Int) -> [String] {
        overviewEntries(for: role).flatMap { e -> [String] in
            guard let summary = e.summary else { return [e.head] }
            let line = e.head + summary
            guard displayWidth(line) > width - 1 else { return [line] }
            // The summary goes on in its own column, between words; after a usage too long for
            // that column, on the next line.
            let column = String(repeating: " ", count: max(8, min(e.column, width - 30)))
            let summaryLines = wrapped(summary, width: max(20, width - 1 - column.count), indent: "")
            var head = Substring(e.head)
            while head.last == " " { head = head.dropLast() }
            if displayWidth(String(head)) < column.count {
                let padded = head + String(repeating: " ", count: column.count - displayWidth(String(head)))
                return summaryLines.enumerated().map { ($0.offset == 0 ? String(padded) : column) + $0.element }
            }
            return [String(head)] + summaryLines.map { column + $0 }
        }
    }

    /// `help`: the commands `role` may run, by group.
    func overview(for role: Role) -> [String] {
        overviewEntries(for: role).map { $0.head + ($0.summary ?? "") }
    }

    /// The lines of `help`: a command's indented, padded usage (`head`) and its summary, which
    /// starts at `column`; headings have no summary.
    private func overviewEntries(for role: Role) -> [(head: String, summary: String?, column: Int)] {
        var lines: [(head: String, summary: String?, column: Int)] = [("commands (help COMMAND for details and examples):", nil, 0)]
        var hidden = 0
        for name in topLevelNames {
            if let summary = groups[name] {
                let subs = specs.filter { $0.name == name } + subcommands(of: name)
                let allowed = subs.filter { $0.role <= role }
                hidden += subs.count - allowed.count
                guard !allowed.isEmpty else { continue }
                lines.append(("  " + padded(name, 16), summary, 18))
                for s in allowed { lines.append(("    " + padded(s.usage, 40), s.summary, 44)) }
            } else if let s = spec(named: name) {
                guard s.role <= role else {
                    hidden += 1
                    continue
                }
                lines.append(("  " + padded(s.usage, 42), s.summary, 44))
            }
        }
        if hidden > 0 { lines.append(("(\(hidden) more need a higher role than \(role.rawValue))", nil, 0)) }
        return lines
    }

    /// `help COMMAND` fitted to `width` columns: details wrapped between words, and the
    /// examples' placeholder buses (`rs485-1`, `rs485-2`) replaced by the site's own buses.
    func help(for words: [String], width: Int, buses: [String]) -> [String]? {
        guard let lines = help(for: words) else { return nil }
        return lines.flatMap { line -> [String] in
            var line = line
            if line.hasPrefix("  "), !buses.isEmpty {
                line = line.replacing("rs485-1", with: buses[0]).replacing("rs485-2", with: buses[1 % buses.count])
            }
            return displayWidth(line) < width ? [line] : wrapped(line, width: width - 1, indent: line.hasPrefix("  ") ? "    " : "")
        }
    }

    /// `help COMMAND`: usage, role, details and examples; nil when there is no such command.
    func help(for words: [String]) -> [String]? {
        guard let first = words.first.map({ aliases[$0] ?? $0 }) else { return nil }
        if groups[first] != nil && words.count == 1 {
            var lines = ["\(first): \(groups[first] ?? "")"]
            for s in specs.filter({ $0.name == first }) + subcommands(of: first) { lines.append("  " + padded(s.usage, 40) + "\(s.summary) [\(s.role.rawValue)]") }
            lines.append("help \(first) SUBCOMMAND for details")
            return lines
        }
        guard case .command(let s, _) = resolve(Array(words.prefix(2))) else { return nil }
        var lines = ["usage: \(s.usage)", s.summary, "role: \(s.role.rawValue) or above"]
        // Details are one paragraph; the session wraps it to the terminal's width.
        if !s.details.isEmpty { lines += ["", s.details.split(separator: "\n").joined(separator: " ")] }
        if !s.examples.isEmpty { lines += ["", "examples:"] + s.examples.map { "  " + $0 } }
        return lines
    }
}

/// `s` padded with spaces to `width` columns (at least one space after it).
func padded(_ s: String, _ width: Int) -> String {
    let w = displayWidth(s)
    return s + String(repeating: " ", count: max(1, width - w))
}

/// `text` broken between words into lines of at most `width` columns; its leading blanks stay,
/// lines after the first start with `indent`. A word longer than a line is left whole, on the
/// line it starts on.
func wrapped(_ text: String, width: Int, indent: String) -> [String] {
    let lead = String(text.prefix { $0 == " " })
    var lines: [String] = []
    var line = lead
    var empty = true
    for word in text.dropFirst(lead.count).split(separator: " ") {
        // A word wider than a line stays where it is: breaking before it would not help.
        let w = displayWidth(String(word))
        if !empty, w <= width - indent.count, displayWidth(line) + 1 + w > width {
            lines.append(line)
            line = indent + word
        } else {
            line += (empty ? "" : " ") + word
        }
        empty = false
    }
    lines.append(line)
    return lines
}
