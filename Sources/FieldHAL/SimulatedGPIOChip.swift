import FieldCore
import Synchronization

/// An in-memory GPIO chip with named lines: the gateway's side requests lines like on libgpiod,
/// and the "outside world" (a unit test, the simulator's physics) drives inputs, reads outputs
/// back and makes contacts bounce.
///
/// Levels are physical (`true`: the pin is high); a request's active-low flag inverts them on the
/// gateway's side, as the kernel does. Raw changes are stamped with `clock`; share a
/// `ManualClock` with the `GPIOLines` to test debounce in simulated time.
package final class SimulatedGPIOChip: GPIOBackend, Sendable {
    /// The chip's name (what `gpiochipN` is on a board).
    package let name: String
    /// The chip's label.
    package let label: String
    /// Line names by offset.
    package let lineNames: [String]
    package let clock: any FieldClock

    private let offsets: [String: Int]
    private let state: Mutex<State>

    private struct State {
        var levels: [Bool]
        var lastChange: [Timestamp]
        var owners: [Owner?]
        var pending: [Int: [GPIORawEdge]] = [:]
        var wakeUps: [Int: FileDescriptor.WakeUp] = [:]
        var nextRequest = 1
    }

    private struct Owner {
        var request: Int
        var index: Int
        var config: GPIOLineConfig
    }

    /// - Parameters:
    ///   - lines: line names; a line's offset is its position.
    ///   - clock: stamps raw changes.
    /// - Throws: `GPIOError.invalidConfig` when a name is empty or used twice.
    package init(name: String = "fieldsim", label: String = "fieldsim", lines: [String], clock: any FieldClock = SystemClock()) throws(GPIOError) {
        var offsets: [String: Int] = [:]
        for (offset, line) in lines.enumerated() {
            guard !line.isEmpty else {
                throw GPIOError.invalidConfig(line: "\(name):\(offset)", reason: "a simulated line needs a name")
            }
            guard offsets.updateValue(offset, forKey: line) == nil else {
                throw GPIOError.invalidConfig(line: line, reason: "the name is used twice on chip \(name)")
            }
        }
        self.name = name
        self.label = label
        self.lineNames = lines
        self.clock = clock
        self.offsets = offsets
        let now = clock.now()
        state = Mutex(State(
            levels: Array(repeating: false, count: lines.count),
            lastChange: Array(repeating: now, count: lines.count),
            owners: Array(repeating: nil, count: lines.count)))
    }

    /// Whether `chip` (from a line configuration) names this chip: its name, label or `/dev/` path.
    package func answers(to chip: String) -> Bool {
        chip == name || chip == label || chip == "/dev/\(name)"
    }

    package func request(_ lines: [GPIOLineConfig]) throws(GPIOError) -> GPIOLines {
        try GPIOLineConfig.validate(lines)
        let driver = try makeRequest(lines)
        return try GPIOLines(lines: lines, clock: clock, driver: driver)
    }

    // MARK: the outside world

    /// Sets the physical level of a line that the gateway does not drive (an input, or a free line).
    ///
    /// - Throws: `GPIOError.unknownLine`, or `.directionMismatch` when the gateway holds it as an output.
    package func drive(_ line: String, to level: Bool) throws(GPIOError) {
        let offset = try offset(of: line)
        try state.withLock { (state) throws(GPIOError) in
            if state.owners[offset]?.config.direction == .output {
                throw GPIOError.directionMismatch(line: line, direction: .output)
            }
            let now = clock.now()
            Self.change(&state, offset: offset, to: level, at: max(now, state.lastChange[offset]))
        }
    }

    /// Makes a contact bounce: `toggles` fast changes, then the line rests at `level`.
    ///
    /// The changes are stamped `interval` apart and end now, the way a kernel stamps edges that
    /// happened before anyone read them, so a debouncer sees the burst as it would on a board.
    /// - Throws: as `drive(_:to:)`.
    package func injectBounce(_ line: String, toggles: Int, interval: Duration, settlingAt level: Bool) throws(GPIOError) {
        let offset = try offset(of: line)
        try state.withLock { (state) throws(GPIOError) in
            if state.owners[offset]?.config.direction == .output {
                throw GPIOError.directionMismatch(line: line, direction: .output)
            }
            var levels: [Bool] = []
            var current = state.levels[offset]
            for _ in 0..<max(toggles, 0) {
                current.toggle()
                levels.append(current)
            }
            if current != level { levels.append(level) }
            let now = clock.now()
            for (i, next) in levels.enumerated() {
                let stamp = now - interval * (levels.count - 1 - i)
                Self.change(&state, offset: offset, to: next, at: max(stamp, state.lastChange[offset]))
            }
        }
    }

    /// The physical level of a line: what the gateway drives on an output, what the world drives
    /// on an input.
    package func level(of line: String) throws(GPIOError) -> Bool {
        let offset = try offset(of: line)
        return state.withLock { $0.levels[offset] }
    }

    /// The direction the gateway holds a line in, or `nil` while it is free.
    package func requestedDirection(of line: String) throws(GPIOError) -> GPIODirection? {
        let offset = try offset(of: line)
        return state.withLock { $0.owners[offset]?.config.direction }
    }

    // MARK: the gateway's side (SimulatedGPIORequest, GPIOSocketServer)

    /// Claims lines for one request, all or none.
    func makeRequest(_ lines: [GPIOLineConfig]) throws(GPIOError) -> SimulatedGPIORequest {
        var lineOffsets: [Int] = []
        for line in lines {
            guard answers(to: line.chip) else { throw GPIOError.noSuchChip(chip: line.chip) }
            guard line.offset < lineNames.count else {
                throw GPIOError.noSuchLine(line: line.name, chip: line.chip, offset: line.offset)
            }
            lineOffsets.append(line.offset)
        }
        let wakeUp: FileDescriptor.WakeUp
        do {
            wakeUp = try FileDescriptor.WakeUp()
        } catch {
            throw GPIOError.io(line: lines.map(\.name).joined(separator: ","), cause: error)
        }
        let id = try state.withLock { (state) throws(GPIOError) -> Int in
            for (line, offset) in zip(lines, lineOffsets) where state.owners[offset] != nil {
                throw GPIOError.busy(line: line.name, chip: line.chip, offset: offset, detail: "\(lineNames[offset]) is already requested")
            }
            let id = state.nextRequest
            state.nextRequest += 1
            let now = clock.now()
            for (index, (line, offset)) in zip(lines, lineOffsets).enumerated() {
                state.owners[offset] = Owner(request: id, index: index, config: line)
                if line.direction == .output {
                    Self.change(&state, offset: offset, to: line.initialValue != line.activeLow, at: max(now, state.lastChange[offset]))
                }
            }
            state.wakeUps[id] = wakeUp
            return id
        }
        return SimulatedGPIORequest(chip: self, id: id, lines: lines, offsets: lineOffsets, wakeUp: wakeUp)
    }

    func logicalValue(offset: Int, activeLow: Bool) -> Bool {
        state.withLock { $0.levels[offset] } != activeLow
    }

    func setLogicalValue(_ value: Bool, offset: Int, activeLow: Bool) {
        state.withLock { state in
            Self.change(&state, offset: offset, to: value != activeLow, at: max(clock.now(), state.lastChange[offset]))
        }
    }

    func takeRawEdges(request: Int) -> [GPIORawEdge] {
        state.withLock { $0.pending.removeValue(forKey: request) ?? [] }
    }

    func release(request: Int) {
        state.withLock { state in
            for offset in state.owners.indices where state.owners[offset]?.request == request {
                state.owners[offset] = nil
            }
            state.pending[request] = nil
            state.wakeUps[request] = nil
        }
    }

    /// Sets a physical level and, when it changed on a watched input, queues the raw edge for
    /// the request that holds the line and wakes its poller.
    private static func change(_ state: inout State, offset: Int, to level: Bool, at time: Timestamp) {
        guard state.levels[offset] != level else { return }
        state.levels[offset] = level
        state.lastChange[offset] = time
        guard let owner = state.owners[offset], owner.config.watchesEdges else { return }
        let raw = GPIORawEdge(index: owner.index, value: level != owner.config.activeLow, time: time)
        state.pending[owner.request, default: []].append(raw)
        state.wakeUps[owner.request]?.signal()
    }

    private func offset(of line: String) throws(GPIOError) -> Int {
        guard let offset = offsets[line] else { throw GPIOError.unknownLine(line) }
        return offset
    }
}
