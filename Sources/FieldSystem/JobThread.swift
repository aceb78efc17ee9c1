import FieldCore
import Synchronization

/// A thread of its own that runs the jobs handed to it one after the other, in order: the file
/// and network work a component must keep off the thread that hands it over (the remote
/// configuration and firmware services take theirs from the MQTT loop). `stop` lets the jobs
/// already queued run, then joins the thread.
package final class JobThread: Sendable {
    package typealias Job = @Sendable () -> Void

    package let name: String
    private let jobs = BlockingQueue<Job>()
    private let thread = Mutex<WorkerThread?>(nil)
    private let stopping = Atomic<Bool>(false)

    /// Nothing runs until `start`; jobs submitted before it wait for it.
    package init(name: String) {
        self.name = name
    }

    /// Starts the thread (named `name` for `top -H`).
    package func start() throws(WorkerThreadError) {
        // The thread holds this object until it ends, at `stop`.
        let t = try WorkerThread(name: name) { [self] in
            while true {
                if let job = jobs.pop(until: monotonicMilliseconds() + 1000) {
                    job()
                } else if stopping.load(ordering: .acquiring) {
                    return
                }
            }
        }
        thread.withLock { $0 = t }
    }

    /// Queues `job`; false once `stop` was called (the job will not run).
    @discardableResult
    package func submit(_ job: @escaping Job) -> Bool {
        jobs.push(job)
    }

    /// Refuses new jobs, runs the queued ones, and returns once the thread has ended.
    package func stop() {
        stopping.store(true, ordering: .releasing)
        jobs.close()
        let t: WorkerThread? = thread.withLock { t in
            defer { t = nil }
            return t
        }
        t?.join()
    }
}
