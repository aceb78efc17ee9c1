import FieldCore

/// An app's command checked against its declaration, once, before the app sees it: the engine
/// does this for the console and the platform alike, so an app receives only arguments of the
/// declared names, types and ranges.
extension CommandSpec {
    /// `arguments` as the app receives them: an object of declared parameters, numbers as
    /// numbers, durations as `"30m"`, flags as booleans. A bare value (the console's `fan on`)
    /// stands for the first parameter.
    /// - Throws: `CommandSpecError` naming the argument and what it takes.
    package func checked(arguments: JSONValue) throws(CommandSpecError) -> JSONValue {
        var given: [String: JSONValue]
        switch arguments {
        case .null: given = [:]
        case .object(let o): given = o
        default:
            guard let first = parameters.first else {
                throw .badArgument(parameter: name, "takes no arguments, got \(arguments.serialized())")
            }
            given = [first.name: arguments]
        }
        for key in given.keys.sorted() where parameter(key) == nil {
            let names = parameters.map(\.name)
            throw .badArgument(parameter: key, "no such argument (\(name) takes " + (names.isEmpty ? "none" : names.joined(separator: ", ")) + ")")
        }
        var out: [String: JSONValue] = [:]
        for p in parameters {
            guard let v = given[p.name], v != .null else {
                if p.required { throw .missingArgument(parameter: p.name) }
                continue
            }
            out[p.name] = try p.checked(v)
        }
        return .object(out)
    }
}

extension CommandParameter {
    /// One argument as its kind takes it; words from a console line (`"40"`, `"true"`) count.
    func checked(_ v: JSONValue) throws(CommandSpecError) -> JSONValue {
        switch kind {
        case .number:
            guard let n = v.numberValue ?? v.stringValue.flatMap({ Double($0) }) else {
                throw .badArgument(parameter: name, "expected a number (\(allowedText)), got \(v.serialized())")
            }
            _ = try resolve(n).get()
            return .number(n)
        case .word(let words):
            guard let s = v.stringValue, words.isEmpty ? isIdentifier(s) : words.contains(s) else {
                throw .badArgument(parameter: name, "expected " + (words.isEmpty ? "a name" : "one of \(words.joined(separator: ", "))") + ", got \(v.serialized())")
            }
            return .string(s)
        case .duration(let range):
            let d: Duration
            switch v {
            case .number(let n):
                // Past what a duration can hold is out of range, not a crash (seconds → ms).
                guard let checked = Duration(checkedSeconds: n) else {
                    throw .badArgument(parameter: name, "\(v.serialized()) is out of range (expected \(allowedText))")
                }
                d = checked
            case .string(let s):
                do throws(DurationTextError) {
                    d = try parseDurationChecked(s)
                } catch .tooLong {
                    throw .badArgument(parameter: name, "\(v.serialized()) is out of range (expected \(allowedText))")
                } catch {
                    throw .badArgument(parameter: name, "expected a duration such as \"30m\" or \"2h\", got \(v.serialized())")
                }
            default:
                throw .badArgument(parameter: name, "expected a duration such as \"30m\" or \"2h\", got \(v.serialized())")
            }
            guard range.contains(d) else {
                throw .badArgument(parameter: name, "\(formatDuration(d)) is out of range (expected \(allowedText))")
            }
            return .string(formatDuration(d))
        case .flag:
            if let b = v.boolValue { return .bool(b) }
            if let s = v.stringValue, s == "true" || s == "false" { return .bool(s == "true") }
            throw .badArgument(parameter: name, "expected true or false, got \(v.serialized())")
        case .object:
            guard case .object = v else { throw .badArgument(parameter: name, "expected an object, got \(v.serialized())") }
            return v
        }
    }

    /// What the parameter takes, as help and errors print it: `1…247`, `2400, 4800, 9600`,
    /// `0…5000 W, fractional`, `on, off, auto`, `1m…24h`, `true or false`.
    package var allowedText: String {
        switch kind {
        case .number:
            let values = choices.isEmpty
                ? range.map { "\(formatNumber($0.lowerBound))…\(formatNumber($0.upperBound))" } ?? "any number"
                : choices.map { formatNumber($0.value) }.joined(separator: ", ")
            return values + (unit.isEmpty ? "" : " \(unit)") + (integer || !choices.isEmpty ? "" : ", fractional")
        case .word(let words): return words.isEmpty ? "a name" : words.joined(separator: ", ")
        case .duration(let r): return "\(formatDuration(r.lowerBound))…\(formatDuration(r.upperBound))"
        case .flag: return "true or false"
        case .object: return "an object"
        }
    }
}
