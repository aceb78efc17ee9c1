import FieldCore
import Foundation

/// A scenario (`simulator/scenarios/*.json`, docs/simulator.md): a site, how fast simulated time
/// runs, timed steps that act on the simulator (or on the gateway), and what the gateway must do
/// in answer — alarms raised, cleared or never raised, point values and qualities through the
/// gateway's local API, and messages its uplink publishes to a real broker. Times are real
/// seconds from the moment the gateway is ready (every Modbus device online).
package struct Scenario: Sendable {
    package var name: String
    package var description: String
    /// The site file (absolute, or relative to the working directory).
    package var sitePath: String
    /// Simulated seconds per real second once the scenario starts (the simulator holds its clock
    /// still while the gateway starts).
    package var acceleration: Double
    /// Simulated wall-clock time at the scenario's start; nil: now.
    package var start: Timestamp?
    package var settings: [SimulatorSetting]
    /// How long the scenario runs at most.
    package var duration: Duration
    /// How long the gateway may take to get every Modbus device online.
    package var readyTimeout: Duration
    /// Run a mosquitto for the gateway's uplink (`fieldgate run --mqtt`); implied by an MQTT
    /// expectation.
    package var broker: Bool
    /// Run a simulated GB 26875.3 centre for the gateway's second uplink (`fieldgate run
    /// --centre`); implied by a centre step or expectation.
    package var centre: Bool = false
    package var steps: [Step]
    package var expectations: [Expectation]

    /// Something done at `at`.
    package struct Step: Sendable {
        package enum Action: Sendable {
            /// A simulator control request (as `fieldsim ctl` sends).
            case control(ControlRequest)
            /// A request to the gateway's local API (`{"op": "command", …}`).
            case gateway(JSONValue)
            /// Something the simulated centre does (`"centre": "down"`).
            case centre(CentreAction)
        }

        package var at: Duration
        package var action: Action
        /// How the step reads in the report.
        package var text: String
    }

    /// Something the gateway must do.
    package struct Expectation: Sendable {
        package enum AlarmCondition: String, Sendable {
            case raised, cleared, never
        }

        /// Conditions on a point's reading; all given ones must hold.
        package struct PointCondition: Sendable {
            package var between: ClosedRange<Double>?
            package var above: Double?
            package var below: Double?
            package var equals: JSONValue?
            package var quality: String?
        }

        package enum Kind: Sendable {
            /// An alarm id; `*` matches any run of characters (`lift-1/*`).
            case alarm(pattern: String, AlarmCondition)
            /// A point (`device.point`), checked once at `at`, or satisfied at some time in the
            /// window.
            case point(name: String, PointCondition, at: Duration?)
            /// A message on a topic matching `filter` (`+`, `#`) whose JSON payload contains
            /// `contains` (objects by key, arrays by element), arriving in the window — or, with
            /// `never`, none arriving.
            case mqtt(filter: String, contains: JSONValue?, never: Bool)
            /// A data unit object reaching the simulated centre whose decoded JSON contains
            /// `contains`, in the window — or, with `never`, none.
            case centre(contains: JSONValue, never: Bool)
        }

        package var kind: Kind
        /// The window: from `after` to `by` (default: the scenario's end).
        package var after: Duration
        package var by: Duration?
        package var text: String
    }

    /// Reads a scenario file; errors name the file and each problem's JSON path.
    package static func load(path: String) throws(ConfigError) -> Scenario {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(source: path, issues: [ConfigIssue(path: .root, message: "cannot read the file (\(error.localizedDescription))")])
        }
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(data)
        } catch {
            throw ConfigError(source: path, issues: [ConfigIssue(path: .root, message: error.description)])
        }
        return try parse(doc, source: path)
    }

    /// Reads a scenario document; `source` is its file, against which `site` is resolved.
    package static func parse(_ doc: JSONValue, source: String) throws(ConfigError) -> Scenario {
        let r = JSONReader()
        let scenario = r.object(doc).flatMap { o -> Scenario? in
            defer { o.finish() }
            return read(o, source: source)
        }
        try r.check(source: source)
        guard let scenario else { throw ConfigError(source: source, issues: [ConfigIssue(path: .root, message: "not a scenario")]) }
        return scenario
    }

    private static func read(_ o: JSONObjectReader, source: String) -> Scenario? {
        let r = o.reader
        o.allow("$comment")
        let fallbackName = ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = o.string("name") ?? fallbackName
        let description = o.string("description") ?? ""
        let site = o.string("site", required: true).map { path -> String in
            if path.hasPrefix("/") { return path }
            let dir = (source as NSString).deletingLastPathComponent
            return dir.isEmpty ? path : dir + "/" + path
        }
        let acceleration = o.double("acceleration", range: 0.001...1_000_000) ?? 1
        let start = o.decode("start") { v, p -> Timestamp? in
            guard let s = v.stringValue, let t = Timestamp(iso8601: s) else {
                r.report(p, "expected a time like \"2026-03-20T17:40:00+08:00\"")
                return nil
            }
            return t
        }
        var settings: [SimulatorSetting] = []
        if let s = o.object("settings") {
            for key in s.fields.keys.sorted() {
                s.allow(key)
                guard key.contains("."), let v = s.fields[key] else {
                    r.report(s.path.key(key), "expected DEVICE.NAME (a knob, point or contact)")
                    continue
                }
                settings.append(SimulatorSetting(key, v))
            }
        }
        let readyTimeout = o.duration("ready-timeout", range: .seconds(1)...Duration.seconds(300)) ?? .seconds(30)
        let wantsBroker = o.bool("broker") ?? false
        let steps = o.objects("steps") { readStep($0) } ?? []
        let expectations = o.objects("expect", required: true) { readExpectation($0) } ?? []
        if o.value("expect")?.arrayValue?.isEmpty == true {
            r.report(o.path.key("expect"), "a scenario needs at least one expectation")
        }
        let latest = (steps.map(\.at) + expectations.flatMap { e -> [Duration] in
            var times = [e.after]
            if let by = e.by { times.append(by) }
            if case .point(_, _, let at?) = e.kind { times.append(at) }
            return times
        }).max() ?? .zero
        let duration = o.duration("duration", range: .seconds(1)...Duration.seconds(3600)) ?? latest + .seconds(1)
        if duration < latest {
            r.report(o.path.key("duration"), "\(formatDuration(duration)) ends before the last step or expectation (\(formatDuration(latest)))")
        }
        let broker = wantsBroker || expectations.contains { if case .mqtt = $0.kind { true } else { false } }
        let centre = (o.bool("centre") ?? false) || expectations.contains { if case .centre = $0.kind { true } else { false } }
            || steps.contains { if case .centre = $0.action { true } else { false } }
        guard let site else { return nil }
        return Scenario(name: name, description: description, sitePath: site, acceleration: acceleration, start: start,
                        settings: settings, duration: duration, readyTimeout: readyTimeout, broker: broker, centre: centre,
                        steps: steps.sorted { $0.at < $1.at }, expectations: expectations)
    }

    private static func readStep(_ o: JSONObjectReader) -> Step? {
        let r = o.reader
        let at = o.duration("at", required: true, range: .zero...Duration.seconds(3600))
        if let text = o.string("ctl") {
            let words = text.split(separator: " ").map(String.init)
            do {
                let request = try ControlCommandLine.parse(words)
                return at.map { Step(at: $0, action: .control(request), text: text) }
            } catch {
                r.report(o.path.key("ctl"), error.message)
                return nil
            }
        }
        if let g = o.value("gateway") {
            guard g.objectValue?["op"]?.stringValue != nil else {
                r.report(o.path.key("gateway"), "expected a local API request object with \"op\"")
                return nil
            }
            return at.map { Step(at: $0, action: .gateway(g), text: "gateway \(g.serialized())") }
        }
        if let text = o.string("centre") {
            guard let action = CentreAction(text) else {
                r.report(o.path.key("centre"), "expected \(CentreAction.forms)")
                return nil
            }
            return at.map { Step(at: $0, action: .centre(action), text: "centre \(text)") }
        }
        guard o.has("op") else {
            r.report(o.path, "a step needs \"ctl\" (a fieldsim ctl command), \"op\" (a control request), \"gateway\" (a local API request) or \"centre\" (the simulated centre)")
            return nil
        }
        guard let request = ControlRequest.read(o), let at else { return nil }
        return Step(at: at, action: .control(request), text: request.json.serialized())
    }

    private static func readExpectation(_ o: JSONObjectReader) -> Expectation? {
        let r = o.reader
        let after = o.duration("after", range: .zero...Duration.seconds(3600)) ?? .zero
        let by = o.duration("by", range: .zero...Duration.seconds(3600))
        if let by, by < after { r.report(o.path.key("by"), "is before \"after\" (\(formatDuration(after)))") }
        func window() -> String {
            switch (after == .zero, by) {
            case (true, nil): return ""
            case (true, let b?): return " by \(formatDuration(b))"
            case (false, nil): return " after \(formatDuration(after))"
            case (false, let b?): return " between \(formatDuration(after)) and \(formatDuration(b))"
            }
        }
        if let pattern = o.string("alarm") {
            let given = ["raised", "cleared", "never"].filter { o.has($0) }
            guard given.count == 1, o.bool(given[0]) == true, let condition = Expectation.AlarmCondition(rawValue: given[0]) else {
                o.allow("raised", "cleared", "never")
                r.report(o.path, "an alarm expectation takes exactly one of \"raised\": true, \"cleared\": true, \"never\": true")
                return nil
            }
            let text = condition == .never ? "\(pattern) never raised\(window())" : "\(pattern) \(condition.rawValue)\(window())"
            return Expectation(kind: .alarm(pattern: pattern, condition), after: after, by: by, text: text)
        }
        if let name = o.string("point") {
            guard PointRef(name) != nil else {
                r.report(o.path.key("point"), "expected DEVICE.POINT")
                return nil
            }
            let at = o.duration("at", range: .zero...Duration.seconds(3600))
            var c = Expectation.PointCondition()
            c.between = o.decode("between") { v, p -> ClosedRange<Double>? in
                guard let a = v.arrayValue, a.count == 2, let lo = a[0].numberValue, let hi = a[1].numberValue, lo <= hi else {
                    r.report(p, "expected [LOW, HIGH]")
                    return nil
                }
                return lo...hi
            }
            c.above = o.double("above")
            c.below = o.double("below")
            c.equals = o.value("equals")
            c.quality = o.string("quality")
            if c.between == nil, c.above == nil, c.below == nil, c.equals == nil, c.quality == nil {
                r.report(o.path, "a point expectation needs at least one of between, above, below, equals, quality")
            }
            if at != nil, o.has("by") || o.has("after") {
                r.report(o.path.key("at"), "give either \"at\" (checked once) or a window (\"after\"/\"by\")")
            }
            var parts: [String] = []
            if let b = c.between { parts.append("between \(formatNumber(b.lowerBound)) and \(formatNumber(b.upperBound))") }
            if let a = c.above { parts.append("above \(formatNumber(a))") }
            if let b = c.below { parts.append("below \(formatNumber(b))") }
            if let e = c.equals { parts.append("= \(e.serialized())") }
            if let q = c.quality { parts.append("quality \(q)") }
            let when = at.map { " at \(formatDuration($0))" } ?? window()
            return Expectation(kind: .point(name: name, c, at: at), after: after, by: by, text: "\(name) \(parts.joined(separator: ", "))\(when)")
        }
        if let filter = o.string("mqtt") {
            if filter.isEmpty || filter.contains("#") && !filter.hasSuffix("#") {
                r.report(o.path.key("mqtt"), "expected a topic filter (\"+\" for one level, \"#\" only at the end)")
            }
            let contains = o.value("contains")
            let never = o.bool("never") ?? false
            let what = contains.map { " containing \($0.serialized())" } ?? ""
            return Expectation(kind: .mqtt(filter: filter, contains: contains, never: never), after: after, by: by,
                               text: never ? "no MQTT message on \(filter)\(what)\(window())" : "MQTT message on \(filter)\(what)\(window())")
        }
        if let contains = o.value("centre") {
            guard contains.objectValue != nil else {
                r.report(o.path.key("centre"), "expected an object the decoded data unit must contain, e.g. {\"kind\": \"component-status\"}")
                return nil
            }
            let never = o.bool("never") ?? false
            return Expectation(kind: .centre(contains: contains, never: never), after: after, by: by,
                               text: never ? "nothing at the centre containing \(contains.serialized())\(window())"
                                           : "centre received \(contains.serialized())\(window())")
        }
        r.report(o.path, "an expectation needs \"alarm\", \"point\", \"mqtt\" or \"centre\"")
        o.allow("raised", "cleared", "never", "at", "between", "above", "below", "equals", "quality", "contains")
        return nil
    }
}

extension Scenario.Expectation.PointCondition {
    /// Whether a reading satisfies every condition given.
    func holds(_ p: GatewayPoint) -> Bool {
        if let q = quality, p.quality != q { return false }
        if let e = equals {
            if let b = e.boolValue, p.value.boolValue != b { return false }
            if let n = e.numberValue, p.value.numberValue.map({ abs($0 - n) < 1e-9 }) != true { return false }
            if let s = e.stringValue, p.value.stringValue != s { return false }
        }
        let numeric = between != nil || above != nil || below != nil
        guard numeric else { return true }
        guard let n = p.value.numberValue ?? p.value.boolValue.map({ $0 ? 1 : 0 }) else { return false }
        if let b = between, !b.contains(n) { return false }
        if let a = above, !(n > a) { return false }
        if let b = below, !(n < b) { return false }
        return true
    }
}

/// `*` matches any run of characters.
func globMatches(_ pattern: String, _ text: String) -> Bool {
    let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
    guard parts.count > 1 else { return pattern == text }
    var rest = Substring(text)
    guard rest.hasPrefix(parts[0]) else { return false }
    rest = rest.dropFirst(parts[0].count)
    for part in parts.dropFirst().dropLast() where !part.isEmpty {
        guard let r = rest.range(of: part) else { return false }
        rest = rest[r.upperBound...]
    }
    return parts.last!.isEmpty || rest.hasSuffix(parts.last!)
}
