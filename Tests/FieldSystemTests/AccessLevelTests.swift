import Foundation
import Testing

/// Every product of this package is an executable: no module is a library for anyone outside it.
/// What one module shares with another (and with the tests) is `package`, never `public`
/// (issue 19 found 2,476 `public` keywords saying the opposite). Checked by grep over Sources/;
/// docs/architecture.md, "Access levels".
@Suite("Access levels")
struct AccessLevelTests {
    @Test func noDeclarationUnderSourcesIsPublic() {
        var found: [String] = []
        for (path, text) in LibcBoundaryTests.swiftFiles() {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.drop { $0 == " " }
                if code.hasPrefix("//") || code.hasPrefix("*") { continue }
                // The keyword before any string or comment on the line: a declaration's modifier.
                let head = code.prefix { $0 != "\"" }.components(separatedBy: "//")[0]
                let words = head.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "@") }
                if words.contains("public") {
                    found.append("Sources/\(path):\(number + 1): \(code)")
                }
            }
        }
        #expect(found.isEmpty, "declarations that should be `package`:\n\(found.prefix(20).joined(separator: "\n"))")
    }
}
