import FieldCore
import FieldSystem
import Synchronization

/// The thread that owns one SQLite connection (DESIGN rule 2). Every statement on the file runs
/// here, in the order it was submitted, never on the Swift concurrency pool; callers either
/// submit and go on, wait on their own thread, or suspend (`run`).
///
/// The outbox and the console's audit log share `outbox.db` through one worker, so there is one
/// writer and no lock contention inside SQLite.
package final class SQLiteWorker: Sendable {
    package typealias Job = @Sendable (SQLiteDatabase) -> Void

    /// The database file.
    package let path: String
    private let jobs = BlockingQueue<Job>()
    private let timers = Timers()
    private let thread: WorkerThread
    private let identity = UplinkThreadIdentity()

    /// Opens `path` on a new thread named `name` and runs `setUp` there (schema, pragmas) before
    /// any job.
    /// - Throws: `SQLiteError` when the file cannot be opened or `setUp` fails; the thread is gone then.
    package init(path: String, name: String = "sqlite", setUp: @escaping @Sendable (SQLiteDatabase) throws(SQLiteError) -> Void = { _ in }) throws(SQLiteError) {
        self.path = path
        let opened = BlockingQueue<Result<Void, SQLiteError>>()
        let (jobs, identity, timers) = (self.jobs, self.identity, self.timers)
        do {
            thread = try WorkerThread(name: name) {
                identity.claim()
                let db: SQLiteDatabase
                do throws(SQLiteError) {
                    db = try SQLiteDatabase(path: path)
                    try setUp(db)
                } catch {
                    jobs.close()
                    opened.push(.failure(error))
                    return
                }
                opened.push(.success(()))
                while true {
                    let next = timers.list.withLock { $0.map(\.due).min() } ?? .max
                    if let job = jobs.pop(until: next) {
                        job(db)
                        continue
                    }
                    let now = monotonicMilliseconds()
                    // No job before the deadline: a timer is due, or the queue was closed.
                    guard now >= next else { break }
                    let due = timers.list.withLock { t in
                        defer { t.removeAll { $0.due <= now } }
                        return t.filter { $0.due <= now }.map(\.job)
                    }
                    for job in due { job(db) }
                }
                db.close()
            }
        } catch {
            throw SQLiteError(code: 1, message: error.description, path: path)
        }
        if case .failure(let e)? = opened.pop(until: .max) {
            thread.join()
            throw e
        }
    }

    deinit {
        close()
    }

    /// True on the worker's own thread (inside a job).
    package var isCurrent: Bool { identity.isCurrent }

    /// Queues `job`; false when the worker is closed (the job will not run).
    @discardableResult
    package func submit(_ job: @escaping Job) -> Bool {
        jobs.push(job)
    }

    /// Runs `job` on the worker once `delay` has passed (retries with backoff, periodic work);
    /// dropped when the worker closes first.
    package func submit(after delay: Duration, _ job: @escaping Job) {
        let due = monotonicMilliseconds() + max(0, delay.milliseconds)
        timers.list.withLock { $0.append((due, job)) }
        // Wakes the loop so it waits until the new deadline, not an older, later one.
        jobs.push { _ in }
    }

    /// Runs `job` on the worker and waits for it, blocking the calling thread. For callers on
    /// their own threads; from async code use `run`.
    package func perform<T: Sendable>(_ job: @escaping @Sendable (SQLiteDatabase) throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        precondition(!isCurrent, "SQLiteWorker.perform called from its own thread would wait for itself")
        let result = BlockingQueue<Result<T, SQLiteError>>()
        guard submit({ db in result.push(Result { () throws(SQLiteError) -> T in try job(db) }) }), let r = result.pop(until: .max) else {
            throw .closed(path: path)
        }
        return try r.get()
    }

    /// Runs `job` on the worker; the calling task suspends (no pool thread is blocked).
    package func run<T: Sendable>(_ job: @escaping @Sendable (SQLiteDatabase) throws(SQLiteError) -> T) async throws(SQLiteError) -> T {
        let path = self.path
        let result: Result<T, SQLiteError> = await withCheckedContinuation { continuation in
            let queued = submit { db in continuation.resume(returning: Result { () throws(SQLiteError) -> T in try job(db) }) }
            if !queued { continuation.resume(returning: .failure(.closed(path: path))) }
        }
        return try result.get()
    }

    /// Finishes the queued jobs, closes the database and ends the thread. Later jobs are refused.
    package func close() {
        jobs.close()
        if !isCurrent { thread.join() }
    }
}

/// The jobs a worker runs at a time (`SQLiteWorker.submit(after:)`), shared with its thread.
private final class Timers: Sendable {
    let list = Mutex<[(due: Int64, job: SQLiteWorker.Job)]>([])
}
