import FieldCore
import Synchronization

/// The gateway's workers in their start order: started in that order, stopped in the reverse
/// order (the local API before the bus workers, the engine before the GPIO worker that puts the
/// outputs into their safe state, the uplink last so the engine's final alarms still go out),
/// and watched alike. An optional worker may fail to start without stopping the gateway: its
/// `unavailable` handler is told why (a log line, a gateway alarm) and the worker is left out.
package final class WorkerSet: Sendable {
    package struct Entry: Sendable {
        package let worker: any Worker
        /// Nil for a worker the gateway cannot run without.
        package let unavailable: (@Sendable (_ error: any Error) -> Void)?
    }

    private let entries: Mutex<[Entry]>
    /// The workers that started, in start order.
    private let running = Mutex<[any Worker]>([])

    package init(_ entries: [Entry] = []) { self.entries = Mutex(entries) }

    /// Adds workers to start before those already in the set (and to stop after them).
    package func prepend(_ first: [Entry]) { entries.withLock { $0.insert(contentsOf: first, at: 0) } }

    /// Adds workers to start after those already in the set (and to stop before them).
    package func append(_ last: [Entry]) { entries.withLock { $0.append(contentsOf: last) } }

    /// Starts every worker in order. When a required one fails, those already started are
    /// stopped in the reverse order and the error is thrown, naming the worker.
    package func start() throws(WorkerStartError) {
        for entry in entries.withLock({ $0 }) {
            do {
                try entry.worker.start()
                running.withLock { $0.append(entry.worker) }
            } catch {
                if let unavailable = entry.unavailable {
                    unavailable(error)
                    continue
                }
                stop()
                throw WorkerStartError(worker: entry.worker.workerName, reason: "\(error)")
            }
        }
    }

    /// Stops the started workers, last started first; calling it again does nothing.
    package func stop() {
        let started = running.withLock { r -> [any Worker] in
            defer { r = [] }
            return r
        }
        for worker in started.reversed() { worker.stop() }
    }

    /// The name of the first running worker that has not gone round its loop for `maxAge` ms;
    /// nil when all have (the watchdog is fed only then).
    package func staleWorker(maxAge: Int64, now: Int64 = monotonicMilliseconds()) -> String? {
        for worker in running.withLock({ $0 }) {
            if let beat = worker.lastBeat, now - beat > maxAge { return worker.workerName }
        }
        return nil
    }

    /// Whether `worker` started and has not been stopped.
    package func isRunning(_ worker: any Worker) -> Bool { running.withLock { $0.contains { $0 === worker } } }

    /// The running workers' names, in start order.
    package var names: [String] { running.withLock { $0.map(\.workerName) } }
}

extension WorkerSet.Entry {
    /// A worker the gateway cannot run without.
    package static func required(_ worker: any Worker) -> Self { Self(worker: worker, unavailable: nil) }

    /// A worker the gateway runs on without; `unavailable` is told why it could not start.
    package static func optional(_ worker: any Worker, unavailable: @escaping @Sendable (_ error: any Error) -> Void) -> Self {
        Self(worker: worker, unavailable: unavailable)
    }
}

/// A worker the gateway cannot run without could not start.
package struct WorkerStartError: Error, CustomStringConvertible {
    package let worker: String
    package let reason: String
    package var description: String { "cannot start \(worker): \(reason)" }
}
