import FieldCore

/// A key of the site document as config errors print it and the console takes it:
/// `site.name`, `devices[3].address`, `devices[0].settings.low`, `buses[0]`.
package struct ConfigKey: Hashable, Sendable, CustomStringConvertible {
    package var path: JSONPath

    package init(_ path: JSONPath) { self.path = path }

    /// Parses `site.name`, `devices[3].points.pressure.deadband`; nil for anything else (empty
    /// names, unclosed brackets, negative or non-numeric indexes).
    package init?(parsing text: String) {
        var components: [JSONPath.Component] = []
        var rest = Substring(text)
        var expectName = true
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"), let i = Int(rest[rest.index(after: rest.startIndex)..<close]), i >= 0 else { return nil }
                components.append(.index(i))
                rest = rest[rest.index(after: close)...]
                expectName = false
                continue
            }
            if !expectName {
                guard rest.first == "." else { return nil }
                rest = rest.dropFirst()
            }
            let name = rest.prefix { $0 != "." && $0 != "[" }
            guard !name.isEmpty, !name.contains("]") else { return nil }
            components.append(.key(String(name)))
            rest = rest.dropFirst(name.count)
            expectName = false
        }
        guard !components.isEmpty else { return nil }
        path = JSONPath(components)
    }

    package var description: String { path.description }

    /// `devices[main-pt].address` → `devices[6].address`: an array element named by its `id`
    /// (devices, profiles) or `name` (buses, users, points), as the console takes it; and
    /// `devices[+]` → `devices[13]`, one past the end (a new element).
    /// - Throws: `.notFound` with the names there are when no element has that name.
    package static func resolvingNames(_ text: String, in document: JSONValue) throws(ConfigStoreError) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "]") else { return out + rest }
            let inner = String(rest[rest.index(after: open)..<close])
            if inner == "+" {
                // `devices[+]`: one past the end, a new element.
                guard let parent = ConfigKey(parsing: out) else { throw .badKey(text) }
                switch document.value(at: parent.components) {
                case .array(let items)?: out += "[\(items.count)]"
                case nil: out += "[0]"
                default: throw .badKey(text)
                }
            } else if Int(inner) == nil, !inner.isEmpty {
                guard let parent = ConfigKey(parsing: out), case .array(let items)? = document.value(at: parent.components) else {
                    throw .badKey(text)
                }
                let names = items.map { $0["id"]?.stringValue ?? $0["name"]?.stringValue }
                guard let i = names.firstIndex(of: inner) else {
                    let close = names.compactMap { $0 }.filter { editDistance($0, inner) <= max(2, inner.count / 3) }
                    throw .notFound(key: out + "[" + inner + "]", suggestions: close.map { out + "[" + $0 + "]" })
                }
                out += "[\(i)]"
            } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
    package var components: [JSONPath.Component] { path.components }
}

extension JSONValue {
    /// The value at `components`, nil when any step is missing.
    func value(at components: some Collection<JSONPath.Component>) -> JSONValue? {
        guard let first = components.first else { return self }
        switch (first, self) {
        case (.key(let k), .object(let o)): return o[k]?.value(at: components.dropFirst())
        case (.index(let i), .array(let a)) where i < a.count: return a[i].value(at: components.dropFirst())
        default: return nil
        }
    }

    /// A copy with `value` at `components` (nil removes it). Missing object keys on the way are
    /// created as objects; an array index may be one past the end (appends).
    /// - Returns: nil when a step goes into a value of the wrong kind or past an array's end.
    func setting(_ value: JSONValue?, at components: ArraySlice<JSONPath.Component>) -> JSONValue? {
        guard let first = components.first else { return value ?? .null }
        let rest = components.dropFirst()
        switch (first, self) {
        case (.key(let k), .object(var o)):
            if rest.isEmpty, value == nil {
                o[k] = nil
            } else {
                // A missing key is created as what the next step needs: `profiles[0]` on a site
                // without profiles makes the array.
                let empty: JSONValue = if case .index? = rest.first { .array([]) } else { .object([:]) }
                guard let child = (o[k] ?? empty).setting(value, at: rest) else { return nil }
                o[k] = child
            }
            return .object(o)
        case (.index(let i), .array(var a)) where i <= a.count:
            if i == a.count {
                guard value != nil, let child = JSONValue.object([:]).setting(value, at: rest) else { return nil }
                a.append(child)
            } else if rest.isEmpty, value == nil {
                a.remove(at: i)
            } else {
                guard let child = a[i].setting(value, at: rest) else { return nil }
                a[i] = child
            }
            return .array(a)
        default:
            return nil
        }
    }

    /// Every key in the document, parents before children, in document order (object keys
    /// sorted): what tab completion offers.
    func keys(under path: JSONPath = .root) -> [JSONPath] {
        var out: [JSONPath] = []
        switch self {
        case .object(let o):
            for k in o.keys.sorted() {
                let p = path.key(k)
                out.append(p)
                out += o[k]!.keys(under: p)
            }
        case .array(let a):
            for (i, v) in a.enumerated() {
                let p = path.index(i)
                out.append(p)
                out += v.keys(under: p)
            }
        default:
            break
        }
        return out
    }
}

/// Leaf-level differences between two documents: changed scalars, and whole subtrees that were
/// added or removed (array elements past the shorter array's end).
func differences(_ a: JSONValue?, _ b: JSONValue?, at path: JSONPath = .root) -> [(JSONPath, JSONValue?, JSONValue?)] {
    if a == b { return [] }
    switch (a, b) {
    case (.object(let x)?, .object(let y)?):
        return Set(x.keys).union(y.keys).sorted().flatMap { differences(x[$0], y[$0], at: path.key($0)) }
    case (.array(let x)?, .array(let y)?):
        return (0..<max(x.count, y.count)).flatMap { i in
            differences(i < x.count ? x[i] : nil, i < y.count ? y[i] : nil, at: path.index(i))
        }
    default:
        return [(path, a, b)]
    }
}
