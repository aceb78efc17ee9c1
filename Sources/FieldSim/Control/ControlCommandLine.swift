import FieldCore
import FieldHAL

/// `fieldsim ctl` words, and a scenario step's `"ctl"` text, turned into a `ControlRequest`.
package enum ControlCommandLine {
    /// The commands, one per line, for `fieldsim ctl help`.
    package static let usage = """
    set TARGET VALUE             set a knob, force a point or contact, or write a register
                                 (TARGET is DEVICE.NAME; VALUE a number, true or false)
    ramp TARGET [FROM] TO OVER   move a knob or point linearly over simulated time (e.g. 60s, 2h)
    release TARGET               stop forcing a point or contact
    fault TARGET KIND [ARG]      inject a fault into a device, point, signal or bus:
                                   no-response | silent | slow [DELAY] | bad-crc | exception CODE |
                                   intermittent PERCENT [no-response|bad-crc|slow|exception] |
                                   stuck | drift RATE_PER_HOUR | out-of-range | loop-open | loop-short |
                                   bounce [TOGGLES] [INTERVAL]
    clear TARGET                 clear the target's faults
    do TARGET ACTION [ARGS...]   run a model's action (see show TARGET)
    call LIFT FLOOR              call a lift to a floor
    ride LIFT FROM TO            a passenger rides a lift
    press DEVICE [DURATION]      press a lift's alarm button
    door DEVICE open|close       open or close a cabinet door
    occupancy DEVICE N           people in a room (air terminal) or a lift car
    hydrant open|close           open or close a hydrant on the fire main
    burst [repair]               burst (or repair) the fire main
    bounce TARGET [TOGGLES] [INTERVAL]   make an input contact glitch once
    show [TARGET]                knobs, values, contacts, faults and state
    status                       clock, buses, devices
    accelerate RATE              run simulated time RATE times faster than real time
    """

    package static func parse(_ words: [String]) throws(ControlError) -> ControlRequest {
        guard let command = words.first else { throw ControlError("no command (try: fieldsim ctl help)") }
        let a = Array(words.dropFirst())
        func need(_ n: Int, _ synopsis: String) throws(ControlError) {
            guard a.count >= n else { throw ControlError("usage: \(command) \(synopsis)") }
        }
        switch command {
        case "set":
            try need(2, "TARGET VALUE")
            return .set(target: a[0], value: value(a[1]))
        case "ramp":
            try need(3, "TARGET [FROM] TO OVER")
            let over = try duration(a[a.count - 1])
            let to = try number(a[a.count - 2])
            let from = a.count >= 4 ? try number(a[1]) : nil
            return .ramp(target: a[0], from: from, to: to, over: over)
        case "release":
            try need(1, "TARGET")
            return .release(target: a[0])
        case "fault":
            try need(2, "TARGET KIND [ARG]")
            return .fault(target: a[0], try fault(a[1], Array(a.dropFirst(2))))
        case "clear":
            try need(1, "TARGET")
            return .clear(target: a[0])
        case "do":
            try need(2, "TARGET ACTION [ARGS...]")
            return .action(target: a[0], action: a[1], arguments: Array(a.dropFirst(2)))
        case "call", "ride", "press", "door", "occupancy":
            try need(1, "DEVICE ...")
            return .action(target: a[0], action: command, arguments: Array(a.dropFirst()))
        case "hydrant", "burst":
            return .action(target: "fire-water", action: command, arguments: a)
        case "bounce":
            try need(1, "TARGET [TOGGLES] [INTERVAL]")
            let n = a.count > 1 ? try integer(a[1]) : 6
            let i = a.count > 2 ? try duration(a[2]) : .milliseconds(3)
            return .bounce(target: a[0], toggles: n, interval: i)
        case "show":
            return .show(target: a.first)
        case "status":
            return .status
        case "accelerate":
            try need(1, "RATE")
            let rate = try number(a[0])
            guard rate > 0 else { throw ControlError("accelerate: RATE must be above 0") }
            return .accelerate(rate)
        default:
            throw ControlError("unknown command \"\(command)\"\n\(usage)")
        }
    }

    /// `true`, `false`, a number; anything else is kept as text (a knob then says what it takes).
    static func value(_ word: String) -> JSONValue {
        switch word {
        case "true", "on", "open": return .bool(true)
        case "false", "off", "closed": return .bool(false)
        default: return Double(word).map { .number($0) } ?? .string(word)
        }
    }

    static func number(_ word: String) throws(ControlError) -> Double {
        guard let n = Double(word), n.isFinite else { throw ControlError("\"\(word)\" is not a number") }
        return n
    }

    static func integer(_ word: String) throws(ControlError) -> Int {
        guard let n = Int(word) else { throw ControlError("\"\(word)\" is not a whole number") }
        return n
    }

    static func duration(_ word: String) throws(ControlError) -> Duration {
        guard let d = parseDuration(word) else { throw ControlError("\"\(word)\" is not a duration (e.g. 500ms, 30s, 10m, 2h)") }
        return d
    }

    static func fault(_ kind: String, _ a: [String]) throws(ControlError) -> SimFault {
        switch kind {
        case "no-response", "silent": return .wire(.noResponse)
        case "slow": return .wire(.slowResponse(a.isEmpty ? .milliseconds(800) : try duration(a[0])))
        case "bad-crc": return .wire(.corruptReply)
        case "exception":
            guard let word = a.first, let code = UInt8(word.hasPrefix("0x") ? String(word.dropFirst(2)) : word, radix: word.hasPrefix("0x") ? 16 : 10), code > 0 else {
                throw ControlError("fault exception takes an exception code, e.g. 6 or 0x0B")
            }
            return .wire(.exception(ModbusExceptionCode(rawValue: code)))
        case "intermittent":
            guard let word = a.first, let p = Double(word), (0...100).contains(p) else {
                throw ControlError("fault intermittent takes a percentage 0–100")
            }
            let inner: WireFault
            switch a.count > 1 ? a[1] : "no-response" {
            case "no-response": inner = .noResponse
            case "bad-crc": inner = .corruptReply
            case "slow": inner = .slowResponse(.milliseconds(800))
            case "exception": inner = .exception(.serverDeviceBusy)
            default: throw ControlError("fault intermittent: the fault that hits is no-response, bad-crc, slow or exception")
            }
            return .wire(.intermittent(percent: p, seed: 1, fault: inner))
        case "stuck": return .stuck
        case "drift":
            guard let word = a.first else { throw ControlError("fault drift takes a rate (the point's unit per hour)") }
            return .drift(perHour: try number(word))
        case "out-of-range": return .outOfRange
        case "loop-open": return .loopOpen
        case "loop-short": return .loopShort
        case "bounce":
            return .bounce(toggles: a.isEmpty ? 6 : try integer(a[0]), interval: a.count > 1 ? try duration(a[1]) : .milliseconds(3))
        default:
            throw ControlError("unknown fault \"\(kind)\" (faults: \(SimFault.kinds.joined(separator: ", ")))")
        }
    }
}
