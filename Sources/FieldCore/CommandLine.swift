/// A command line split into positionals and `--options`, for the small CLIs of `fieldgate`,
/// `fieldsim` and `fieldbench`. Errors name the option and say what was expected.
public struct ParsedArguments: Sendable {
    public var positionals: [String] = []
    public var options: [String: String] = [:]
    public var flags: Set<String> = []

    /// - Parameters:
    ///   - arguments: the words after the subcommand.
    ///   - valued: options that take a value (`--site FILE`); `--site=FILE` also works.
    ///   - flags: options without a value (`--json`).
    public init(_ arguments: [String], valued: Set<String>, flags allowed: Set<String>) throws(UsageError) {
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
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ message: String) { description = message }
}
