import FieldCore
import FieldHAL

/// Everything needed to decode and judge one point, with no references inside: the read plan
/// keeps one per slot so a poll cycle copies no strings and retains nothing.
struct PointCodec: Sendable {
    var type: ValueType
    var order: WordOrder
    var count: Int
    /// For a bit field: its mask and lowest bit.
    var field: (mask: UInt16, shift: UInt16)?
    var scale: Double
    var offset: Double
    var range: ClosedRange<Double>?
    var loop: LoopLimits?
    var warmUpMilliseconds: Int64?
    /// Decimal places of the value as read (before a loop maps it): the point's resolution.
    var resolution: Int?
    /// The site's or profile's `decimals`, applied to the final value (after a loop).
    var decimals: Int?

    init(_ p: PointSpec) {
        type = p.type
        order = p.wordOrder
        count = p.count
        field = p.bits.map { ($0.mask, UInt16($0.lowest)) }
        scale = p.scale
        offset = p.offset
        range = p.range
        loop = p.loop.map(LoopLimits.init)
        warmUpMilliseconds = p.warmUp?.milliseconds
        decimals = p.decimals
        resolution = p.decimals == nil && p.type.isInteger ? PointCodec.decimalPlaces(of: [p.scale, p.offset]) : nil
    }

    /// The decimal places that write `values` exactly (0.1 → 1, 0.025 → 3); nil past 9 (1/3).
    static func decimalPlaces(of values: [Double]) -> Int? {
        var places = 0
        for v in values {
            var p = 0
            var scaled = v
            while p <= 9, abs(scaled - scaled.rounded()) > 1e-6 {
                p += 1
                scaled = v * pow10(p)
            }
            guard p <= 9 else { return nil }
            places = max(places, p)
        }
        return places
    }

    static func pow10(_ n: Int) -> Double {
        var x = 1.0
        for _ in 0..<n { x *= 10 }
        return x
    }

    /// `v` rounded to `places` decimals, as the double nearest that decimal (so it prints as one).
    static func rounded(_ v: Double, places: Int) -> Double {
        let f = pow10(places)
        let r = (v * f).rounded() / f
        return r.isFinite ? r : v
    }

    /// The double nearest the shortest decimal that reads back as `f`: 49.98 for the float
    /// 49.98 rather than its binary expansion 49.979999542236328.
    static func shortest(_ f: Float) -> Double {
        guard f.isFinite else { return Double(f) }
        return Double(f.description) ?? Double(f)
    }

    /// The value (in the point's `unit`) held by registers from `start`.
    func value(_ registers: [UInt16], at start: Int) -> PointValue {
        if let field {
            let bits = (registers[start] & field.mask) >> field.shift
            if type == .bool { return .bool(bits != 0) }
            let n = Double(bits) * scale + offset
            return .number(resolution.map { PointCodec.rounded(n, places: $0) } ?? n)
        }
        let pattern = RegisterCodec.pattern(registers, at: start, count: type.registerCount, order: order)
        if type == .bool { return .bool(pattern != 0) }
        if type == .f32 {
            let f = PointCodec.shortest(Float(bitPattern: UInt32(truncatingIfNeeded: pattern)))
            // Scaled, a float keeps its 7 significant digits, not the product's noise.
            return .number(scale == 1 && offset == 0 ? f : PointCodec.significant(f * scale + offset, digits: 7))
        }
        let n = RegisterCodec.number(pattern, as: type) * scale + offset
        return .number(resolution.map { PointCodec.rounded(n, places: $0) } ?? n)
    }

    /// `v` rounded to `digits` significant digits.
    static func significant(_ v: Double, digits: Int) -> Double {
        guard v.isFinite, v != 0 else { return v }
        var magnitude = 0
        var a = abs(v)
        while a >= 10 { a /= 10; magnitude += 1 }
        while a < 1 { a *= 10; magnitude -= 1 }
        let places = digits - 1 - magnitude
        if places <= 0 { return v.rounded() }
        return rounded(v, places: min(places, 15))
    }

    /// A freshly read value as a reading with its quality: loop bands, non-finite numbers, range,
    /// warm-up. Status bits are the plan's business.
    func judge(_ value: PointValue, previous: Reading?, now: Timestamp, onlineSince: Timestamp?) -> Reading {
        var reading = Reading(value, at: now)
        if case .number(var n) = value {
            if !n.isFinite {
                reading = Reading(nil, quality: .sensorFault, at: now)
            } else if let loop {
                switch loop.band(ofCurrent: n) {
                case .failure:
                    reading = Reading(nil, quality: .sensorFault, at: now)
                case .ambiguous:
                    reading = Reading(previous?.value, quality: .outOfRange, at: now)
                case .saturatedLow, .measurement, .saturatedHigh:
                    n = loop.value(ofCurrent: n)
                    reading = Reading(.number(n), at: now)
                }
            }
            if reading.quality == .good, let range, !range.contains(n) { reading.quality = .outOfRange }
        }
        if let decimals, case .number(let n)? = reading.value { reading.value = .number(PointCodec.rounded(n, places: decimals)) }
        if let warmUpMilliseconds, let onlineSince, now.milliseconds - onlineSince.milliseconds < warmUpMilliseconds {
            reading.quality = worse(reading.quality, .warmingUp)
        }
        return reading
    }
}

/// The numbers of a `CurrentLoop` (its unit left out) and the NE43 arithmetic on them.
struct LoopLimits: Sendable {
    var low, high, faultBelow, validFrom, validTo, faultAbove: Double

    init(_ l: CurrentLoop) {
        (low, high, faultBelow, validFrom, validTo, faultAbove) = (l.low, l.high, l.faultBelow, l.validFrom, l.validTo, l.faultAbove)
    }

    /// NE43's failure bands include their limits: a transmitter signalling failure drives exactly
    /// 3.6 mA (or 21 mA). The tolerance keeps a current read as a scaled integer (3600 µA × 0.001)
    /// on the failure side of the limit whatever the last bit of its rounding.
    static let tolerance = 1e-9

    func band(ofCurrent mA: Double) -> CurrentLoop.Band {
        if !mA.isFinite || mA <= faultBelow + Self.tolerance || mA >= faultAbove - Self.tolerance { return .failure }
        if mA < validFrom || mA > validTo { return .ambiguous }
        if mA < CurrentLoop.spanLow { return .saturatedLow }
        if mA > CurrentLoop.spanHigh { return .saturatedHigh }
        return .measurement
    }

    func value(ofCurrent mA: Double) -> Double {
        let clamped = min(max(mA, CurrentLoop.spanLow), CurrentLoop.spanHigh)
        return low + (clamped - CurrentLoop.spanLow) / (CurrentLoop.spanHigh - CurrentLoop.spanLow) * (high - low)
    }
}

/// The less trustworthy of two qualities (comm-error > warming-up > sensor-fault > out-of-range
/// > insufficient-data > stale > good).
func worse(_ a: Quality, _ b: Quality) -> Quality {
    func rank(_ q: Quality) -> Int {
        switch q {
        case .good: 0
        case .stale: 1
        case .insufficientData: 2
        case .outOfRange: 3
        case .sensorFault: 4
        case .warmingUp: 5
        case .commError: 6
        }
    }
    return rank(a) >= rank(b) ? a : b
}
