import FoundationEssentials
import Testing
@testable import FieldCore

/// Site files, RPC payloads and local-API requests are parsed strictly, and an error says where.
@Suite struct JSONParserTests {
    private func failure(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try JSONValue.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func errorsNameLineAndColumn() throws {
        let e = try #require(failure("{\n  \"site\": {\"id\": \"x\"},\n  \"board\" \"sim\"\n}"))
        #expect((e.line, e.column) == (3, 11), "\(e)")
        #expect(e.description == "invalid JSON at line 3, column 11: expected ':' after the key \"board\", found '\"'")
        let u = try #require(failure("{\"名前\": tru}"))
        #expect((u.line, u.column) == (1, 8), "columns count characters, not bytes: \(u)")
    }

    @Test(arguments: [
        ("{\"a\": 1,}", "trailing comma before '}'", 9),
        ("[1, 2,]", "trailing comma before ']'", 7),
        ("{\"a\": 1, \"a\": 2}", "duplicate key \"a\"", 10),
        ("{\"a\": 1e400}", "the number 1e400 is out of range", 7),
        ("{\"a\": 01}", "a number may not start with 0 (\"0…\")", 7),
        ("{\"a\": \"x\ty\"}", "a control character (0x9) in a string must be escaped", 9),
        ("{\"a\": \"\\ud800\"}", "\\ud800 is half a surrogate pair", 8),
        ("{\"a\": NaN}", "unexpected 'N' where a value should be", 7),
        ("{'a': 1}", "expected a key in double quotes, found '''", 2),
        ("{\"a\": 1} x", "unexpected 'x' after the end of the document", 10),
        ("", "the document is empty", 1),
        ("{\"a\": [1, 2", "expected ',' or ']' after item 1, found end of the document", 12),
        ("\"abc", "unterminated string (no closing '\"')", 1),
    ] as [(String, String, Int)])
    func refusedWithAReason(text: String, message: String, column: Int) throws {
        let e = try #require(failure(text), "\(text) was accepted")
        #expect(e.message == message)
        #expect(e.column == column, "\(e)")
    }

    @Test func deepNestingIsRefusedNotAStackOverflow() throws {
        let e = try #require(failure(String(repeating: "[", count: 100_000)))
        #expect(e.message == "nested deeper than 128 levels")
        _ = try JSONValue.parse(String(repeating: "[", count: 128) + String(repeating: "]", count: 128))
    }

    @Test func invalidUTF8InAStringIsRefused() throws {
        do {
            _ = try JSONValue.parse(Data([0x22, 0xFF, 0x22]))
            Issue.record("accepted")
        } catch {
            #expect(error.message == "the string is not valid UTF-8")
        }
    }

    @Test func validDocumentsReadAsBefore() throws {
        let v = try JSONValue.parse("\u{FEFF}{\"a\": [1, -2.5e3, true, false, null, \"\\u00e9\\n\\ud83d\\ude00\\/\"], \"b\": {}} \r\n")
        #expect(v == ["a": [1, -2500, true, false, nil, "é\n😀/"], "b": [:]])
        #expect(try JSONValue.parse(v.serialized()) == v)
        #expect(try JSONValue.parse("0") == 0)
        #expect(try JSONValue.parse("-0.0") == 0)
    }
}
