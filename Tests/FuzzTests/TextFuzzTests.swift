import FieldCore
import FieldDevices
import FieldTestSupport
import Testing

/// Durations, sizes, numbers, times and JSON text built from hostile pieces: every parser
/// answers a value in range or nil/an error, never a trap (issue 17).
@Suite struct TextFuzzTests {
    static let pieces = ["1", "0", "9", "e", "E", "+", "-", ".", "20", "300", "308", "400", "15", "9.5", "ms", "s", "m", "min", "h", "d",
                         "KB", "MB", "GB", "B", " ", "x", "0x", "inf", "nan", "٣", "_", ":", "T", "Z", "+08:00", "2026-", "12-", "07"]

    static func text(_ g: inout SplitMix64) -> String {
        (0..<Int.random(in: 0...8, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()
    }

    @Test func durationsSizesAndTimes() {
        FuzzRun("durations and numbers").run { caseSeed, g in
            let s = Self.text(&g)
            if let d = parseDuration(s) {
                #expect(d >= .zero && d <= .longestAccepted, "\"\(s)\" FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
                _ = formatDuration(d)
            }
            if let n = parseByteSize(s) { #expect(n >= 0, "\"\(s)\"") }
            _ = parseUTCOffset(s)
            if let t = Timestamp(iso8601: s) { _ = t.description }
            let x = Double(bitPattern: g.next())
            _ = formatNumber(x)
            _ = Duration(checkedSeconds: x)
            _ = Double(s).map { formatNumber($0) }
        }
    }

    @Test func jsonTextFromPieces() {
        let json = ["{", "}", "[", "]", ",", ":", "\"a\"", "\"\\u", "d800", "1e400", "-", "0", "01", "true", "nul", " ", "\n", "\"", "\\", "\u{0}"]
        FuzzRun("JSON text").run { caseSeed, g in
            let s = (0..<Int.random(in: 0...24, using: &g)).map { _ in json.randomElement(using: &g)! }.joined()
            do {
                let v = try JSONValue.parse(s)
                #expect(try JSONValue.parse(v.serialized()) == v, "round trip of \(s) FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
            } catch let e as JSONSyntaxError {
                #expect(e.line >= 1 && e.column >= 1 && e.column <= s.count + 1, "\(e) for \(s)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
