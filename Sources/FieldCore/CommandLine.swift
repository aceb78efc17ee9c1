/// A command line split into positionals and `--options`, for the small CLIs of `fieldgate`,
/// `fieldsim` and `fieldbench`. Errors name the option and say what was expected.
package struct ParsedArguments: Sendable {
    package var positionals: [String] = []
    package var options: [String: String] = [:]
    package var flags: Set<String> = []

    /// - Parameters:
    ///   - arguments: the words after the subcommand.
    ///   - valued: options that take a value (`--site FILE`); `--site=FILE` also works.
    ///   - flags: options without a value (`--json`).
    package init(_ arguments: [String], valued: Set<String>, flags allowed: Set<String>) throws(UsageError) {
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            i += 1
            guard a.hasPrefix("--"), a.count > 2 else {
                positionals.append(a)
                continue
            }
            var name = String(a.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if allowed.contains(name) {
                guard inline == nil else { throw UsageError("--\(name) takes no value") }
                flags.insert(name)
            } else if valued.contains(name) {
                if let inline {
                    options[name] = inline
                } else {
                    guard i < arguments.count else { throw UsageError("--\(name) needs a value") }
                    options[name] = arguments[i]
                    i += 1
                }
            } else {
                let known = (valued.union(allowed)).sorted().map { "--" + $0 }.joined(separator: ", ")
                throw UsageError("unknown option --\(name)" + (known.isEmpty ? "" : " (expected one of: \(known))"))
            }
        }
    }
}

/// A command line that cannot be run as given.
package struct UsageError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ message: String) { description = message }
}
