import FieldCore

/// What a command's argument is, for tab completion.
enum ArgumentKind: Hashable, Sendable {
    case command, device, point, configKey, gpioLine, bus, alarm, deviceAction
    /// The app commands of the device before it; then their `NAME=` arguments and word values.
    case appCommand, appArgument
    case words([String])
    case free
}

/// One console command: its name (one or two words), grammar, help and the role it needs.
struct ConsoleCommand {
    /// `status`, `modbus read`.
    var name: String
    /// The arguments after the name: `BUS UNIT FC ADDR [N]`.
    var synopsis: String
    /// One line for `help`.
    var summary: String
    /// More lines for `help COMMAND`.
    var details: String
    var examples: [String]
    var role: Role
    /// How many positional arguments it takes.
    var arguments: ClosedRange<Int>
    /// `--name VALUE` options and `--name` flags it takes.
    var valued: Set<String> = []
    var flags: Set<String> = []
    /// Completion of each positional argument; the last one repeats when `arguments` allows more.
    var completions: [ArgumentKind] = []
    var run: (Invocation, CommandContext) throws -> Void

    var words: [String] { name.split(separator: " ").map(String.init) }
    var usage: String { synopsis.isEmpty ? name : "\(name) \(synopsis)" }
}

/// A parsed command line: the spec it matched, its positional arguments and options.
struct Invocation {
    let spec: ConsoleCommand
    let positionals: [String]
    let options: [String: String]
    let flags: Set<String>

    init(spec: ConsoleCommand, arguments: [String]) throws {
        self.spec = spec
        let parsed: ParsedArguments
        do {
            parsed = try ParsedArguments(arguments, valued: spec.valued, flags: spec.flags)
        } catch {
            throw UsageError(error.description)
        }
        (positionals, options, flags) = (parsed.positionals, parsed.options, parsed.flags)
        guard spec.arguments.contains(positionals.count) else {
            let want = spec.arguments.lowerBound == spec.arguments.upperBound ? "\(spec.arguments.lowerBound)"
                : spec.arguments.upperBound == Int.max ? "at least \(spec.arguments.lowerBound)"
                : "\(spec.arguments.lowerBound) to \(spec.arguments.upperBound)"
            throw UsageError("\(spec.name) takes \(want) argument\(want == "1" ? "" : "s"), got \(positionals.count)")
        }
    }

    subscript(_ i: Int) -> String? { i < positionals.count ? positionals[i] : nil }

    /// An integer argument, decimal or `0x` hex, within `range`.
    func int(_ i: Int, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard let text = self[i] else { throw UsageError("\(name) is missing") }
        return try parseInteger(text, name, in: range)
    }

    /// A `device.point` argument.
    func point(_ i: Int) throws -> PointRef {
        guard let text = self[i] else { throw UsageError("POINT is missing") }
        guard let p = PointRef(text) else { throw UsageError("\"\(text)\" is not a point: write DEVICE.POINT, e.g. hydrant-main.pressure") }
        return p
    }

    /// A `--name 10s` duration option, within `range`.
    func duration(_ name: String, in range: ClosedRange<Duration>) throws -> Duration? {
        guard let text = options[name] else { return nil }
        guard let d = parseDuration(text), range.contains(d) else {
            throw UsageError("--\(name) \"\(text)\": expected a duration from \(formatDuration(range.lowerBound)) to \(formatDuration(range.upperBound)) like 30s, 10m or 2h")
        }
        return d
    }
}

/// Parses decimal or `0x` hexadecimal.
func parseInteger(_ text: String, _ name: String, in range: ClosedRange<Int>) throws -> Int {
    let value: Int?
    let lower = text.lowercased()
    if lower.hasPrefix("0x") {
        value = Int(lower.dropFirst(2), radix: 16)
    } else if lower.hasPrefix("-0x") {
        value = Int(lower.dropFirst(3), radix: 16).map { -$0 }
    } else {
        value = Int(lower)
    }
    guard let v = value else { throw UsageError("\(name) \"\(text)\" is not a number (decimal, or hex like 0x1F)") }
    guard range.contains(v) else { throw UsageError("\(name) \(text) is out of range \(range.lowerBound)..\(range.upperBound)") }
    return v
}
