import FieldCore
import FieldDevices
import FieldSim

/// Values for every point of a site's devices, put on the wire by the test, and the checks that
/// the gateway shows exactly them.
enum FieldValues {
    /// Puts a distinct, valid value in every readable Modbus point of every device; `variant`
    /// picks another set. Numbers lie inside the point's valid range (a loop's current inside
    /// 4–20 mA), status points that decide other points' quality are clear, other states
    /// alternate.
    static func fill(_ field: SimulatedField, variant: Int) throws {
        for d in field.site.devices where d.profile.usesModbus {
            guard let bank = field.bank(d.id) else { continue }
            let points = d.profile.points.filter(\.isReadable)
            let statusPoints = Set(points.compactMap { $0.statusFrom?.point })
            // Whole registers first, then the bits inside them, so a register's bit points end up
            // as chosen and the register holds them.
            for (i, p) in points.enumerated() where p.type != .bool {
                let f = 0.1 + 0.8 * fraction(0.137 + 0.29 * Double(i) + 0.41 * Double(variant))
                let value: Double
                if statusPoints.contains(p.name) {
                    value = 0
                } else if p.loop != nil {
                    value = CurrentLoop.spanLow + f * (CurrentLoop.spanHigh - CurrentLoop.spanLow)
                } else if let r = p.range {
                    value = r.lowerBound + f * (r.upperBound - r.lowerBound)
                } else {
                    value = Double(10 + i + 7 * variant)
                }
                try bank.set(p.name, to: .number(value))
            }
            for (i, p) in points.enumerated() where p.type == .bool {
                try bank.set(p.name, to: .bool(statusPoints.contains(p.name) ? false : (i + variant) % 2 == 0))
            }
        }
    }

    private static func fraction(_ x: Double) -> Double { x - x.rounded(.down) }

    /// Every readable Modbus point (but `skipping`) whose reading in the gateway differs from what
    /// its device's registers hold now — decoded from the bank, a loop's current mapped to its
    /// engineering range — or whose quality is not good (warming-up is allowed for points that
    /// warm up after their device comes online).
    static func mismatches(_ points: [String: GatewayPoint], field: SimulatedField, skipping: Set<String> = []) -> [String] {
        var wrong: [String] = []
        for d in field.site.devices where d.profile.usesModbus {
            guard let bank = field.bank(d.id) else {
                wrong.append("\(d.id): not on the wire")
                continue
            }
            for p in d.profile.points where p.isReadable && !skipping.contains("\(d.id).\(p.name)") {
                let name = "\(d.id).\(p.name)"
                guard let held = try? bank.get(p.name) else {
                    wrong.append("\(name): the simulator has no such point")
                    continue
                }
                var expected = held
                if let loop = p.loop, let mA = held.number { expected = .number(loop.value(ofCurrent: mA)) }
                guard let seen = points[name] else {
                    wrong.append("\(name): not in the gateway's point table")
                    continue
                }
                if !same(seen.value, expected) {
                    wrong.append("\(name): gateway \(seen.value.serialized()), simulator \(expected)")
                }
                let allowed: Set<String> = p.warmUp != nil ? ["good", "warming-up"] : ["good"]
                if !allowed.contains(seen.quality) { wrong.append("\(name): quality \(seen.quality)") }
            }
        }
        return wrong
    }

    /// True when the gateway's JSON value is the point's value (numbers to 1e-9, relative).
    static func same(_ json: JSONValue, _ value: PointValue) -> Bool {
        switch value {
        case .bool(let b): return json == .bool(b)
        case .number(let x):
            guard let y = json.numberValue else { return false }
            return abs(x - y) <= 1e-9 * max(1, abs(x))
        case .text(let t): return json == .string(t)
        }
    }

    /// Every GPIO signal of every device (but `skipping`) whose point in the gateway differs from
    /// its board line's logical level: inputs as the test drives them, outputs as the gateway
    /// drives them.
    static func signalMismatches(_ points: [String: GatewayPoint], field: SimulatedField, skipping: Set<String> = []) -> [String] {
        var wrong: [String] = []
        for d in field.site.devices {
            for s in d.profile.signals {
                guard let lineName = d.signals[s.name], !skipping.contains("\(d.id).\(s.name)") else { continue }
                let name = "\(d.id).\(s.name)"
                guard let level = field.level(lineName) else {
                    wrong.append("\(name): no board line \(lineName)")
                    continue
                }
                guard let seen = points[name] else {
                    wrong.append("\(name): not in the gateway's point table")
                    continue
                }
                if seen.value != .bool(level) || seen.quality != "good" {
                    wrong.append("\(name) (\(lineName), \(s.direction.rawValue)): gateway \(seen.value.serialized()) \(seen.quality), line \(level)")
                }
            }
        }
        return wrong
    }
}
