/// Durations read from outside input: site files, RPC payloads, console arguments.
///
/// Every one goes through here, so a number like `1e20h` is refused once, before it is converted to
/// whole milliseconds (where it would overflow `Int64` and trap the process).
package enum DurationTextError: Error, Equatable, Sendable {
    /// Not a number with a known unit.
    case malformed
    /// A number, but longer than `Duration.longestAccepted`.
    case tooLong
}

extension Duration {
    /// The longest duration any input may give: 100 years. Far past every setting's own range,
    /// far below what `Int64` milliseconds (and `Timestamp + Duration`) can hold.
    package static let longestAccepted: Duration = .seconds(100 * 365 * 86_400)

    /// `seconds` rounded to milliseconds; nil when it is not finite or longer than
    /// `longestAccepted` either way.
    package init?(checkedSeconds seconds: Double) {
        let limit = Duration.longestAccepted.inSeconds
        guard seconds.isFinite, seconds.magnitude <= limit else { return nil }
        self = .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// Parses `"500ms"`, `"1.5s"`, `"30s"`, `"10m"`, `"2h"`, `"1d"` (and a bare number as seconds).
/// - Throws: `.malformed`, or `.tooLong` past `Duration.longestAccepted`.
package func parseDurationChecked(_ text: String) throws(DurationTextError) -> Duration {
    let s = text.trimmingCharacters(in: " ")
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("min", 60), ("m", 60), ("h", 3600), ("d", 86_400)]
    var number = Substring(s), scale = 1.0
    if let (suffix, unitScale) = units.first(where: { s.hasSuffix($0.0) }) {
        number = number.dropLast(suffix.count)
        scale = unitScale
    }
    // Double("inf"), Double("nan") and hex floats parse; a duration is plain decimal.
    guard let n = Double(number), n >= 0, number.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }) else {
        throw .malformed
    }
    guard let d = Duration(checkedSeconds: n * scale) else { throw .tooLong }
    return d
}

/// `parseDurationChecked`, with nil for either failure.
package func parseDuration(_ text: String) -> Duration? {
    try? parseDurationChecked(text)
}
