import Foundation
import Testing
@testable import FieldConsole

/// docs/console.md must describe every command the console has.
@Suite struct ManualTests {
    @Test func manualDocumentsEveryCommandWithItsUsageAndRole() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/console.md")
        let manual = try String(contentsOf: docs, encoding: .utf8)
        for spec in CommandRegistry.standard().specs {
            #expect(manual.contains("#### `\(spec.name)`"), "no section for \(spec.name)")
            #expect(manual.contains("\(spec.usage)\n```\n"), "usage of \(spec.name) differs")
            #expect(manual.contains("| `\(spec.usage.replacingOccurrences(of: "|", with: "\\|"))` | \(spec.role.rawValue) |"), "role of \(spec.name)")
        }
    }
}
