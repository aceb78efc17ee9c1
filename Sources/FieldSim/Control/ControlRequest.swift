import FieldCore
import FieldHAL

/// One request to a running simulator: what `fieldsim ctl` sends over the control socket, what
/// a scenario step does, and what tests call in-process (`Simulator.execute`). Targets are
/// `DEVICE.NAME` (a knob, point or signal of a device), `DEVICE` (a device, for faults and
/// `show`), a bus name (bus faults) or a system (`weather`, `fire-water`, an air terminal's room).
/// docs/simulator.md has every request with its JSON form.
package enum ControlRequest: Sendable, Hashable {
    /// Sets a knob (physics), forces what a point or input contact reports, or writes a writable
    /// register as a local operator would. Forced values hold until `release`.
    case set(target: String, value: JSONValue)
    /// Moves a knob or a point's reported value linearly from `from` (default: its value now) to
    /// `to` over `over` of simulated time, then holds it.
    case ramp(target: String, from: Double?, to: Double, over: Duration)
    /// Ends a forced value or a ramp of a point: the model's own value is served again.
    case release(target: String)
    /// Injects a fault into a device, a point or signal of one, or a bus.
    case fault(target: String, SimFault)
    /// Clears every fault of the target (and, for a device, of its points and signals).
    case clear(target: String)
    /// Runs a model's action: `call lift-1 5` is `do lift-1 call 5`.
    case action(target: String, action: String, arguments: [String])
    /// Makes an input contact bounce once (a glitch) and settle where it was.
    case bounce(target: String, toggles: Int, interval: Duration)
    /// A device's or system's knobs, served values, contacts, faults and state; nil: everything.
    case show(target: String?)
    /// The simulator's clock, buses and devices in brief.
    case status
    /// Changes how fast simulated time runs (1 = real time).
    case accelerate(Double)

    /// The request as the control socket carries it.
    package var json: JSONValue {
        switch self {
        case .set(let t, let v): ["op": "set", "target": .string(t), "value": v]
        case .ramp(let t, let from, let to, let over):
            .object(["op": "ramp", "target": .string(t), "to": .number(to), "over": .string(formatDuration(over))]
                .merging(from.map { ["from": JSONValue.number($0)] } ?? [:]) { a, _ in a })
        case .release(let t): ["op": "release", "target": .string(t)]
        case .fault(let t, let f): .object(["op": "fault", "target": .string(t)].merging(f.fields) { a, _ in a })
        case .clear(let t): ["op": "clear", "target": .string(t)]
        case .action(let t, let a, let args): ["op": "do", "target": .string(t), "action": .string(a), "arguments": .array(args.map { .string($0) })]
        case .bounce(let t, let n, let i): ["op": "bounce", "target": .string(t), "toggles": .number(Double(n)), "interval": .string(formatDuration(i))]
        case .show(let t): t.map { ["op": "show", "target": .string($0)] } ?? ["op": "show"]
        case .status: ["op": "status"]
        case .accelerate(let r): ["op": "accelerate", "rate": .number(r)]
        }
    }

    static let operations = ["set", "ramp", "release", "fault", "clear", "do", "bounce", "show", "status", "accelerate"]

    /// Reads a request object, reporting problems with their JSON paths; unread keys are left to
    /// the caller's `finish()` (a scenario step has `at` besides).
    package static func read(_ o: JSONObjectReader) -> ControlRequest? {
        guard let op = o.string("op", required: true, oneOf: operations) else { return nil }
        let r = o.reader
        switch op {
        case "set":
            guard let t = o.string("target", required: true), let v = o.value("value", required: true) else { return nil }
            return .set(target: t, value: v)
        case "ramp":
            let t = o.string("target", required: true)
            let from = o.double("from")
            let to = o.double("to", required: true)
            let over = o.duration("over", required: true)
            guard let t, let to, let over else { return nil }
            return .ramp(target: t, from: from, to: to, over: over)
        case "release":
            return o.string("target", required: true).map { .release(target: $0) }
        case "fault":
            let t = o.string("target", required: true)
            let f = SimFault.read(o)
            guard let t, let f else { return nil }
            return .fault(target: t, f)
        case "clear":
            return o.string("target", required: true).map { .clear(target: $0) }
        case "do":
            let t = o.string("target", required: true)
            let a = o.identifier("action", required: true)
            let args = o.array("arguments") { v, p -> String? in
                if let s = v.stringValue { return s }
                if let n = v.numberValue { return formatNumber(n) }
                r.report(p, "expected a word or a number, got \(v.kindDescription)")
                return nil
            } ?? []
            guard let t, let a else { return nil }
            return .action(target: t, action: a, arguments: args)
        case "bounce":
            let t = o.string("target", required: true)
            let n = o.int("toggles", range: 1...1000) ?? 6
            let i = o.duration("interval", range: .milliseconds(1)...Duration.seconds(1)) ?? .milliseconds(3)
            return t.map { .bounce(target: $0, toggles: n, interval: i) }
        case "show":
            return .show(target: o.string("target"))
        case "status":
            return .status
        default:
            return o.double("rate", required: true, range: 0.001...1_000_000).map { .accelerate($0) }
        }
    }

    /// Parses one request line of the control socket.
    package static func parse(_ value: JSONValue) throws(ConfigError) -> ControlRequest {
        let r = JSONReader()
        let request = r.object(value).flatMap { o -> ControlRequest? in
            defer { o.finish() }
            return read(o)
        }
        try r.check(source: "control request")
        guard let request else { throw ConfigError(source: "control request", issues: [ConfigIssue(path: .root, message: "not a request")]) }
        return request
    }
}

/// A fault `fieldsim ctl fault` injects. Wire faults act on a device's or bus's Modbus side
/// (`WireFault`); value faults change what a point or contact reports.
package enum SimFault: Sendable, Hashable, CustomStringConvertible {
    /// A wire fault of a device, or of a whole bus or TCP endpoint (`silent` is a bus's
    /// `.noResponse`: power lost on the line).
    case wire(WireFault)
    /// The value stays where it is now.
    case stuck
    /// The value wanders off by `perHour` (point's unit per hour of simulated time).
    case drift(perHour: Double)
    /// A value beyond the point's range: 10 % of the span above it; a loop point in the NE43
    /// ambiguous band (20.8 mA).
    case outOfRange
    /// A 4–20 mA loop cut: 0 mA.
    case loopOpen
    /// A 4–20 mA loop shorted: 22.5 mA.
    case loopShort
    /// Every change of an input contact bounces `toggles` times `interval` apart.
    case bounce(toggles: Int, interval: Duration)

    /// Loop currents the loop faults drive (mA).
    package static let openLoopCurrent = 0.0
    package static let shortedLoopCurrent = 22.5
    package static let ambiguousHighCurrent = 20.8

    package static let kinds = ["no-response", "silent", "slow", "bad-crc", "exception", "intermittent", "stuck", "drift",
                               "out-of-range", "loop-open", "loop-short", "bounce"]

    package var description: String {
        switch self {
        case .wire(let w): w.description
        case .stuck: "stuck"
        case .drift(let rate): "drift \(formatNumber(rate))/h"
        case .outOfRange: "out of range"
        case .loopOpen: "loop open (\(formatNumber(Self.openLoopCurrent)) mA)"
        case .loopShort: "loop short (\(formatNumber(Self.shortedLoopCurrent)) mA)"
        case .bounce(let n, let i): "bounce (\(n) × \(formatDuration(i)))"
        }
    }

    var isWire: Bool { if case .wire = self { true } else { false } }

    var fields: [String: JSONValue] {
        switch self {
        case .wire(let w): Self.wireFields(w)
        case .stuck: ["fault": "stuck"]
        case .drift(let rate): ["fault": "drift", "rate": .number(rate)]
        case .outOfRange: ["fault": "out-of-range"]
        case .loopOpen: ["fault": "loop-open"]
        case .loopShort: ["fault": "loop-short"]
        case .bounce(let n, let i): ["fault": "bounce", "toggles": .number(Double(n)), "interval": .string(formatDuration(i))]
        }
    }

    private static func wireFields(_ w: WireFault) -> [String: JSONValue] {
        switch w {
        case .noResponse: ["fault": "no-response"]
        case .slowResponse(let d): ["fault": "slow", "delay": .string(formatDuration(d))]
        case .corruptReply: ["fault": "bad-crc"]
        case .exception(let c): ["fault": "exception", "code": .number(Double(c.rawValue))]
        case .intermittent(let p, let seed, let inner):
            ["fault": "intermittent", "percent": .number(p), "seed": .number(Double(seed)),
             "then": wireFields(inner)["fault"] ?? "no-response"]
        }
    }

    static func read(_ o: JSONObjectReader) -> SimFault? {
        guard let kind = o.string("fault", required: true, oneOf: kinds) else { return nil }
        switch kind {
        case "no-response", "silent": return .wire(.noResponse)
        case "slow": return o.duration("delay", range: .milliseconds(1)...Duration.seconds(60)).map { .wire(.slowResponse($0)) } ?? .wire(.slowResponse(.milliseconds(800)))
        case "bad-crc": return .wire(.corruptReply)
        case "exception":
            return o.int("code", required: true, range: 1...255).map { .wire(.exception(ModbusExceptionCode(rawValue: UInt8($0)))) }
        case "intermittent":
            let p = o.double("percent", required: true, range: 0...100)
            let seed = o.int("seed", range: 0...Int.max) ?? 1
            let then = o.string("then", oneOf: ["no-response", "bad-crc", "slow", "exception"]) ?? "no-response"
            let inner: WireFault = then == "bad-crc" ? .corruptReply : then == "slow" ? .slowResponse(.milliseconds(800))
                : then == "exception" ? .exception(.serverDeviceBusy) : .noResponse
            return p.map { .wire(.intermittent(percent: $0, seed: UInt64(seed), fault: inner)) }
        case "stuck": return .stuck
        case "drift": return o.double("rate", required: true).map { .drift(perHour: $0) }
        case "out-of-range": return .outOfRange
        case "loop-open": return .loopOpen
        case "loop-short": return .loopShort
        default:
            let n = o.int("toggles", range: 1...1000) ?? 6
            let i = o.duration("interval", range: .milliseconds(1)...Duration.seconds(1)) ?? .milliseconds(3)
            return .bounce(toggles: n, interval: i)
        }
    }
}
