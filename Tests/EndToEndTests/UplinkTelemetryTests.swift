import FieldCore
import FieldDevices
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// Issue 5's first proof, with the real processes: telemetry for every device of the demo site
/// reaches the broker with the right values and units. Every numeric read-only register of the
/// site is forced in the simulator to a value of its own, several deadbands from what it read,
/// so that each has to travel the whole way anew (register → poll → point table → outbox →
/// MQTT); then what arrived on `v1/gateway/telemetry` is held against what the simulator serves
/// (`fieldsim ctl show`), what the gateway shows (its local API, reading by reading, derived
/// values included) and the units the gateway announced on `v1/gateway/attributes`.
@Suite("uplink end to end: telemetry", .serialized)
struct UplinkTelemetryTests {
    @Test("every device's telemetry reaches the broker with the simulator's values, the gateway's readings and the attributes' units",
          .timeLimit(.minutes(2)))
    func everyDeviceReachesTheBroker() async throws {
        let rig = try await UplinkRig.start()
        let forced = try Self.forceDistinctValues(rig)
        var check = TelemetryCheck(site: rig.site, forced: forced)
        let done = await UplinkRig.until(.seconds(25), every: .milliseconds(700)) { try check.run(rig) }
        #expect(check.mismatches.isEmpty, "readings that arrived with another value than the gateway read:\n\(check.mismatches.sorted().joined(separator: "\n"))")
        #expect(done, "after 25 s, \(check.problems.count) problems:\n\(check.problems.joined(separator: "\n"))\n\(rig.gateway.logTail())")
        let warmingUp = forced.intersection(check.warmingUp)
        #expect(forced.subtracting(warmingUp).isSubset(of: check.checkedAgainstSimulator),
                "forced but not seen on the broker: \(forced.subtracting(warmingUp).subtracting(check.checkedAgainstSimulator).sorted())")
    }

    /// Forces every numeric read-only Modbus point (but status registers, and registers other
    /// points take bits from) to a value inside its range at least three deadbands from what it
    /// reads now; status registers go to 0, which ends the air terminal's warm-up. Returns the
    /// forced points (`device.point`).
    static func forceDistinctValues(_ rig: UplinkRig) throws -> Set<String> {
        var forced: Set<String> = []
        for d in rig.site.devices where d.enabled && d.profile.usesModbus {
            let shown = try rig.show(d.id)["values"]
            let points = d.profile.points.filter(\.isReadable)
            let statusSources = Set(points.compactMap { $0.statusFrom?.point })
            let bitRegisters = Set(points.filter { $0.bits != nil }.map { "\($0.table)@\($0.address)" })
            for (i, p) in points.enumerated() where p.isNumeric && !p.isWritable && p.bits == nil && !bitRegisters.contains("\(p.table)@\(p.address)") {
                if statusSources.contains(p.name) {
                    try rig.ctl("set", "\(d.id).\(p.name)", "0")
                } else {
                    let now = shown?[p.name].flatMap { $0["value"]?.numberValue ?? $0.numberValue }
                    try rig.ctl("set", "\(d.id).\(p.name)", String(distinctValue(p, from: now, index: i)))
                    forced.insert("\(d.id).\(p.name)")
                }
            }
        }
        return forced
    }

    /// A value inside the point's range (a loop's engineering range) more than three deadbands
    /// (and, for an integer register, three steps of its scale) away from `now`.
    static func distinctValue(_ p: PointSpec, from now: Double?, index i: Int) -> Double {
        let gap = 3 * max(p.deadband, p.type.isFloat ? 0 : abs(p.scale), 0.001)
        if let r = p.loop.map({ $0.low ... $0.high }) ?? p.range {
            for k in 0..<16 {
                let f = 0.15 + 0.7 * (0.31 + 0.377 * Double(i + k)).truncatingRemainder(dividingBy: 1)
                let v = r.lowerBound + f * (r.upperBound - r.lowerBound)
                if abs(v - (now ?? .infinity)) > gap { return v }
            }
        }
        return (now ?? 0) + max(gap, 0.1 * abs(now ?? 0)) * Double(1 + i % 3)
    }
}

/// One look at what arrived, repeated until everything agrees: the checks of
/// `UplinkTelemetryTests`, with what already agreed remembered between looks.
struct TelemetryCheck {
    let site: Site
    let forced: Set<String>
    /// Points whose reading in the gateway agreed with what arrived, at some look.
    private(set) var agreed: Set<String> = []
    /// Samples that arrived with the time of a gateway reading but another value: wrong for good.
    private(set) var mismatches: Set<String> = []
    private(set) var problems: [String] = []
    /// Readings found the same in the simulator, the gateway and on the broker, at the last look.
    private(set) var checkedAgainstSimulator: Set<String> = []
    /// Points still warming up in the gateway (a sensor's warm-up after its device came online):
    /// their readings arrive as `<point>.quality`, which the gateway check covers.
    private(set) var warmingUp: Set<String> = []

    init(site: Site, forced: Set<String>) {
        self.site = site
        self.forced = forced
    }

    /// A point as the local API shows it, unit and source included.
    struct Point {
        var value: JSONValue
        var quality: String
        var time: Int64?
        var unit: String
        var source: String
    }

    /// True once everything agrees, or a sample was found that can never agree.
    mutating func run(_ rig: UplinkRig) throws -> Bool {
        let telemetry = UplinkTelemetrySamples(rig.received(on: UplinkRig.telemetryTopic), site: site.info.id)
        var points: [String: Point] = [:]
        for p in try rig.api.call(["op": "points"]).arrayValue ?? [] {
            guard let name = p["point"]?.stringValue else { continue }
            points[name] = Point(value: p["value"] ?? .null, quality: p["quality"]?.stringValue ?? "none",
                                 time: p["time"]?.stringValue.flatMap { Timestamp(iso8601: $0) }?.milliseconds,
                                 unit: p["unit"]?.stringValue ?? "", source: p["source"]?.stringValue ?? "")
        }
        problems = []
        for d in site.devices where d.enabled && !telemetry.devices.contains(d.id) {
            problems.append("\(d.id): no telemetry at all")
        }
        compareWithGateway(points, telemetry)
        checkedAgainstSimulator = []
        warmingUp = []
        for d in site.devices where d.enabled {
            try compareWithSimulator(d, try rig.show(d.id), points, telemetry)
        }
        compareUnits(points, telemetry, attributes: rig.received(on: UplinkRig.attributesTopic))
        return (problems.isEmpty && !agreed.isEmpty) || !mismatches.isEmpty
    }

    /// Every reading the gateway shows has arrived: the newest sample at or before the
    /// reading's time is the reading (its value, or `<point>.quality` when it is not good), to
    /// the point's deadband when the reading itself was not sent because it had not changed.
    private mutating func compareWithGateway(_ points: [String: Point], _ telemetry: UplinkTelemetrySamples) {
        for (name, p) in points.sorted(by: { $0.key < $1.key }) where !agreed.contains(name) {
            guard let t = p.time, p.quality != "none" else { continue }
            let good = p.quality == "good"
            let key = good ? name : name + ".quality"
            let expected: JSONValue = good ? p.value : .string(p.quality)
            guard let s = telemetry.latest(key, atOrBefore: t) else {
                problems.append("\(name): gateway \(expected.serialized()) at \(t), nothing on the broker yet")
                continue
            }
            if s.time == t, !sameReading(s.value, expected) {
                mismatches.insert("\(name) at \(t): gateway \(expected.serialized()), broker \(s.value.serialized())")
            } else if sameReading(s.value, expected, tolerance: s.time == t ? 0 : deadband(of: name)) {
                agreed.insert(name)
            } else {
                problems.append("\(name): gateway \(expected.serialized()) at \(t), broker's latest \(s.value.serialized()) at \(s.time)")
            }
        }
    }

    private func deadband(of name: String) -> Double {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return 0 }
        return site.device(parts[0])?.profile.point(parts[1])?.deadband ?? 0
    }

    /// What the simulator serves is what the gateway read and what arrived: every readable
    /// register (a forced one exactly, newest sample and all), every contact and output.
    private mutating func compareWithSimulator(_ d: DeviceConfig, _ shown: JSONValue, _ points: [String: Point],
                                               _ telemetry: UplinkTelemetrySamples) throws {
        var served: [String: JSONValue] = [:]
        for (name, v) in shown["values"]?.objectValue ?? [:] { served[name] = v["value"] ?? v }
        for (name, v) in shown["contacts"]?.objectValue ?? [:] { served[name] = v }
        for (name, v) in shown["outputs"]?.objectValue ?? [:] { served[name] = v }
        let names = d.profile.points.filter(\.isReadable).map(\.name) + d.profile.signals.map(\.name).filter { d.signals[$0] != nil }
        for point in names {
            let name = "\(d.id).\(point)"
            guard let sim = served[point] else {
                problems.append("\(name): the simulator does not serve it")
                continue
            }
            guard let p = points[name] else {
                problems.append("\(name): not in the gateway's point table")
                continue
            }
            guard p.quality == "good" else {
                if p.quality == "warming-up", d.profile.point(point)?.warmUp != nil {
                    warmingUp.insert(name)
                } else if forced.contains(name) {
                    problems.append("\(name): forced to \(sim.serialized()), the gateway reads it \(p.quality)")
                }
                continue
            }
            if !sameReading(p.value, sim) {
                problems.append("\(name): simulator \(sim.serialized()), gateway \(p.value.serialized())")
            }
            let latest = telemetry.latest(name)
            let tolerance = forced.contains(name) ? 0 : deadband(of: name)
            if let latest, sameReading(latest.value, sim, tolerance: tolerance) {
                checkedAgainstSimulator.insert(name)
            } else {
                problems.append("\(name): simulator \(sim.serialized()), broker's latest \(latest?.value.serialized() ?? "nothing")")
            }
        }
    }

    /// Every key that arrived with a unit in the gateway has that unit in its device's
    /// attributes, and every unit in the attributes is the gateway's.
    private mutating func compareUnits(_ points: [String: Point], _ telemetry: UplinkTelemetrySamples, attributes messages: [JSONValue]) {
        var attributes: [String: [String: JSONValue]] = [:]
        for m in messages {
            for (device, a) in m.objectValue ?? [:] { attributes[device, default: [:]].merge(a.objectValue ?? [:]) { _, new in new } }
        }
        for d in site.devices where d.enabled {
            let a = attributes["\(site.info.id).\(d.id)"] ?? [:]
            for key in telemetry.keys(of: d.id) where !key.hasSuffix(".quality") {
                guard let unit = points["\(d.id).\(key)"]?.unit, !unit.isEmpty else { continue }
                if a["unit.\(key)"] != .string(unit) {
                    problems.append("\(d.id).\(key) arrives in \(unit), the attributes say \(a["unit.\(key)"]?.serialized() ?? "nothing")")
                }
            }
            for (key, unit) in a where key.hasPrefix("unit.") {
                let point = "\(d.id).\(key.dropFirst(5))"
                if points[point].map({ JSONValue.string($0.unit) }) != unit {
                    problems.append("\(point): the attributes say \(unit.serialized()), the gateway \(points[point]?.unit ?? "has no such point")")
                }
            }
        }
    }
}
