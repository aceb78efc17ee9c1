import FieldCore
import FieldDevices

/// A profile's command as the console shows it and reads its value: derived from the schema
/// (`CommandSpec`), which also does the checking, so a limit is written once.
extension CommandSpec {
    /// `set-address ADDRESS`, `set-power-limit LIMIT`.
    var consoleUsage: String {
        ([name] + parameters.map { $0.name.uppercased() }).joined(separator: " ")
    }

    /// What it does, and what each parameter takes (`[ADDRESS 1…247]`).
    var consoleSummary: String {
        let takes = parameters.map { "[\($0.name.uppercased()) \($0.allowedText)]" }
        return ([description.isEmpty ? name : description] + takes).joined(separator: " ")
    }

    /// The arguments of a console line's one value, parsed by the parameter's type and checked
    /// by the schema (whole number, range, choices).
    /// - Throws: `UsageError` naming the parameter and what it takes.
    func consoleArguments(_ value: String?) throws -> [String: Double] {
        var arguments: [String: Double] = [:]
        switch (parameters.count, value) {
        case (0, nil):
            break
        case (0, let v?):
            throw UsageError("\(name) takes no value, got \"\(v)\"")
        case (1, nil):
            throw UsageError("\(name) needs \(parameters[0].name.uppercased()) (\(parameters[0].allowedText))")
        case (1, let v?):
            arguments[parameters[0].name] = try parameters[0].consoleValue(v)
        default:
            throw UsageError("\(name) takes \(parameters.count) values; the console gives one (use the platform's runCommand)")
        }
        do {
            _ = try writes(arguments: arguments)
        } catch {
            throw UsageError("\(name): \(error)")
        }
        return arguments
    }
}

extension CommandParameter {
    /// A console word as this parameter's value: decimal or `0x` hex where the parameter is
    /// whole, any decimal number (`2500.75`) where it is not.
    func consoleValue(_ text: String) throws -> Double {
        let lower = text.lowercased()
        if integer, lower.hasPrefix("0x") || lower.hasPrefix("-0x") {
            return Double(try parseInteger(text, name.uppercased(), in: -(1 << 53)...(1 << 53)))
        }
        guard let v = Double(text), v.isFinite else {
            throw UsageError("\(name.uppercased()) \"\(text)\" is not a number (\(allowedText))")
        }
        return v
    }
}

/// An app's command on a console line (`app DEVICE COMMAND [VALUE] [NAME=VALUE…]`), from the
/// same schema the engine checks it by.
extension CommandSpec {
    /// `fan MODE [for=…]`: the required parameters by name in capitals, the others as `name=`.
    var appUsage: String {
        ([name] + parameters.map { $0.required ? $0.name.uppercased() : "[\($0.name)=…]" }).joined(separator: " ")
    }

    /// One line per parameter: `  for  1m…24h, then back to auto`.
    var appParameterLines: [String] {
        parameters.map { p in
            "  " + padded(p.name, 12) + p.allowedText + (p.description.isEmpty ? "" : "; \(p.description)") + (p.required ? "" : " (optional)")
        }
    }

    /// A console line's words after the command as the command's arguments: `NAME=VALUE`
    /// pairs, or one bare value for the first parameter (`fan on`). The values stay words; the
    /// engine reads them by the parameter's type and checks them (ranges, units, choices).
    /// - Throws: `UsageError` for a name the command does not take or a value given twice.
    func appArguments(_ words: [String]) throws -> JSONValue {
        var arguments: [String: JSONValue] = [:]
        for (i, w) in words.enumerated() {
            let key: String, value: String
            if let eq = w.firstIndex(of: "=") {
                (key, value) = (String(w[..<eq]), String(w[w.index(after: eq)...]))
            } else if i == 0, let first = parameters.first {
                (key, value) = (first.name, w)
            } else {
                throw UsageError("\(name): write NAME=VALUE for \"\(w)\" (\(name) takes \(parameters.map(\.name).joined(separator: ", ")))")
            }
            guard parameter(key) != nil else {
                throw UsageError("\(name) has no parameter \"\(key)\" (it takes " + (parameters.isEmpty ? "none" : parameters.map(\.name).joined(separator: ", ")) + ")")
            }
            guard arguments[key] == nil else { throw UsageError("\(name): \(key) given twice") }
            arguments[key] = .string(value)
        }
        return .object(arguments)
    }

    /// Completions for the word being typed: `name=` for each parameter, the first parameter's
    /// words bare, and `name=word` once a name is typed.
    func consoleCompletions(_ partial: String) -> [String] {
        if let eq = partial.firstIndex(of: "="), let p = parameter(String(partial[..<eq])) {
            return p.consoleWords.map { "\(p.name)=\($0)" }
        }
        return parameters.map { "\($0.name)=" } + (parameters.first?.consoleWords ?? [])
    }
}

extension CommandParameter {
    /// The values a console word may complete to: a word's choices, a flag's two values.
    var consoleWords: [String] {
        switch kind {
        case .word(let words): return words
        case .flag: return ["true", "false"]
        case .number: return choices.map { formatNumber($0.value) }
        case .duration, .object: return []
        }
    }
}

/// Prints the declared commands the user's role allows, one by one, then how many more need a
/// higher role (without naming them: listings offer only what the user may run).
/// - Parameter indent: put before that last line, to line up with the listing's own.
func listAllowed(_ commands: [CommandSpec], _ c: CommandContext, indent: String = "", _ show: (CommandSpec) throws -> Void) throws {
    for spec in commands where spec.role <= c.user.role { try show(spec) }
    let hidden = commands.filter { $0.role > c.user.role }
    guard let first = hidden.first else { return }
    let verb = hidden.count == 1 ? "needs" : "need"
    let role = hidden.allSatisfy { $0.role == first.role } ? "the \(first.role.rawValue) role" : "a higher role than \(c.user.role.rawValue)"
    try c.print("\(indent)(\(hidden.count) more \(verb) \(role))")
}
