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
    /// `1…247`, `2400, 4800, 9600`, `0…5000 W, fractional`.
    var allowedText: String {
        let values = choices.isEmpty
            ? range.map { "\(formatNumber($0.lowerBound))…\(formatNumber($0.upperBound))" } ?? "any number"
            : choices.map { formatNumber($0.value) }.joined(separator: ", ")
        return values + (unit.isEmpty ? "" : " \(unit)") + (integer || !choices.isEmpty ? "" : ", fractional")
    }

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
