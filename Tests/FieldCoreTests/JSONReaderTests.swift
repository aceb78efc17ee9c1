import Testing
@testable import FieldCore

@Suite struct JSONReaderTests {
    @Test func reportsEveryErrorWithItsPath() throws {
        let doc = try JSONValue.parse("""
        {"buses": [{"name": "rs485-1", "baud": "9600", "parity": "X"},
                   {"name": "bad name", "baud": 9600, "parity": "N", "polll": "1s"}],
         "poll": "fast"}
        """)
        let r = JSONReader()
        let root = try #require(r.object(doc))
        _ = root.objects("buses", required: true) { b in
            (b.identifier("name", required: true), b.int("baud", required: true, range: 1200...115_200),
             b.string("parity", oneOf: ["N", "E", "O"]), b.duration("poll"))
        }
        _ = root.duration("poll")
        _ = root.string("site", required: true)
        root.finish()
        let messages = r.issues.map(\.description)
        #expect(messages.contains("buses[0].baud: expected an integer, got a string"))
        #expect(messages.contains("buses[0].parity: \"X\" is not allowed (expected one of: N, E, O)"))
        #expect(messages.contains(where: { $0.hasPrefix("buses[1].name: \"bad name\" is not a valid id") }))
        #expect(messages.contains("buses[1].polll: unknown key (did you mean \"poll\"?)"))
        #expect(messages.contains(where: { $0.hasPrefix("poll: expected a duration") }))
        #expect(messages.contains("site: missing (required)"))
        #expect(r.issues.count == 6)
        #expect(throws: ConfigError.self) { try r.check(source: "site.json") }
    }

    @Test func syntaxErrorsAreReportedNotCrashed() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("{\"a\": [1, 2,") }
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("\u{0}\u{ff}") }
    }

    @Test func roundTripsAndSortsKeys() throws {
        let v: JSONValue = ["b": 1, "a": [true, nil, 2.5, "x"]]
        #expect(v.serialized() == #"{"a":[true,null,2.5,"x"],"b":1}"#)
        #expect(try JSONValue.parse(v.serialized()) == v)
    }

    @Test func enumerationsListTheirValues() throws {
        let r = JSONReader()
        let o = try #require(r.object(["q": "perfect"]))
        #expect(o.enumeration("q", Quality.self) == nil)
        #expect(r.issues.first?.message.contains("good, stale, comm-error") == true)
    }

    @Test func argumentsParse() throws {
        let a = try ParsedArguments(["run", "--site", "s.json", "--json", "--state-dir=/tmp/x"], valued: ["site", "state-dir"], flags: ["json"])
        #expect(a.positionals == ["run"] && a.options["site"] == "s.json" && a.options["state-dir"] == "/tmp/x" && a.flags == ["json"])
        #expect(throws: UsageError.self) { try ParsedArguments(["--nope"], valued: [], flags: []) }
        #expect(throws: UsageError.self) { try ParsedArguments(["--site"], valued: ["site"], flags: []) }
    }
}
