import Testing
@testable import FieldConsole

@Suite struct CommandTokenizerTests {
    @Test func wordsQuotesAndEscapes() throws {
        #expect(try CommandTokenizer.split("  config  set site.name   x ") == ["config", "set", "site.name", "x"])
        #expect(try CommandTokenizer.split("config set site.name \"Pump room 7\"") == ["config", "set", "site.name", "Pump room 7"])
        #expect(try CommandTokenizer.split("a 'b \"c\" \\d'") == ["a", "b \"c\" \\d"])
        #expect(try CommandTokenizer.split(#"a "x\"y\\z\n""#) == ["a", #"x"y\z\n"#])
        #expect(try CommandTokenizer.split(#"a b\ c"#) == ["a", "b c"])
        #expect(try CommandTokenizer.split(#"a"b c"d"#) == ["ab cd"])
        #expect(try CommandTokenizer.split("set '' x") == ["set", "", "x"])
        #expect(try CommandTokenizer.split("") == [])
    }

    @Test func aWordStartingWithABracketIsJSONAsTyped() throws {
        #expect(try CommandTokenizer.split(#"config set x {"a": 1, "b": "two words"}"#) == ["config", "set", "x", #"{"a": 1, "b": "two words"}"#])
        #expect(try CommandTokenizer.split(#"set x [1, {"y": "]"}] z"#) == ["set", "x", #"[1, {"y": "]"}]"#, "z"])
        #expect(try CommandTokenizer.split(#"config get devices[0]"#) == ["config", "get", "devices[0]"], "a bracket inside a word is plain")
        #expect(throws: TokenizeError(message: "unclosed { in the JSON value (close every { with } and [ with ])", column: 7)) {
            try CommandTokenizer.split(#"set x {"a": [1}"#)
        }
    }

    @Test func errorsSayWhatAndWhere() {
        #expect(throws: TokenizeError(message: "unterminated double quote (\")", column: 8)) { try CommandTokenizer.split("config \"abc") }
        #expect(throws: TokenizeError(message: "unterminated single quote (')", column: 3)) { try CommandTokenizer.split("a 'b") }
        #expect(throws: TokenizeError(message: "a backslash at the end of the line escapes nothing", column: 3)) { try CommandTokenizer.split("ab\\") }
    }

    @Test func completionSplit() {
        #expect(CommandTokenizer.splitForCompletion("modbus re") == (["modbus"], "re"))
        #expect(CommandTokenizer.splitForCompletion("modbus ") == (["modbus"], ""))
        #expect(CommandTokenizer.splitForCompletion("") == ([], ""))
        #expect(CommandTokenizer.splitForCompletion("config set \"site") == (["config", "set"], "site"))
    }

    @Test func quoteRoundTrips() throws {
        for w in ["plain", "two words", "it's", "a\"b", "back\\slash", ""] {
            #expect(try CommandTokenizer.split("x " + CommandTokenizer.quote(w)) == ["x", w])
        }
    }
}
