/// How far a reading can be trusted (DESIGN rule 5). Apps never alarm on a value whose quality is
/// not `good` as if it were real.
package enum Quality: String, Codable, Sendable, CaseIterable {
    /// A fresh value from a healthy sensor.
    case good
    /// The last value, older than its point's poll interval allows.
    case stale
    /// The device did not answer (timeout, CRC error, exception, connection lost).
    case commError = "comm-error"
    /// The sensor reports a fault (4–20 mA loop open or shorted, a status bit).
    case sensorFault = "sensor-fault"
    /// The value is outside the sensor's measuring range.
    case outOfRange = "out-of-range"
    /// The sensor is still warming up after power-on.
    case warmingUp = "warming-up"
    /// Too few valid samples to give a value: a rolling average whose window is not covered well
    /// enough, a lift floor count that has not yet been synchronised. The value is absent.
    case insufficientData = "insufficient-data"

    package var isGood: Bool { self == .good }
}

/// The value of a point: a number, a state, or (rarely) text such as a serial number.
package enum PointValue: Hashable, Sendable {
    case number(Double)
    case bool(Bool)
    case text(String)

    /// The value as a number; a state is 1 or 0.
    package var number: Double? {
        switch self {
        case .number(let v): v
        case .bool(let b): b ? 1 : 0
        case .text: nil
        }
    }

    /// The value as a state; a number is true when not zero.
    package var bool: Bool? {
        switch self {
        case .number(let v): v != 0
        case .bool(let b): b
        case .text: nil
        }
    }
}

extension PointValue: CustomStringConvertible {
    package var description: String {
        switch self {
        case .number(let v): formatNumber(v)
        case .bool(let b): b ? "true" : "false"
        case .text(let s): s
        }
    }
}

extension PointValue: Codable {
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else {
            self = .text(try c.decode(String.self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let v): try c.encode(v)
        case .bool(let b): try c.encode(b)
        case .text(let s): try c.encode(s)
        }
    }
}

/// One observation of a point: its value (nil when none was ever read), quality and time.
package struct Reading: Hashable, Sendable, Codable {
    package var value: PointValue?
    package var quality: Quality
    package var time: Timestamp

    package init(_ value: PointValue?, quality: Quality = .good, at time: Timestamp) {
        self.value = value
        self.quality = quality
        self.time = time
    }

    package static func number(_ v: Double, quality: Quality = .good, at time: Timestamp) -> Reading {
        Reading(.number(v), quality: quality, at: time)
    }

    package static func bool(_ v: Bool, quality: Quality = .good, at time: Timestamp) -> Reading {
        Reading(.bool(v), quality: quality, at: time)
    }

    /// The number, only when the quality is good.
    package var goodNumber: Double? { quality.isGood ? value?.number : nil }

    /// The state, only when the quality is good.
    package var goodBool: Bool? { quality.isGood ? value?.bool : nil }
}

/// A point of a device, written `device.point` (e.g. `hydrant-main.pressure`).
package struct PointRef: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var device: String
    package var point: String

    package init(device: String, point: String) {
        self.device = device
        self.point = point
    }

    /// Parses `device.point`; nil unless both parts are valid identifiers.
    package init?(_ text: String) {
        guard let dot = text.firstIndex(of: ".") else { return nil }
        let d = String(text[..<dot]), p = String(text[text.index(after: dot)...])
        guard isIdentifier(d), isIdentifier(p) else { return nil }
        self.init(device: d, point: p)
    }

    package var description: String { "\(device).\(point)" }

    package static func < (a: PointRef, b: PointRef) -> Bool { (a.device, a.point) < (b.device, b.point) }
}

extension PointRef: Codable {
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let r = PointRef(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected device.point, got \"\(s)\"")
        }
        self = r
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// True for ids of devices, points, buses and signals: 1–64 of `A–Z a–z 0–9 _ -`, starting with a
/// letter or digit.
package func isIdentifier(_ s: String) -> Bool {
    guard (1...64).contains(s.utf8.count), let first = s.utf8.first, isAlnum(first) else { return false }
    return s.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
}

private func isAlnum(_ c: UInt8) -> Bool {
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}

/// A number as people read it: integers without a fraction, others with up to 6 significant
/// decimals and no trailing zeros.
/// `v` rounded to 12 significant digits: arithmetic noise such as 229.10000000000002 (229.1) or
/// a difference's 0.0004999999999999894 (0.0005) goes, while every digit a field sensor gives
/// stays (an f32 has 7, a scaled 32-bit register 10); integers are left alone. For values the
/// gateway computes (apps' derived values, alarm values), not for values read from a device
/// (an f64 register means all its digits; `PointCodec` rounds those to the point's resolution).
package func withoutBinaryNoise(_ v: Double) -> Double {
    guard v.isFinite, v != 0, v != v.rounded() || abs(v) < 1 else { return v }
    var magnitude = 0
    var a = abs(v)
    while a >= 10 { a /= 10; magnitude += 1 }
    while a < 1 { a *= 10; magnitude -= 1 }
    let places = 11 - magnitude
    // Past 10^22 a power of ten is no longer exact, and the division below no longer rounds once.
    guard places > 0, places <= 22 else { return v }
    var f = 1.0
    for _ in 0..<places { f *= 10 }
    let r = (v * f).rounded() / f
    return r.isFinite ? r : v
}

package func formatNumber(_ v: Double, decimals: Int = 6) -> String {
    guard v.isFinite else { return v.isNaN ? "nan" : (v < 0 ? "-inf" : "inf") }
    if v == v.rounded(), abs(v) < 1e18 { return String(Int64(v)) }
    // Past 1e15 there are no decimals to round, and `v * scale` would overflow to inf.
    if abs(v) >= 1e15 { return String(v) }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let r = (v * scale).rounded() / scale
    var s = String(r)
    if s.contains("e") { return s }
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
}
