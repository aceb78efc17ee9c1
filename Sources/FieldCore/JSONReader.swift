/// A location in a JSON document, printed as `devices[3].points[2].type`.
package struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    package enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    package var components: [Component]

    package init(_ components: [Component] = []) { self.components = components }

    package static let root = JSONPath()

    package func key(_ k: String) -> JSONPath { JSONPath(components + [.key(k)]) }
    package func index(_ i: Int) -> JSONPath { JSONPath(components + [.index(i)]) }

    package var description: String {
        guard !components.isEmpty else { return "(top level)" }
        var s = ""
        for c in components {
            switch c {
            case .key(let k): s += s.isEmpty ? k : "." + k
            case .index(let i): s += "[\(i)]"
            }
        }
        return s
    }
}

/// One thing wrong in a JSON document: where, and what was expected.
package struct ConfigIssue: Hashable, Sendable, CustomStringConvertible {
    package var path: JSONPath
    package var message: String

    package init(path: JSONPath, message: String) {
        self.path = path
        self.message = message
    }

    package var description: String { "\(path): \(message)" }
}

/// Every problem found in one document, all at once.
package struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The file (or "RPC payload", "console") the document came from.
    package var source: String
    package var issues: [ConfigIssue]

    package init(source: String, issues: [ConfigIssue]) {
        self.source = source
        self.issues = issues
    }

    package var description: String {
        let noun = issues.count == 1 ? "error" : "errors"
        return "\(source): \(issues.count) \(noun)\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// Collects issues while a JSON tree is read into typed values. Every accessor returns nil (and
/// records an issue naming the path) when a value is missing or wrong, so one pass reports all
/// errors. Not thread-safe: one reader per document.
package final class JSONReader {
    package private(set) var issues: [ConfigIssue] = []

    package init() {}

    package func report(_ path: JSONPath, _ message: String) {
        issues.append(ConfigIssue(path: path, message: message))
    }

    /// Reads `value` as an object; reports and returns nil when it is not one.
    package func object(_ value: JSONValue, at path: JSONPath = .root) -> JSONObjectReader? {
        guard case .object(let fields) = value else {
            report(path, "expected an object, got \(value.kindDescription)")
            return nil
        }
        return JSONObjectReader(reader: self, path: path, fields: fields)
    }

    /// Throws a `ConfigError` with every issue found, if there was any.
    package func check(source: String) throws(ConfigError) {
        if !issues.isEmpty { throw ConfigError(source: source, issues: issues) }
    }
}

/// The fields of one JSON object. Call `finish()` after reading to report unknown keys.
package final class JSONObjectReader {
    package let reader: JSONReader
    package let path: JSONPath
    package let fields: [String: JSONValue]
    private var known: Set<String> = []

    init(reader: JSONReader, path: JSONPath, fields: [String: JSONValue]) {
        self.reader = reader
        self.path = path
        self.fields = fields
    }

    package func has(_ key: String) -> Bool { fields[key] != nil && fields[key] != .null }

    /// Marks keys as allowed without reading them (read elsewhere, or ignored on purpose).
    package func allow(_ keys: String...) { known.formUnion(keys) }

    /// Reports every key that was neither read nor allowed, with a suggestion for near misses.
    /// Each key is reported once, however often `finish()` is called (an app's factory and the
    /// runtime both call it).
    package func finish() {
        let unknown = fields.keys.sorted().filter { !known.contains($0) }
        defer { known.formUnion(unknown) }
        for key in unknown {
            var message = "unknown key"
            if let near = known.min(by: { editDistance($0, key) < editDistance($1, key) }), editDistance(near, key) <= 2 {
                message += " (did you mean \"\(near)\"?)"
            } else if !known.isEmpty {
                message += " (expected one of: \(known.sorted().joined(separator: ", ")))"
            }
            reader.report(path.key(key), message)
        }
    }

    /// The raw value of `key`; reports a missing required key.
    package func value(_ key: String, required: Bool = false) -> JSONValue? {
        known.insert(key)
        guard let v = fields[key], v != .null else {
            if required { reader.report(path.key(key), "missing (required)") }
            return nil
        }
        return v
    }

    /// Reads `key` with a custom conversion that returns nil after reporting through `reader`.
    package func decode<T>(_ key: String, required: Bool = false, _ convert: (JSONValue, JSONPath) -> T?) -> T? {
        guard let v = value(key, required: required) else { return nil }
        return convert(v, path.key(key))
    }

    package func string(_ key: String, required: Bool = false, oneOf allowed: [String]? = nil) -> String? {
        decode(key, required: required) { v, p in
            guard case .string(let s) = v else {
                reader.report(p, "expected a string, got \(v.kindDescription)")
                return nil
            }
            if let allowed, !allowed.contains(s) {
                reader.report(p, "\"\(s)\" is not allowed (expected one of: \(allowed.joined(separator: ", ")))")
                return nil
            }
            return s
        }
    }

    /// A device, bus, point or signal id: 1–64 of `A–Z a–z 0–9 _ -`.
    package func identifier(_ key: String, required: Bool = false) -> String? {
        decode(key, required: required) { v, p in
            guard case .string(let s) = v else {
                reader.report(p, "expected an id (string), got \(v.kindDescription)")
                return nil
            }
            guard isIdentifier(s) else {
                reader.report(p, "\"\(s)\" is not a valid id (1–64 letters, digits, '-' or '_', starting with a letter or digit)")
                return nil
            }
            return s
        }
    }

    package func bool(_ key: String, required: Bool = false) -> Bool? {
        decode(key, required: required) { v, p in
            guard case .bool(let b) = v else {
                reader.report(p, "expected true or false, got \(v.kindDescription)")
                return nil
            }
            return b
        }
    }

    package func double(_ key: String, required: Bool = false, range: ClosedRange<Double>? = nil) -> Double? {
        decode(key, required: required) { v, p in
            guard case .number(let n) = v, n.isFinite else {
                reader.report(p, "expected a number, got \(v.kindDescription)")
                return nil
            }
            if let range, !range.contains(n) {
                reader.report(p, "\(formatNumber(n)) is out of range (expected \(formatNumber(range.lowerBound))…\(formatNumber(range.upperBound)))")
                return nil
            }
            return n
        }
    }

    package func int(_ key: String, required: Bool = false, range: ClosedRange<Int>? = nil) -> Int? {
        decode(key, required: required) { v, p in
            guard case .number(let n) = v, n == n.rounded() else {
                reader.report(p, "expected an integer, got \(v.kindDescription == "a number" ? formatNumber(v.numberValue!) : v.kindDescription)")
                return nil
            }
            guard abs(n) < 9e15 else {
                let bounds = range.map { "\($0.lowerBound)…\($0.upperBound)" } ?? "-9e15…9e15"
                reader.report(p, "\(formatNumber(n)) is out of range (expected \(bounds))")
                return nil
            }
            let i = Int(n)
            if let range, !range.contains(i) {
                reader.report(p, "\(i) is out of range (expected \(range.lowerBound)…\(range.upperBound))")
                return nil
            }
            return i
        }
    }

    /// A duration: a string with a unit (`"500ms"`, `"1.5s"`, `"10m"`, `"2h"`, `"1d"`) or a number of seconds.
    package func duration(_ key: String, required: Bool = false, range: ClosedRange<Duration>? = nil) -> Duration? {
        decode(key, required: required) { v, p -> Duration? in
            let d: Duration?
            switch v {
            case .number(let n) where n.isFinite && n >= 0:
                d = Duration(checkedSeconds: n)
                if d == nil { reportTooLong(formatNumber(n), range: range, at: p); return nil }
            case .string(let s):
                do { d = try parseDurationChecked(s) } catch DurationTextError.tooLong {
                    reportTooLong("\"\(s)\"", range: range, at: p)
                    return nil
                } catch { d = nil }
            default: d = nil
            }
            guard let d else {
                reader.report(p, "expected a duration such as \"500ms\", \"30s\", \"10m\" or \"2h\", got \(v.kindDescription == "a string" ? "\"\(v.stringValue!)\"" : v.kindDescription)")
                return nil
            }
            if let range, !range.contains(d) {
                reader.report(p, "\(formatDuration(d)) is out of range (expected \(formatDuration(range.lowerBound))…\(formatDuration(range.upperBound)))")
                return nil
            }
            return d
        }
    }

    private func reportTooLong(_ shown: String, range: ClosedRange<Duration>?, at p: JSONPath) {
        let bounds = range.map { "\(formatDuration($0.lowerBound))…\(formatDuration($0.upperBound))" } ?? "0s…\(formatDuration(.longestAccepted))"
        reader.report(p, "\(shown) is out of range (expected \(bounds))")
    }

    /// A value of a string enum, reporting the allowed values when it is not one.
    package func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, required: Bool = false) -> E? where E.RawValue == String {
        decode(key, required: required) { v, p in
            guard case .string(let s) = v else {
                reader.report(p, "expected a string, got \(v.kindDescription)")
                return nil
            }
            guard let e = E(rawValue: s) else {
                reader.report(p, "unknown value \"\(s)\" (expected one of: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
            return e
        }
    }

    /// A nested object; call `finish()` on it when done.
    package func object(_ key: String, required: Bool = false) -> JSONObjectReader? {
        decode(key, required: required) { v, p in reader.object(v, at: p) }
    }

    /// An array whose items are read by `each`; items that fail are left out (their issues reported).
    package func array<T>(_ key: String, required: Bool = false, _ each: (JSONValue, JSONPath) -> T?) -> [T]? {
        decode(key, required: required) { v, p in
            guard case .array(let items) = v else {
                reader.report(p, "expected an array, got \(v.kindDescription)")
                return nil
            }
            return items.enumerated().compactMap { i, item in each(item, p.index(i)) }
        }
    }

    /// An array of objects, each read by `each` and then checked for unknown keys.
    package func objects<T>(_ key: String, required: Bool = false, _ each: (JSONObjectReader) -> T?) -> [T]? {
        array(key, required: required) { v, p in
            guard let o = reader.object(v, at: p) else { return nil }
            defer { o.finish() }
            return each(o)
        }
    }
}

/// A duration in the largest unit that shows it exactly: `"500ms"`, `"30s"`, `"10m"`, `"2h"`.
package func formatDuration(_ d: Duration) -> String {
    let ms = d.milliseconds
    if ms == 0 { return "0s" }
    if ms % 86_400_000 == 0 { return "\(ms / 86_400_000)d" }
    if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
    if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
    if ms % 1000 == 0 { return "\(ms / 1000)s" }
    if ms < 1000 { return "\(ms)ms" }
    return formatNumber(Double(ms) / 1000, decimals: 3) + "s"
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
package func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8), b = Array(b.utf8)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}
