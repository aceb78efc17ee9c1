#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import Foundation

/// A bounded, seeded fuzzing run: cases until the time budget is spent, each from its own seed
/// drawn from the run's seed, so a failure names the case seed and `FUZZ_SEED` replays the run.
///
/// Environment: `FUZZ_SEED` (decimal or `0x` hex; default: a fresh random seed, printed),
/// `FUZZ_SECONDS` (budget per target; default the caller's, a few seconds for `make test`),
/// `FUZZ_CASE` (run that one case seed only).
package final class FuzzRun {
    package let name: String
    package let seed: UInt64
    package let budget: Double
    package private(set) var cases = 0
    private var seeds: SplitMix64
    private let only: UInt64?
    private let start = Date()

    package init(_ name: String, defaultSeconds: Double = 2) {
        // Fuzzed peers hang up mid-write: that must be EPIPE for the writer, not the end of the
        // test process (the gateway ignores SIGPIPE the same way, in `Supervisor`).
        signal(SIGPIPE, SIG_IGN)
        let env = ProcessInfo.processInfo.environment
        self.name = name
        seed = env["FUZZ_SEED"].flatMap(FuzzRun.parseSeed) ?? UInt64.random(in: 0 ... .max)
        budget = env["FUZZ_SECONDS"].flatMap(Double.init) ?? defaultSeconds
        only = env["FUZZ_CASE"].flatMap(FuzzRun.parseSeed)
        seeds = SplitMix64(seed: seed)
        print("fuzz \(name): seed 0x\(String(seed, radix: 16)) for \(budget) s (replay: FUZZ_SEED=0x\(String(seed, radix: 16)))")
    }

    /// Runs `body` with a generator per case until the budget is spent; returns the case count.
    /// `body` gets the case seed for its failure messages (`FUZZ_CASE=` replays one case).
    @discardableResult
    package func run(_ body: (_ caseSeed: UInt64, inout SplitMix64) throws -> Void) rethrows -> Int {
        if let only {
            var g = SplitMix64(seed: only)
            try body(only, &g)
            return 1
        }
        while Date().timeIntervalSince(start) < budget {
            let caseSeed = seeds.next()
            var g = SplitMix64(seed: caseSeed)
            try body(caseSeed, &g)
            cases += 1
        }
        print("fuzz \(name): \(cases) cases in \(String(format: "%.1f", Date().timeIntervalSince(start))) s, seed 0x\(String(seed, radix: 16))")
        return cases
    }

    static func parseSeed(_ text: String) -> UInt64? {
        text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    }
}

/// Mutations of real inputs, the way a fuzzer makes them: bytes flipped, inserted, removed and
/// repeated, and "interesting" tokens (huge and odd numbers, units, brackets) spliced in.
package enum Mutator {
    package static let tokens: [String] = [
        "1e20", "1e20h", "1e20s", "9.5e15", "1e300", "-1e300", "1e308", "1e400", "-0", "NaN", "Infinity", "0x10", "-1",
        "9223372036854775807", "18446744073709551616", "65536", "4294967296", "2.5", "\"\"", "null", "true", "[]", "{}",
        "\"1e20h\"", "\"-5s\"", "\"500ms\"", "\"inf\"", ",", "}", "]", "{", "[", ":", "\"", "\\u0000", "\\ud800", "\u{FEFF}", "é",
    ]

    package static func mutate(_ input: [UInt8], _ g: inout SplitMix64, rounds: Int = 3) -> [UInt8] {
        var b = input
        for _ in 0..<Int.random(in: 1...rounds, using: &g) {
            let at = b.isEmpty ? 0 : Int.random(in: 0..<b.count, using: &g)
            switch Int.random(in: 0..<6, using: &g) {
            case 0 where !b.isEmpty: b[at] = UInt8.random(in: 0...255, using: &g)
            case 1 where !b.isEmpty: b[at] ^= 1 << UInt8.random(in: 0...7, using: &g)
            case 2 where !b.isEmpty: b.removeSubrange(at..<min(b.count, at + Int.random(in: 1...8, using: &g)))
            case 3: b.insert(contentsOf: Array(tokens.randomElement(using: &g)!.utf8), at: at)
            case 4:
                // Replace a number already there (the start of a digit run) by a token.
                if let d = b[at...].firstIndex(where: { (48...57).contains($0) }) {
                    let end = b[d...].firstIndex(where: { !(48...57).contains($0) && $0 != 46 && $0 != 101 }) ?? b.count
                    b.replaceSubrange(d..<end, with: Array(tokens.randomElement(using: &g)!.utf8))
                }
            default:
                let n = Int.random(in: 1...16, using: &g)
                b.insert(contentsOf: b[at..<min(b.count, at + n)], at: at)
            }
        }
        return b
    }

    /// Random bytes, biased toward printable ASCII.
    package static func bytes(_ g: inout SplitMix64, count: Int) -> [UInt8] {
        (0..<count).map { _ in Bool.random(using: &g) ? UInt8.random(in: 32...126, using: &g) : UInt8.random(in: 0...255, using: &g) }
    }
}
