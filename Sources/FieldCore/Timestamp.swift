/// A wall-clock instant: milliseconds since 1970-01-01T00:00:00Z.
///
/// Readings, alarms and outbox records carry timestamps; ThingsBoard's `ts` is the same number.
/// Arithmetic with Swift's `Duration` keeps the domain logic free of `Date`.
package struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    package var milliseconds: Int64

    package init(milliseconds: Int64) { self.milliseconds = milliseconds }
    package init(seconds: Double) { self.milliseconds = Int64((seconds * 1000).rounded()) }

    /// Seconds since the epoch, with millisecond resolution.
    package var seconds: Double { Double(milliseconds) / 1000 }

    package static let epoch = Timestamp(milliseconds: 0)

    package static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }
    package static func + (t: Timestamp, d: Duration) -> Timestamp { Timestamp(milliseconds: t.milliseconds + d.milliseconds) }
    package static func - (t: Timestamp, d: Duration) -> Timestamp { Timestamp(milliseconds: t.milliseconds - d.milliseconds) }
    package static func - (a: Timestamp, b: Timestamp) -> Duration { .milliseconds(a.milliseconds - b.milliseconds) }
    package static func += (t: inout Timestamp, d: Duration) { t = t + d }

    /// ISO 8601 in UTC, e.g. `2026-11-21T19:47:00.123Z`.
    package var description: String { iso8601(offsetMinutes: 0) }

    /// ISO 8601 at a fixed UTC offset, e.g. `2026-11-22T03:47:00.123+08:00`.
    package func iso8601(offsetMinutes: Int) -> String {
        let c = CivilTime(self, offsetMinutes: offsetMinutes)
        let zone: String
        if offsetMinutes == 0 {
            zone = "Z"
        } else {
            let a = abs(offsetMinutes)
            zone = (offsetMinutes < 0 ? "-" : "+") + pad(a / 60, 2) + ":" + pad(a % 60, 2)
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(c.millisecond, 3))\(zone)"
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)`, or a date and time without a zone at `defaultOffsetMinutes`.
    package init?(iso8601 text: String, defaultOffsetMinutes: Int = 0) {
        var s = Substring(text)
        func int(_ n: Int) -> Int? {
            guard s.count >= n, let v = Int(s.prefix(n)), s.prefix(n).allSatisfy(\.isASCII) else { return nil }
            s = s.dropFirst(n)
            return v
        }
        func eat(_ c: Character) -> Bool {
            guard s.first == c else { return false }
            s = s.dropFirst()
            return true
        }
        guard let y = int(4), eat("-"), let mo = int(2), eat("-"), let d = int(2),
              eat("T") || eat(" "), let h = int(2), eat(":"), let mi = int(2) else { return nil }
        var sec = 0, ms = 0
        if eat(":") {
            guard let v = int(2) else { return nil }
            sec = v
            if eat(".") {
                let digits = s.prefix { $0.isASCII && $0.isNumber }
                guard !digits.isEmpty else { return nil }
                ms = Int((String(digits) + "00").prefix(3))!
                s = s.dropFirst(digits.count)
            }
        }
        var offset = defaultOffsetMinutes
        if eat("Z") {
            offset = 0
        } else if let sign = s.first, sign == "+" || sign == "-" {
            s = s.dropFirst()
            guard let oh = int(2) else { return nil }
            _ = eat(":")
            guard let om = int(2) else { return nil }
            offset = (sign == "-" ? -1 : 1) * (oh * 60 + om)
        }
        guard s.isEmpty, (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        let c = CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: sec, millisecond: ms)
        self = c.timestamp(offsetMinutes: offset)
    }
}

extension Timestamp: Codable {
    package init(from decoder: any Decoder) throws {
        milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(milliseconds)
    }
}

/// A calendar date and time of day (proleptic Gregorian), at some fixed UTC offset.
package struct CivilTime: Hashable, Sendable {
    package var year, month, day, hour, minute, second, millisecond: Int

    package init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second, self.millisecond) = (hour, minute, second, millisecond)
    }

    /// The local civil time of `t` at `offsetMinutes` east of UTC.
    package init(_ t: Timestamp, offsetMinutes: Int = 0) {
        let ms = t.milliseconds + Int64(offsetMinutes) * 60_000
        let days = Int(floorDiv(ms, 86_400_000))
        let rem = Int(ms - Int64(days) * 86_400_000)
        (year, month, day) = CivilTime.civil(fromDays: days)
        hour = rem / 3_600_000
        minute = rem / 60_000 % 60
        second = rem / 1000 % 60
        millisecond = rem % 1000
    }

    /// Days since 1970-01-01 of this date.
    package var daysSinceEpoch: Int { CivilTime.days(year: year, month: month, day: day) }

    /// Day of the week, 0 = Sunday … 6 = Saturday.
    package var weekday: Int { ((daysSinceEpoch % 7) + 11) % 7 }

    /// The instant this civil time denotes at `offsetMinutes` east of UTC.
    package func timestamp(offsetMinutes: Int = 0) -> Timestamp {
        let ms = Int64(daysSinceEpoch) * 86_400_000 + Int64(hour) * 3_600_000 + Int64(minute) * 60_000
            + Int64(second) * 1000 + Int64(millisecond) - Int64(offsetMinutes) * 60_000
        return Timestamp(milliseconds: ms)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
    package static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01.
    package static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension Duration {
    /// This duration in whole milliseconds (truncated toward zero).
    package var milliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }

    /// This duration in whole nanoseconds (truncated toward zero).
    package var nanoseconds: Int64 {
        let c = components
        return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }

    /// This duration in seconds as a floating-point number.
    package var inSeconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    package static func minutes(_ m: Int) -> Duration { .seconds(m * 60) }
    package static func hours(_ h: Int) -> Duration { .seconds(h * 3600) }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

private func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
