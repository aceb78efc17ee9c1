import FieldCore

/// A device's app settings as the console shows them: every setting the app applies
/// (`ConsoleBackend.settingsInForce`), the site file's value where it sets one, else the app's
/// default marked as such: `low: (unset, default 0.14)`.
struct SettingsInForce {
    /// The app's settings, nested as in the site file.
    var inForce: [String: JSONValue]
    /// The device's `settings` object in the running config (nil: the device has none).
    var file: JSONValue?

    /// One line per setting under `path` (keys below `settings`), objects flattened to dotted
    /// keys relative to `path`, sorted. Empty when the app has nothing there.
    func lines(under path: [String] = []) -> [String] {
        guard let root = Self.value(.object(inForce), at: path) else { return [] }
        var entries: [(key: [String], value: JSONValue)] = []
        Self.flatten(root, [], into: &entries)
        return entries.sorted { $0.key.joined(separator: ".") < $1.key.joined(separator: ".") }.map { e in
            (e.key.isEmpty ? "" : e.key.joined(separator: ".") + ": ") + describe(at: path + e.key)
        }
    }

    /// `key=value` for every setting the file leaves to the app's default, sorted.
    func defaults() -> [String] {
        var entries: [(key: [String], value: JSONValue)] = []
        Self.flatten(.object(inForce), [], into: &entries)
        return entries.filter { e in file.flatMap { Self.value($0, at: e.key) } ?? .null == .null }
            .map { $0.key.joined(separator: ".") + "=" + Self.plain($0.value) }.sorted()
    }

    /// The setting at `path` (a leaf) as a line's value; nil when the app has no such setting.
    func leaf(at path: [String]) -> String? {
        guard let v = Self.value(.object(inForce), at: path), v.objectValue == nil else { return nil }
        return describe(at: path)
    }

    /// The value the app applies at `path`.
    func applied(at path: [String]) -> JSONValue { Self.value(.object(inForce), at: path) ?? .null }

    /// `0.2`, `0.2 (in force: 0.14)` when the app has not taken the file's value (yet), or
    /// `(unset, default 0.14)`.
    private func describe(at path: [String]) -> String {
        let applied = applied(at: path)
        guard let set = file.flatMap({ Self.value($0, at: path) }), set != .null else {
            return "(unset, default \(Self.plain(applied)))"
        }
        return Self.plain(set) + (Self.same(set, applied) ? "" : " (in force: \(Self.plain(applied)))")
    }

    static func value(_ root: JSONValue, at path: [String]) -> JSONValue? {
        var v = root
        for key in path {
            guard let next = v.objectValue?[key] else { return nil }
            v = next
        }
        return v
    }

    private static func flatten(_ v: JSONValue, _ key: [String], into entries: inout [(key: [String], value: JSONValue)]) {
        if let o = v.objectValue, !o.isEmpty {
            for (k, child) in o { flatten(child, key + [k], into: &entries) }
        } else {
            entries.append((key, v))
        }
    }

    /// Text as typed after `config set` (unquoted); null is "none" (no light sensor, no limit).
    static func plain(_ v: JSONValue) -> String {
        switch v {
        case .null: return "none"
        case .string(let s): return s
        default: return v.serialized()
        }
    }

    /// The same setting written two ways: `10` and `"10s"` are both ten seconds.
    private static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if a == b { return true }
        func duration(_ v: JSONValue) -> Duration? {
            switch v {
            case .number(let n): return Duration(checkedSeconds: n)
            case .string(let s): return parseDuration(s)
            default: return nil
            }
        }
        guard let x = duration(a), let y = duration(b) else { return false }
        return x == y
    }
}

/// A config key that names a device or something in its settings: `devices[main-pt]`,
/// `devices[6].settings`, `devices[6].settings.points.pressure.low`.
struct DeviceSettingsKey {
    /// `devices[6]` or `devices[main-pt]`, as typed.
    var device: String
    /// Keys below `settings`; nil when the key names the whole device.
    var path: [String]?

    init?(_ key: String) {
        guard key.hasPrefix("devices["), let close = key.firstIndex(of: "]") else { return nil }
        device = String(key[...close])
        let rest = key[key.index(after: close)...]
        if rest.isEmpty {
            path = nil
        } else if rest == ".settings" {
            path = []
        } else if rest.hasPrefix(".settings."), !rest.contains("[") {
            path = rest.dropFirst(".settings.".count).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        } else {
            return nil
        }
    }
}
