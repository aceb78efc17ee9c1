import FieldCore
import FieldTestSupport
import Testing
@testable import FieldConsole

/// Console lines made of every command with hostile arguments (huge and odd numbers and
/// durations, unknown names, stray options), typed by an admin: each is answered, none crashes
/// the session (issue 17: `trend lamp-1.power 1e20h` did).
@Suite struct ConsoleLineFuzzTests {
    static let arguments = [
        "1e20h", "1e20s", "1e300", "-1e300", "1e308", "9.5e15", "9223372036854775808", "-9223372036854775809", "0x", "0xFFFFFFFFFFFFFFFFF",
        "-1", "0", "65536", "nan", "inf", "--for", "--every", "--json", "lamp-a", "lamp-a.power", "hydrant-main.pressure", "relay-1",
        "pumps", "devices[0].poll", "devices[99999999999999999999].poll", "on", "off", "dim", "auto", "\"", "''", "é", "\u{7F}",
    ]
    static let skipped: Set<String> = ["logout", "restart", "factory-reset", "passwd"]

    @Test func hostileArgumentsToEveryCommand() {
        let names = CommandRegistry.standard().specs.map(\.name).filter { !Self.skipped.contains($0) }
        FuzzRun("console lines", defaultSeconds: 3).run { caseSeed, g in
            var steps = Fixture.login("admin")
            for _ in 0..<8 {
                var words = [names.randomElement(using: &g)!]
                for _ in 0..<Int.random(in: 0...4, using: &g) { words.append(Self.arguments.randomElement(using: &g)!) }
                steps.append(.type(words.joined(separator: " ") + "\r"))
                // Answers a confirmation prompt, or is one more (unknown) command.
                steps.append(.type("n\r"))
            }
            let r = Fixture.run(steps)
            #expect([.closed, .logout].contains(r.end), "FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
            #expect(r.backend.auditEntries.first?.action == "login")
        }
    }
}
