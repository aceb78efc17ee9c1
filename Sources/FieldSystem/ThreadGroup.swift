import Synchronization

/// Threads that come and go (one per local-API client, one per console socket session), each
/// joined once it has ended, so none is left behind: a thread neither joined nor detached keeps
/// its stack (8 MB of address space, its resident pages) until the process exits.
///
/// The owner calls `reap()` now and then (its accept loop does, once a second at most) and
/// `joinAll()` when it stops.
package final class ThreadGroup: Sendable {
    private struct State {
        var running: [UInt64: WorkerThread] = [:]
        /// Ids whose body has returned; they may end before `running` has them (a very short
        /// client), so `reap` keeps an id until its thread is there to join.
        var finished: [UInt64] = []
        var nextID: UInt64 = 0
        /// Bodies started and not yet returned.
        var live = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Threads whose body has not returned yet.
    package var count: Int { state.withLock { $0.live } }

    /// Starts `body` on a thread named `name`.
    /// - Throws: `WorkerThreadError` when the thread cannot be started (`body` does not run).
    package func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) throws(WorkerThreadError) {
        let id = state.withLock { s in
            s.nextID += 1
            s.live += 1
            return s.nextID
        }
        let thread: WorkerThread
        do {
            thread = try WorkerThread(name: name) { [self] in
                body()
                state.withLock { s in
                    s.finished.append(id)
                    s.live -= 1
                }
            }
        } catch {
            state.withLock { $0.live -= 1 }
            throw error
        }
        state.withLock { $0.running[id] = thread }
    }

    /// Joins every thread whose body has returned (they are at their end: no wait to speak of).
    package func reap() {
        let done: [WorkerThread] = state.withLock { s in
            var threads: [WorkerThread] = [], pending: [UInt64] = []
            for id in s.finished {
                if let t = s.running.removeValue(forKey: id) { threads.append(t) } else { pending.append(id) }
            }
            s.finished = pending
            return threads
        }
        for t in done { t.join() }
    }

    /// Waits for every thread, running or ended (call after telling them to stop).
    package func joinAll() {
        while true {
            let next: WorkerThread? = state.withLock { s in
                guard let id = s.running.keys.first else { return nil }
                s.finished.removeAll { $0 == id }
                return s.running.removeValue(forKey: id)
            }
            guard let next else { return }
            next.join()
        }
    }
}
