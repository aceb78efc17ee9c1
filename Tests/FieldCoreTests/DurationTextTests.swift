import Testing
@testable import FieldCore

/// Durations and numbers from outside input are range-checked before they are converted: a huge
/// one is an error naming where it came from, never an `Int64` overflow trap (issue 17).
@Suite struct DurationTextTests {
    @Test(arguments: ["1e20h", "1e20s", "1e300", "1e400", "9e15d", "101000d", "1e20ms"])
    func hugeDurationsAreTooLongNotATrap(text: String) {
        do {
            _ = try parseDurationChecked(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error == .tooLong, "\(text)")
        }
        #expect(parseDuration(text) == nil)
    }

    @Test(arguments: ["", "s", "h1", "-5s", "nan", "inf", "infs", "0x10s", "1e", "5 m", "٣s", "1_000s"])
    func malformedDurations(text: String) {
        do {
            _ = try parseDurationChecked(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error == .malformed, "\(text)")
        }
    }

    @Test func ordinaryDurationsStillParse() throws {
        #expect(try parseDurationChecked("500ms") == .milliseconds(500))
        #expect(try parseDurationChecked(" 1.5s ") == .milliseconds(1500))
        #expect(try parseDurationChecked("10m") == .minutes(10))
        #expect(try parseDurationChecked("10min") == .minutes(10))
        #expect(try parseDurationChecked("2h") == .hours(2))
        #expect(try parseDurationChecked("1d") == .hours(24))
        #expect(try parseDurationChecked("30") == .seconds(30))
        #expect(try parseDurationChecked("36500d") == .longestAccepted)
        #expect(Duration(checkedSeconds: -1) == .seconds(-1), "the sign is the caller's to check")
        #expect(Duration(checkedSeconds: .nan) == nil)
        #expect(Duration(checkedSeconds: -1e300) == nil)
    }

    private func issues(_ json: String, _ read: (JSONObjectReader) -> Void) throws -> [String] {
        let r = JSONReader()
        let o = try #require(r.object(try JSONValue.parse(json)))
        read(o)
        return r.issues.map(\.description)
    }

    @Test func aSiteFileDurationOutOfRangeNamesItsPath() throws {
        #expect(try issues(#"{"poll": 1e20}"#) { _ = $0.duration("poll", range: .milliseconds(100) ... .hours(1)) }
            == ["poll: 1e+20 is out of range (expected 100ms…1h)"])
        #expect(try issues(#"{"poll": "1e20s"}"#) { _ = $0.duration("poll", range: .milliseconds(100) ... .hours(1)) }
            == [#"poll: "1e20s" is out of range (expected 100ms…1h)"#])
        #expect(try issues(#"{"poll": "1e20s"}"#) { _ = $0.duration("poll") } == [#"poll: "1e20s" is out of range (expected 0s…36500d)"#])
        #expect(try issues(#"{"poll": "2h"}"#) { _ = $0.duration("poll", range: .milliseconds(100) ... .hours(1)) }
            == ["poll: 2h is out of range (expected 100ms…1h)"])
    }

    @Test func aHugeIntegerIsOutOfRangeNotAnInteger() throws {
        #expect(try issues(#"{"address": 9.5e15}"#) { _ = $0.int("address", range: 1...247) } == ["address: 9500000000000000 is out of range (expected 1…247)"])
        #expect(try issues(#"{"address": 1e300}"#) { _ = $0.int("address") }.first?.contains("is out of range") == true)
        #expect(try issues(#"{"address": 2.5}"#) { _ = $0.int("address") } == ["address: expected an integer, got 2.5"])
    }

    @Test func hugeNumbersAreShownAsNumbersNotInf() {
        #expect(formatNumber(1e308) == "1e+308")
        #expect(formatNumber(-1.5e20) == "-1.5e+20")
        #expect(formatNumber(1e15) == "1000000000000000")
        #expect(formatNumber(1e20) == "1e+20")
        #expect(formatNumber(123.4567891) == "123.456789")
        #expect(formatNumber(.infinity) == "inf")
    }
}
