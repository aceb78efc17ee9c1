import FieldCore
import FieldDevices
import FieldHAL
import FieldSystem
import Synchronization

/// A device signal wired to a board line.
package struct SignalBinding: Sendable, Hashable {
    package var device: String
    package var signal: String
    package var line: BoardLine
    package var debounce: Duration

    package init(device: String, signal: String, line: BoardLine, debounce: Duration) {
        self.device = device
        self.signal = signal
        self.line = line
        self.debounce = debounce
    }
}

/// The GPIO thread: owns the board's lines, reports debounced input edges as readings of their
/// devices' signal points, drives outputs (with an optional automatic revert), and puts every
/// output the board declares into its safe state on start and on stop (DESIGN rule 8).
package final class GPIOWorker: Sendable {
    private struct Revert: Sendable {
        var line: String
        var value: Bool
        var at: Int64
    }

    private struct State: Sendable {
        var lines: GPIOLines?
        var reverts: [Revert] = []
        var lastError: String?
        /// The levels last written to the status LEDs, so a line is set only when it changes.
        var ledLevels: [String: Bool] = [:]
    }

    private let board: Board
    private let bindings: [SignalBinding]
    private let backend: any GPIOBackend
    private let clock: any FieldClock
    private let sink: @Sendable (String, [(String, Reading)]) -> Void
    private let state = Mutex(State())
    private let wakeUp: FileDescriptor.WakeUp
    private let running = Atomic<Bool>(true)
    private let heartbeatMillis = Atomic<Int64>(0)
    private let thread: Mutex<WorkerThread?> = Mutex(nil)
    private let log = Logger("gpio")
    private let statusLEDs: StatusLEDs
    private let indication: @Sendable () -> StatusLEDs.Indication
    private let started = Atomic<Bool>(false)

    /// - Parameters:
    ///   - indication: the gateway's state for the board's status LEDs (alarms, devices offline),
    ///     asked on the worker's thread twice a second; the worker adds whether it runs.
    ///   - sink: receives `(device, [(signal, reading)])` on the worker's thread.
    package init(board: Board, bindings: [SignalBinding], backend: any GPIOBackend, clock: any FieldClock,
                indication: @escaping @Sendable () -> StatusLEDs.Indication = { StatusLEDs.Indication() },
                sink: @escaping @Sendable (String, [(String, Reading)]) -> Void) throws(SystemError) {
        self.board = board
        self.indication = indication
        let held = Set(board.lines.filter { $0.direction == .output }.map(\.name))
        statusLEDs = StatusLEDs(leds: board.leds.filter { held.contains($0.line) })
        self.bindings = bindings
        self.backend = backend
        self.clock = clock
        self.sink = sink
        wakeUp = try FileDescriptor.WakeUp()
    }

    /// The board's outputs this worker holds: all but the RS-485 direction lines, which the bus
    /// workers drive around each frame.
    private var heldOutputs: [BoardLine] {
        let direction = Set(board.serialPorts.compactMap { port -> String? in
            if case .gpio(let line) = port.direction { return line }
            return nil
        })
        return board.lines.filter { $0.direction == .output && !direction.contains($0.name) }
    }

    /// The lines this worker requests: every input a device uses, and every output of the board
    /// (used or not, so that each one is held in its safe state) but the RS-485 direction lines.
    var lineConfigs: [GPIOLineConfig] {
        var configs: [GPIOLineConfig] = []
        var seen: Set<String> = []
        for b in bindings where b.line.direction == .input && seen.insert(b.line.name).inserted {
            configs.append(.input(b.line.name, chip: b.line.chip, offset: b.line.offset, edge: .both,
                                  activeLow: b.line.activeLow, debounce: max(b.debounce, b.line.debounce)))
        }
        for line in heldOutputs where seen.insert(line.name).inserted {
            configs.append(.output(line.name, chip: line.chip, offset: line.offset, activeLow: line.activeLow,
                                   initialValue: line.safeState ?? false))
        }
        return configs
    }

    /// Requests the lines (outputs start in their safe state) and starts the thread. A request
    /// that fails is retried by the thread every few seconds, with the signals' quality comm-error.
    package func start() throws(WorkerThreadError) {
        heartbeatMillis.store(monotonicMilliseconds(), ordering: .relaxed)
        open()
        let t = try WorkerThread(name: "gpio") { [self] in run() }
        thread.withLock { $0 = t }
    }

    /// Says the whole gateway is up: the run LED goes from steady to blinking.
    package func markStarted() {
        started.store(true, ordering: .relaxed)
        wakeUp.signal()
    }

    /// Puts the outputs into their safe state, releases the lines and stops the thread.
    package func stop() {
        started.store(false, ordering: .relaxed)
        running.store(false, ordering: .relaxed)
        wakeUp.signal()
        thread.withLock { $0 }?.join()
        applySafeState()
        state.withLock { s in
            s.lines?.close()
            s.lines = nil
        }
    }

    package var heartbeat: Int64 { heartbeatMillis.load(ordering: .relaxed) }

    /// Sets an output line; with `revertAfter` it goes back to its current level by itself.
    /// - Returns: the error when the line is not an output or the driver refused.
    package func set(line: String, to value: Bool, revertAfter: Duration? = nil) -> Result<Void, CommandError> {
        guard let l = board.line(line) else { return .failure(CommandError(.notFound, "no line \(line) on board \(board.id)")) }
        guard l.direction == .output else { return .failure(CommandError(.invalidArgument, "\(line) is an input")) }
        guard heldOutputs.contains(l) else {
            return .failure(CommandError(.invalidArgument, "\(line) switches an RS-485 transceiver: its bus drives it"))
        }
        return state.withLock { s -> Result<Void, CommandError> in
            guard let lines = s.lines else {
                return .failure(CommandError(.unavailable, "GPIO lines are not available: \(s.lastError ?? "not opened")"))
            }
            do throws(GPIOError) {
                let previous = try lines.value(of: line)
                try lines.set(line, to: value)
                s.reverts.removeAll { $0.line == line }
                if let revertAfter {
                    s.reverts.append(Revert(line: line, value: previous, at: monotonicMilliseconds() + revertAfter.milliseconds))
                }
            } catch {
                return .failure(CommandError(.deviceError, "\(line): \(error)"))
            }
            publishOutput(line, value)
            wakeUp.signal()
            return .success(())
        }
    }

    /// The current logical level of any requested line.
    package func value(of line: String) -> Result<Bool, CommandError> {
        state.withLock { s in
            guard let lines = s.lines else { return .failure(CommandError(.unavailable, "GPIO lines are not available")) }
            do throws(GPIOError) {
                return .success(try lines.value(of: line))
            } catch {
                return .failure(CommandError(.deviceError, "\(line): \(error)"))
            }
        }
    }

    /// Writes a device's output signal (an app's `write` effect).
    package func write(device: String, signal: String, _ value: Bool) -> Result<Void, CommandError> {
        guard let b = bindings.first(where: { $0.device == device && $0.signal == signal }) else {
            return .failure(CommandError(.notFound, "\(device).\(signal) is not wired to a board line"))
        }
        return set(line: b.line.name, to: value)
    }

    // MARK: - The worker's thread

    private func open() {
        do throws(GPIOError) {
            let lines = try backend.request(lineConfigs)
            state.withLock { s in
                s.lines = lines
                s.ledLevels = [:]
                if s.lastError != nil { log.notice("GPIO lines available again") }
                s.lastError = nil
            }
            publishAll(lines)
        } catch {
            let text = "\(error)"
            let first = state.withLock { s -> Bool in
                defer { s.lastError = text }
                return s.lastError != text
            }
            if first { log.error("cannot request GPIO lines: \(text)") }
            let now = clock.now()
            for (device, signals) in Dictionary(grouping: bindings, by: \.device) {
                sink(device, signals.map { ($0.signal, Reading(nil, quality: .commError, at: now)) })
            }
        }
    }

    private func run() {
        var nextRetry: Int64 = 0
        while running.load(ordering: .relaxed) {
            let now = monotonicMilliseconds()
            heartbeatMillis.store(now, ordering: .relaxed)
            guard let lines = state.withLock({ $0.lines }) else {
                if now >= nextRetry {
                    open()
                    nextRetry = now + 3000
                }
                if (try? FileDescriptor.poll(wakeUp.descriptor, for: .readable, timeout: .milliseconds(500))) != nil {
                    _ = wakeUp.drain()
                }
                continue
            }
            applyDueReverts(now)
            driveStatusLEDs(lines, now)
            let nextRevert = state.withLock { $0.reverts.map(\.at).min() }
            let nextLED = statusLEDs.leds.isEmpty ? now + 1000 : StatusLEDs.nextEdge(after: now)
            let wait = min(1000, max(1, min(nextRevert ?? now + 1000, nextLED) - now))
            do throws(GPIOError) {
                let events = try lines.waitForEvents(timeout: .milliseconds(wait), wakeUp: wakeUp)
                publish(events)
            } catch {
                log.error("GPIO wait failed: \(error); requesting the lines again")
                state.withLock { s in
                    s.lines?.close()
                    s.lines = nil
                    s.lastError = "\(error)"
                }
                nextRetry = monotonicMilliseconds() + 1000
            }
        }
    }

    private func applyDueReverts(_ now: Int64) {
        let due = state.withLock { s -> [Revert] in
            let d = s.reverts.filter { $0.at <= now }
            s.reverts.removeAll { $0.at <= now }
            return d
        }
        for r in due {
            log.info("\(r.line) back to \(r.value ? "on" : "off") (timed test over)")
            _ = set(line: r.line, to: r.value)
        }
    }

    /// Sets the status LEDs whose level changed.
    private func driveStatusLEDs(_ lines: GPIOLines, _ now: Int64) {
        guard !statusLEDs.leds.isEmpty else { return }
        var shown = indication()
        shown.running = started.load(ordering: .relaxed)
        let levels = statusLEDs.levels(shown, at: now)
        state.withLock { s in
            for (line, on) in levels.sorted(by: { $0.key < $1.key }) where s.ledLevels[line] != on {
                do throws(GPIOError) {
                    try lines.set(line, to: on)
                    s.ledLevels[line] = on
                } catch {
                    if s.ledLevels[line] != nil { log.error("cannot drive status LED \(line): \(error)") }
                    s.ledLevels[line] = nil
                }
            }
        }
    }

    private func applySafeState() {
        state.withLock { s in
            guard let lines = s.lines else { return }
            for line in heldOutputs {
                do throws(GPIOError) {
                    try lines.set(line.name, to: line.safeState ?? false)
                } catch {
                    log.error("cannot put \(line.name) into its safe state: \(error)")
                }
            }
        }
    }

    private func publish(_ events: [GPIOEdgeEvent]) {
        var byDevice: [String: [(String, Reading)]] = [:]
        for e in events {
            for b in bindings where b.line.name == e.line {
                byDevice[b.device, default: []].append((b.signal, Reading(.bool(e.value), at: e.time)))
            }
        }
        for (device, readings) in byDevice { sink(device, readings) }
    }

    private func publishOutput(_ line: String, _ value: Bool) {
        let now = clock.now()
        for b in bindings where b.line.name == line {
            sink(b.device, [(b.signal, Reading(.bool(value), at: now))])
        }
    }

    private func publishAll(_ lines: GPIOLines) {
        let now = clock.now()
        var byDevice: [String: [(String, Reading)]] = [:]
        for b in bindings {
            let reading: Reading
            do throws(GPIOError) {
                let v = b.line.direction == .input ? try lines.settledValue(of: b.line.name) : try lines.value(of: b.line.name)
                reading = Reading(.bool(v), at: now)
            } catch {
                reading = Reading(nil, quality: .commError, at: now)
            }
            byDevice[b.device, default: []].append((b.signal, reading))
        }
        for (device, readings) in byDevice { sink(device, readings) }
    }
}
