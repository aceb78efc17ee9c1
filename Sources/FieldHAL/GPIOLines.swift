import FieldCore
import Synchronization

/// A set of requested GPIO lines: read inputs, drive outputs, wait for debounced edges.
///
/// Made by a `GPIOBackend`. A GPIO worker thread calls `waitForEvents(timeout:wakeUp:)` in a loop;
/// other threads may `set` outputs or read values meanwhile (calls are serialized inside, and the
/// wait itself holds no lock). A worker with its own `poll(2)` loop can instead put
/// `pollDescriptors` in its set and call `readEvents()` when one is ready, waking again by
/// `nextSettleTime` while a debounce is pending.
///
/// The lines are released by `close()` or when the last reference goes.
package final class GPIOLines: Sendable {
    /// The lines as requested, in request order.
    package let lines: [GPIOLineConfig]
    /// Descriptors that become readable when raw edges are waiting. Valid until `close()`.
    package let pollDescriptors: [FileDescriptor]

    private let indices: [String: Int]
    private let clock: any FieldClock
    private let state: Mutex<State>

    private struct State {
        var driver: (any GPIOLineDriver)?
        var debouncer: GPIODebouncer
    }

    /// Takes ownership of `driver` and reads the starting level of every watched input.
    init(lines: [GPIOLineConfig], clock: any FieldClock, driver: sending any GPIOLineDriver) throws(GPIOError) {
        self.lines = lines
        self.clock = clock
        pollDescriptors = driver.pollDescriptors
        indices = Dictionary(lines.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        var levels: [Int: Bool] = [:]
        var failure: GPIOError?
        for (index, line) in lines.enumerated() where line.watchesEdges {
            do {
                levels[index] = try driver.value(at: index)
            } catch {
                failure = error
                break
            }
        }
        let kernelDebounced = driver.debouncedByKernel
        let softwareDebounced = lines.enumerated().map { index, line in
            var line = line
            if kernelDebounced.contains(index) { line.debounce = .zero }
            return line
        }
        let debouncer = GPIODebouncer(lines: softwareDebounced, levels: levels, now: clock.now())
        state = Mutex(State(driver: driver, debouncer: debouncer))
        if let failure {
            close()
            throw failure
        }
    }

    deinit { close() }

    /// Releases the lines and closes their descriptors. Later calls throw `GPIOError.released`.
    /// Stop the thread that polls `pollDescriptors` first.
    package func close() {
        // Released under the lock: handing the non-Sendable driver out of `withLock` is refused
        // by Swift 6.0's region checker, and releasing only closes descriptors.
        state.withLock { state in
            state.driver?.release()
            state.driver = nil
        }
    }

    /// The logical level of a line now: an input as the pin is, an output as it is driven.
    package func value(of line: String) throws(GPIOError) -> Bool {
        let index = try index(of: line)
        return try state.withLock { (state) throws(GPIOError) -> Bool in
            guard let driver = state.driver else { throw GPIOError.released }
            return try driver.value(at: index)
        }
    }

    /// The level of an input as the debouncer last confirmed it, consistent with the events
    /// returned so far; for lines without edge detection, `value(of:)`.
    package func settledValue(of line: String) throws(GPIOError) -> Bool {
        let index = try index(of: line)
        let settled = state.withLock { $0.debouncer.stableValue(at: index) }
        if let settled { return settled }
        return try value(of: line)
    }

    /// Drives an output to a logical level (`true`: active).
    ///
    /// - Throws: `GPIOError.directionMismatch` for an input, `.unknownLine`, or the backend's error.
    package func set(_ line: String, to value: Bool) throws(GPIOError) {
        let index = try index(of: line)
        guard lines[index].direction == .output else {
            throw GPIOError.directionMismatch(line: line, direction: lines[index].direction)
        }
        try state.withLock { (state) throws(GPIOError) in
            guard let driver = state.driver else { throw GPIOError.released }
            try driver.setValue(value, at: index)
        }
    }

    /// When the next pending debounce completes, if one is pending: a worker with its own poll
    /// loop must call `readEvents()` again by then.
    package var nextSettleTime: Timestamp? { state.withLock { $0.debouncer.nextDeadline } }

    /// Reads the raw changes waiting now, without blocking, and returns the edges that have settled.
    package func readEvents() throws(GPIOError) -> [GPIOEdgeEvent] {
        try state.withLock { (state) throws(GPIOError) -> [GPIOEdgeEvent] in
            guard let driver = state.driver else { throw GPIOError.released }
            var events: [GPIOEdgeEvent] = []
            for raw in try driver.readRawEdges() {
                events += state.debouncer.feed(raw)
            }
            return events + state.debouncer.settle(now: clock.now())
        }
    }

    /// Waits for debounced edges on all watched inputs at once (one `poll(2)` over their event
    /// descriptors), until there are some, `timeout` passes or `wakeUp` is signalled.
    ///
    /// A pending debounce shortens the poll so its edge is reported on time.
    /// - Parameters:
    ///   - timeout: the longest wait; `nil` waits until an edge or a wake-up, `.zero` only looks.
    ///   - wakeUp: signalled by another thread to end the wait early (shutdown, a queued command);
    ///     the signal is consumed.
    /// - Returns: the settled edges, oldest first; empty on timeout or wake-up.
    package func waitForEvents(timeout: Duration?, wakeUp: FileDescriptor.WakeUp? = nil) throws(GPIOError) -> [GPIOEdgeEvent] {
        let deadline = timeout.map(monotonicDeadline(after:))
        var set = pollDescriptors.map { FileDescriptor.PollRequest($0) }
        if let wakeUp { set.append(FileDescriptor.PollRequest(wakeUp.descriptor)) }
        while true {
            let events = try readEvents()
            if !events.isEmpty { return events }
            let wait = pollTimeout(deadline: deadline)
            do {
                _ = try FileDescriptor.poll(&set, timeout: wait)
            } catch {
                throw GPIOError.io(line: lines.map(\.name).joined(separator: ","), cause: error)
            }
            if let wakeUp, set.last?.isReady == true {
                wakeUp.drain()
                return try readEvents()
            }
            if let deadline, monotonicNanoseconds() >= deadline {
                return try readEvents()
            }
        }
    }

    /// The poll timeout: until the caller's deadline or the next debounce deadline, whichever
    /// comes first.
    private func pollTimeout(deadline: UInt64?) -> Duration? {
        var wait = deadline.map { d -> Duration in
            let now = monotonicNanoseconds()
            return d > now ? .nanoseconds(Int64(clamping: d - now)) : .zero
        }
        if let settle = nextSettleTime {
            let untilSettle = max(settle - clock.now(), .zero)
            wait = wait.map { min($0, untilSettle) } ?? untilSettle
        }
        return wait
    }

    private func index(of line: String) throws(GPIOError) -> Int {
        guard let index = indices[line] else { throw GPIOError.unknownLine(line) }
        return index
    }
}
