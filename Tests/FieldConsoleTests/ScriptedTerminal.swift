import FieldConsole
import FieldCore

/// A terminal for logic tests: plays a script of input bytes and quiet spells (which move the
/// manual clock), and records everything the session writes. The end of the script closes it.
final class ScriptedTerminal: ConsoleTerminal {
    enum Step {
        case bytes([UInt8])
        case quiet(Duration)
    }

    private var steps: [Step]
    private let clock: ManualClock
    private(set) var output: [UInt8] = []
    /// Reads answered with bytes or silence.
    private(set) var readsServed = 0

    init(clock: ManualClock, _ steps: [Step]) {
        self.clock = clock
        self.steps = steps
    }

    var text: String { String(decoding: output, as: UTF8.self) }

    func read(into buffer: inout [UInt8], timeout: Duration) throws(ConsoleIOError) -> TerminalRead {
        guard !steps.isEmpty else { return .closed }
        readsServed += 1
        switch steps[0] {
        case .bytes(let b):
            let n = min(b.count, buffer.count)
            for i in 0..<n { buffer[i] = b[i] }
            if n == b.count { steps.removeFirst() } else { steps[0] = .bytes(Array(b[n...])) }
            return .bytes(n)
        case .quiet(let d):
            let step = min(d, timeout)
            clock.advance(by: step)
            if step >= d { steps.removeFirst() } else { steps[0] = .quiet(d - step) }
            return .timeout
        }
    }

    func write(_ bytes: [UInt8]) throws(ConsoleIOError) {
        output += bytes
    }
}

extension ScriptedTerminal.Step {
    /// Typed text (`\r` for Enter).
    static func type(_ s: String) -> Self { .bytes(Array(s.utf8)) }
    /// Each byte of `s` as its own read: escape sequences split at every byte.
    static func typeByteByByte(_ s: String) -> [Self] { Array(s.utf8).map { .bytes([$0]) } }
}
