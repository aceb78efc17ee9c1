import FieldCore
import FieldDevices
import FieldHAL

/// The board's GPIO lines as the simulator holds them: one `SimulatedGPIOChip` with the board's
/// line names at their offsets (the gateway requests them by chip and offset, as on a board),
/// served on the board's socket. Models drive inputs and read outputs here in logical levels; the
/// board's active-low flags are applied as the kernel would.
final class GPIOWorld: Sendable {
    let chip: SimulatedGPIOChip
    let socketPath: String
    private let lines: [String: BoardLine]

    /// - Throws: `ControlError` when the board's lines are on more than one chip (one socket
    ///   serves one chip), or names clash.
    init(board: Board, socketPath: String) throws(ControlError) {
        let chips = Set(board.lines.map(\.chip))
        guard chips.count <= 1 else {
            throw ControlError("board \(board.id): the simulator serves one GPIO chip on its socket; the board's lines are on \(chips.sorted().joined(separator: ", "))")
        }
        let name = chips.first ?? "fieldsim"
        let count = (board.lines.map(\.offset).max() ?? -1) + 1
        var names = (0..<count).map { "unused-\($0)" }
        for line in board.lines { names[line.offset] = line.name }
        do {
            chip = try SimulatedGPIOChip(name: name, label: name, lines: names)
        } catch {
            throw ControlError("board \(board.id): \(error)")
        }
        self.socketPath = socketPath
        lines = Dictionary(board.lines.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func line(_ name: String) -> BoardLine? { lines[name] }

    /// The logical level of a line: what the gateway drives on an output, what the world drives
    /// on an input.
    func level(_ line: BoardLine) -> Bool {
        ((try? chip.level(of: line.name)) ?? false) != line.activeLow
    }

    /// Drives an input to a logical level, bouncing on the way when asked.
    func drive(_ line: BoardLine, to value: Bool, bounce: (toggles: Int, interval: Duration)? = nil) {
        let physical = value != line.activeLow
        if let bounce {
            try? chip.injectBounce(line.name, toggles: bounce.toggles, interval: bounce.interval, settlingAt: physical)
        } else {
            try? chip.drive(line.name, to: physical)
        }
    }

    /// A glitch: the contact bounces and settles where it was.
    func glitch(_ line: BoardLine, toggles: Int, interval: Duration) {
        let physical = (try? chip.level(of: line.name)) ?? false
        try? chip.injectBounce(line.name, toggles: toggles, interval: interval, settlingAt: physical)
    }

    /// Every line with its logical level and direction, for `status`.
    var snapshot: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (name, line) in lines { out[name] = .bool(level(line)) }
        return out
    }
}
