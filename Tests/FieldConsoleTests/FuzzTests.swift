import FieldCore
import Testing
@testable import FieldConsole

/// Random bytes and overlong lines thrown at a logged-in session.
@Suite struct FuzzTests {
    /// A small deterministic generator, so a failure can be replayed from its seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private func randomChunks(_ rng: inout SplitMix, count: Int, excluding: Set<UInt8>) -> [ScriptedTerminal.Step] {
        (0..<count).map { _ in
            let n = Int.random(in: 1...400, using: &rng)
            var bytes: [UInt8] = []
            while bytes.count < n {
                // Mostly escape-heavy noise: ESC, '[', digits, ';', letters and high bytes.
                let pool: [UInt8] = [0x1B, 0x5B, 0x4F, 0x31, 0x33, 0x3B, 0x7E, 0x41, 0x44, 0x09, 0x08, 0x7F, 0x03, 0x15, 0x17, 0xE4, 0xB8, 0x80]
                let b = Bool.random(using: &rng) ? pool.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                if !excluding.contains(b) { bytes.append(b) }
            }
            return .bytes(bytes)
        }
    }

    @Test(arguments: 1...8 as ClosedRange<UInt64>)
    func randomBytesWithoutEnterNeverExecuteAnything(seed: UInt64) {
        var rng = SplitMix(state: seed)
        // No CR/LF (Enter) and no Ctrl-D (logout): whatever else arrives, no line may run.
        let steps = Fixture.login("admin") + randomChunks(&rng, count: 200, excluding: [0x0D, 0x0A, 0x04])
        let r = Fixture.run(steps, limits: LineEditor.Limits(lineBytes: 256))
        #expect(r.end == .closed)
        #expect(r.backend.calls.isEmpty)
        #expect(r.backend.auditEntries.map(\.action) == ["login", "logout"])
    }

    @Test(arguments: 1...4 as ClosedRange<UInt64>)
    func randomBytesWithEverythingNeverCrash(seed: UInt64) {
        var rng = SplitMix(state: seed)
        let r = Fixture.run(Fixture.login("viewer") + randomChunks(&rng, count: 300, excluding: []))
        #expect([.closed, .logout].contains(r.end))
        #expect(r.backend.calls.isEmpty, "a viewer changes nothing, whatever is typed")
    }

    @Test func overlongLinesAreCutAtTheLimitNotGrown() {
        let huge = [UInt8](repeating: UInt8(ascii: "a"), count: 200_000)
        let r = Fixture.run(Fixture.login("tech") + [.bytes(huge + [0x0D]), .type("whoami\r")], limits: LineEditor.Limits(lineBytes: 512))
        let t = r.afterLogin
        #expect(t.contains("error: unknown command \"" + String(repeating: "a", count: 512) + "\""))
        #expect(!t.contains(String(repeating: "a", count: 513)))
        #expect(t.contains("tech (technician) on ttyS1"))
        // The session reads in small chunks; the bells say the rest was refused.
        #expect(r.terminal.readsServed >= 200_000 / 256)
        #expect(r.terminal.output.filter { $0 == 0x07 }.count >= 199_000)
    }

    @Test func overlongEscapeAndUTF8NoiseStaysBounded() {
        var e = LineEditor(mode: .ansi, limits: LineEditor.Limits(lineBytes: 64, historyEntries: 4, queuedKeys: 32))
        _ = e.begin(prompt: "> ")
        let noise: [UInt8] = Array("\u{1B}[".utf8) + [UInt8](repeating: 0x31, count: 100_000) + [UInt8](repeating: 0xE4, count: 100_000)
        for chunk in stride(from: 0, to: noise.count, by: 4096) {
            e.receive(noise[chunk..<min(noise.count, chunk + 4096)])
            _ = e.step()
            #expect(e.heldBytes <= 64 + 32 * 4 + KeyDecoder.maximumPending + 2)
        }
    }
}
