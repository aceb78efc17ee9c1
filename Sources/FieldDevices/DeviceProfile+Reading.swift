import FieldCore
import FieldHAL

extension DeviceProfile {
    /// Reads and validates one profile (a built-in's JSON, or an entry of a site's `profiles`).
    /// Every problem is reported through `o.reader` with its JSON path, all at once, including
    /// unknown keys (this calls `o.finish()`: read lists with `readAll`, not `objects`).
    /// - Returns: the profile, or nil when anything in it was wrong.
    package static func read(_ o: JSONObjectReader) -> DeviceProfile? {
        let r = o.reader
        let before = r.issues.count
        o.allow("$comment")
        let id = o.identifier("id", required: true)
        let family = o.enumeration("family", DeviceFamily.self, required: true)
        let app = o.identifier("app")
        let description = o.string("description") ?? ""
        let vendor = o.string("vendor") ?? ""
        let model = o.string("model") ?? ""
        let modbus = o.object("modbus").map { m in
            defer { m.finish() }
            return ModbusDefaults.read(m)
        } ?? ModbusDefaults()

        var paths = ProfilePaths(root: o.path)
        let points = o.array("points") { v, p -> PointSpec? in
            guard let po = r.object(v, at: p) else { return nil }
            defer { po.finish() }
            if let name = po.fields["name"]?.stringValue { paths.declared.insert(name) }
            let point = PointSpec.read(po)
            if point != nil { paths.points.append(p) }
            return point
        } ?? []
        let signals = o.array("signals") { v, p -> SignalSpec? in
            guard let so = r.object(v, at: p) else { return nil }
            defer { so.finish() }
            if let name = so.fields["name"]?.stringValue { paths.declared.insert(name) }
            let signal = SignalSpec.read(so)
            if signal != nil { paths.signals.append(p) }
            return signal
        } ?? []
        let commands = o.array("commands") { v, p -> CommandSpec? in
            guard let co = r.object(v, at: p) else { return nil }
            defer { co.finish() }
            let command = CommandSpec.read(co, points: points, declared: paths.declared)
            if let command { paths.commands.append((command.name, p)) }
            return command
        } ?? []
        o.finish()

        // Cross-checks run even without an id or family, so one pass reports everything.
        let profile = DeviceProfile(id: id ?? "", family: family ?? .generic, app: app, description: description,
                                    vendor: vendor, model: model, modbus: modbus, points: points, signals: signals,
                                    commands: commands)
        profile.check(paths, reader: r)
        return r.issues.count == before ? profile : nil
    }

    /// Reads a list of profiles under `key` (a site's `profiles`), reporting duplicate ids.
    package static func readAll(_ o: JSONObjectReader, key: String = "profiles") -> [DeviceProfile] {
        let r = o.reader
        var seen: [String: JSONPath] = [:]
        return o.array(key) { v, p -> DeviceProfile? in
            guard let po = r.object(v, at: p), let profile = read(po) else { return nil }
            if let first = seen[profile.id] {
                r.report(p.key("id"), "duplicate profile id \"\(profile.id)\" (also \(first))")
                return nil
            }
            seen[profile.id] = p
            return profile
        } ?? []
    }

    /// Parses one profile from JSON text.
    /// - Parameter source: the file or origin, for the error (`"profiles/my-meter.json"`).
    /// - Throws: `ConfigError` with every problem found.
    package static func parse(_ text: String, source: String) throws(ConfigError) -> DeviceProfile {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw ConfigError(source: source, issues: [ConfigIssue(path: .root, message: error.description)])
        }
        let r = JSONReader()
        let profile = r.object(value).flatMap { read($0) }
        try r.check(source: source)
        guard let profile else {
            throw ConfigError(source: source, issues: [ConfigIssue(path: .root, message: "not a usable profile")])
        }
        return profile
    }

    /// This profile with a site's changes to some of its points: `o` maps point names to objects
    /// of point keys a site may change (see `PointSpec.read(_:base:)`; e.g. a 4–20 mA input given its `loop` range). Validated
    /// like the profile itself; problems are reported at their paths under `o`.
    package func overriding(_ o: JSONObjectReader) -> DeviceProfile? {
        let r = o.reader
        let before = r.issues.count
        var result = self
        var paths = ProfilePaths(root: o.path)
        paths.points = points.map { _ in o.path }
        paths.signals = signals.map { _ in o.path }
        for name in o.fields.keys.sorted() {
            o.allow(name)
            guard let index = pointIndex(name) else {
                r.report(o.path.key(name), "profile \(id) has no Modbus point named \"\(name)\" (points: \(points.map(\.name).joined(separator: ", ")))")
                continue
            }
            guard let po = o.object(name) else { continue }
            defer { po.finish() }
            if let changed = PointSpec.read(po, base: points[index]) {
                result.points[index] = changed
                paths.points[index] = po.path
            }
        }
        result.check(paths, reader: r)
        return r.issues.count == before ? result : nil
    }
}

/// Where each part of a profile came from, so cross-checks report at the right JSON path.
struct ProfilePaths {
    var root: JSONPath
    /// The path of each point and signal, in the profile's order.
    var points: [JSONPath] = []
    var signals: [JSONPath] = []
    var commands: [(String, JSONPath)] = []
    /// Names declared in the JSON, including those of points that failed to read.
    var declared: Set<String> = []

    init(root: JSONPath) { self.root = root }

    func point(_ index: Int, _ key: String? = nil) -> JSONPath {
        let p = index < points.count ? points[index] : root.key("points")
        return key.map { p.key($0) } ?? p
    }
}

extension ModbusDefaults {
    static func read(_ o: JSONObjectReader) -> ModbusDefaults {
        let d = ModbusDefaults()
        o.allow("$comment")
        let limits = ReadLimits(
            maxRegisters: o.int("maxRegisters", range: 1...ModbusLimits.readRegisters) ?? d.readLimits.maxRegisters,
            maxBits: o.int("maxBits", range: 1...ModbusLimits.readBits) ?? d.readLimits.maxBits,
            maxGap: o.int("maxGap", range: 0...(ModbusLimits.readRegisters - 2)) ?? d.readLimits.maxGap,
            maxBitGap: o.int("maxBitGap", range: 0...(ModbusLimits.readBits - 2)) ?? d.readLimits.maxBitGap)
        return ModbusDefaults(
            unit: o.int("unit", range: ModbusLimits.deviceUnits) ?? d.unit,
            baud: o.int("baud", range: 300...4_000_000) ?? d.baud,
            parity: o.enumeration("parity", Parity.self) ?? d.parity,
            dataBits: o.int("dataBits", range: 7...8) ?? d.dataBits,
            stopBits: o.int("stopBits", range: 1...2) ?? d.stopBits,
            readLimits: limits)
    }
}

extension SignalSpec {
    static func read(_ o: JSONObjectReader) -> SignalSpec? {
        let r = o.reader
        let before = r.issues.count
        o.allow("$comment")
        let name = o.identifier("name", required: true)
        let description = o.string("description") ?? ""
        let direction = o.enumeration("direction", Direction.self, required: true)
        let debounce = o.duration("debounce", range: .zero...Duration.seconds(600)) ?? .zero
        let trueMeans = o.string("trueMeans") ?? "on"
        let falseMeans = o.string("falseMeans") ?? "off"
        let safe = o.bool("safe")
        let initial = o.bool("initial")
        let priority = o.enumeration("priority", PointPriority.self) ?? .normal
        if direction == .output {
            for key in ["debounce", "priority"] where o.has(key) {
                r.report(o.path.key(key), "\"\(key)\" applies to inputs; this signal is an output")
            }
        } else if direction == .input {
            for key in ["safe", "initial"] where o.has(key) {
                r.report(o.path.key(key), "\"\(key)\" applies to outputs; this signal is an input")
            }
        }
        guard let name, let direction, r.issues.count == before else { return nil }
        return SignalSpec(name: name, description: description, direction: direction, debounce: debounce,
                          trueMeans: trueMeans, falseMeans: falseMeans, safe: safe, initial: initial, priority: priority)
    }
}
