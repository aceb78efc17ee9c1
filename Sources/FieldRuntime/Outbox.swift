import FieldCore
import FieldDevices
import Synchronization

/// Store-and-forward for everything the gateway sends to the platform: an SQLite file (WAL) where
/// every alarm event, command result and telemetry batch is written before it is sent and
/// removed only when the broker acknowledges it (docs/uplink.md, "Outbox").
///
/// - Alarms and command results are committed with an fsync; `append` returns only after that,
///   so an accepted alarm survives `kill -9` and a power cut.
/// - Telemetry is queued in memory by `post` (never blocks) and committed with whatever else is
///   waiting in one transaction, without an fsync of its own.
/// - Bounded by `maxBytes`: the oldest telemetry goes first, alarms only when no telemetry is
///   left; every drop is counted in the file (`stats.dropped`).
/// - Delivery order: alarms, then command results, then telemetry, oldest first within each; at
///   most `window` records are in flight, so a backlog drain never holds back a live alarm by
///   more than one window.
///
/// All SQLite work runs on the outbox's own thread (`database`); callers never touch the file.
public final class Outbox: Sendable {
    /// The thread that owns the file, for other tables in it (the console's audit log).
    public let database: SQLiteWorker
    public let maxBytes: Int
    private let clock: any FieldClock
    private let log: Logger
    private let pending = Mutex(Pending())
    private let delivery = Mutex(Delivery())
    private let snapshot: Mutex<OutboxStats>

    private struct Append: Sendable {
        var kind: OutboxClass
        var messages: [OutboxMessage]
        var durable: Bool
        var done: (@Sendable (Result<Void, OutboxError>) -> Void)?
    }

    private struct Pending: Sendable {
        var appends: [Append] = []
        var confirms: [Int32] = []
        var scheduled = false
    }

    private struct Delivery: Sendable {
        var courier: (any OutboxCourier)?
        var ready = false
        var window = 256
        /// The courier changed: what was in flight goes to the new one. Set with the courier,
        /// under the same lock, so no pump can see the new courier without it.
        var restart = false
    }

    /// Opens (or creates) the outbox at `path`.
    /// - Parameters:
    ///   - maxBytes: the bound on stored records (topic + payload + 48 bytes each).
    ///   - clock: stamps records with the time they were stored.
    /// - Throws: `OutboxError.storage` when the file cannot be opened or set up.
    public init(path: String, maxBytes: Int, clock: any FieldClock = SystemClock(), logger: Logger = Logger("outbox")) throws(OutboxError) {
        self.maxBytes = maxBytes
        self.clock = clock
        log = logger
        do {
            database = try SQLiteWorker(path: path, name: "outbox") { db throws(SQLiteError) in
                db.attach(try OutboxStore(db: db, maxBytes: maxBytes))
            }
        } catch {
            throw .storage(error)
        }
        snapshot = Mutex(OutboxStats(maxBytes: maxBytes))
        database.submit { [self] db in publishStats(store(db)) }
    }

    /// Opens the outbox a site's `storage` section describes: `storage.path`, or `outbox.db` in
    /// the state directory.
    public convenience init(storage: StorageConfig, stateDirectory: String, clock: any FieldClock = SystemClock()) throws(OutboxError) {
        try self.init(path: storage.path ?? stateDirectory + "/outbox.db", maxBytes: storage.maxBytes, clock: clock)
    }

    deinit {
        database.close()
    }

    /// Finishes what is queued, then closes the file. Later appends fail with `.closed`.
    public func close() {
        detach()
        database.close()
    }

    // MARK: - Writing

    /// Stores `messages` durably (one transaction, fsync) and returns once they are on disk. For
    /// alarm events and command results; the calling task suspends, no thread blocks.
    /// - Throws: `OutboxError` when nothing was stored (storage failure, message too large, closed).
    public func append(_ messages: [OutboxMessage], as kind: OutboxClass) async throws(OutboxError) {
        let result: Result<Void, OutboxError> = await withCheckedContinuation { continuation in
            enqueue(Append(kind: kind, messages: messages, durable: true) { continuation.resume(returning: $0) })
        }
        try result.get()
    }

    /// Like `append`, for callers on their own threads (a bus worker): blocks until stored.
    public func appendAndWait(_ messages: [OutboxMessage], as kind: OutboxClass) throws(OutboxError) {
        precondition(!database.isCurrent, "Outbox.appendAndWait called from the outbox's own thread would wait for itself")
        let result = BlockingQueue<Result<Void, OutboxError>>()
        enqueue(Append(kind: kind, messages: messages, durable: true) { result.push($0) })
        try result.pop(until: .max)?.get()
    }

    /// Queues `messages` and returns at once; they are committed with the next group of writes,
    /// without an fsync of their own (telemetry batches), or with `durable`, in a group that ends
    /// with an fsync (command answers: the caller may not wait, the answer must not be lost).
    /// A storage failure drops them and counts the drop.
    public func post(_ messages: [OutboxMessage], as kind: OutboxClass = .telemetry, durable: Bool = false) {
        enqueue(Append(kind: kind, messages: messages, durable: durable, done: nil))
    }

    private func enqueue(_ append: Append) {
        let schedule = pending.withLock { p in
            p.appends.append(append)
            return takeSchedule(&p)
        }
        if schedule { submitFlush() }
    }

    private func takeSchedule(_ p: inout Pending) -> Bool {
        defer { p.scheduled = true }
        return !p.scheduled
    }

    private func submitFlush() {
        let queued = database.submit { [self] db in flush(db) }
        guard !queued else { return }
        let stranded = pending.withLock { p in
            defer { p = Pending() }
            return p.appends
        }
        for a in stranded { a.done?(.failure(.closed(path: database.path))) }
    }

    // MARK: - Delivery

    /// Makes `courier` the transport the outbox drains into, with at most `window` records in
    /// flight. Delivery starts when the courier is marked ready.
    public func attach(_ courier: any OutboxCourier, window: Int = 256) {
        delivery.withLock { d in
            d.courier = courier
            d.ready = false
            d.window = max(1, window)
            d.restart = true
        }
        wake()
    }

    /// Stops handing records to the courier; what it had in flight will be sent again to the next.
    public func detach() {
        delivery.withLock { d in
            d.courier = nil
            d.ready = false
            d.restart = true
        }
        wake()
    }

    /// Marks the courier connected (records flow) or disconnected (records wait; those in flight
    /// stay in flight, since the MQTT client resends them after it reconnects).
    public func setReady(_ ready: Bool) {
        delivery.withLock { $0.ready = ready }
        if ready { wake() }
    }

    /// The broker acknowledged the record sent with `tag`: delete it. Called from any thread
    /// (the MQTT loop's PUBACK callback); never blocks.
    public func confirm(_ tag: Int32) {
        let schedule = pending.withLock { p in
            p.confirms.append(tag)
            return takeSchedule(&p)
        }
        if schedule { submitFlush() }
    }

    private func wake() {
        let schedule = pending.withLock { takeSchedule(&$0) }
        if schedule { submitFlush() }
    }

    // MARK: - Reading

    /// Counts, bytes and drops as of the last write.
    public var stats: OutboxStats { snapshot.withLock { $0 } }

    /// The waiting records in delivery order, up to `limit` (console, tests).
    public func records(limit: Int = 1000) async throws(OutboxError) -> [OutboxRecord] {
        do {
            return try await database.run { [self] db throws(SQLiteError) in try store(db).peek(limit: limit) }
        } catch {
            throw .storage(error)
        }
    }

    // MARK: - On the outbox's thread

    private func store(_ db: SQLiteDatabase) -> OutboxStore {
        // Attached by the worker's set-up before any job runs.
        db.attached(OutboxStore.self)!
    }

    private func flush(_ db: SQLiteDatabase) {
        let work = pending.withLock { p in
            defer { p = Pending() }
            return p
        }
        let store = store(db)
        let results = write(work.appends, to: store)
        // Counts first, so a caller told "stored" sees its records in `stats`.
        publishStats(store)
        for (append, result) in results { append.done?(result) }
        if !work.confirms.isEmpty {
            do {
                try store.confirm(work.confirms)
            } catch {
                log.error("cannot delete acknowledged records: \(error)")
            }
        }
        pump(store)
        publishStats(store)
    }

    /// Stores the appends; returns what to tell each one's caller.
    private func write(_ appends: [Append], to store: OutboxStore) -> [(Append, Result<Void, OutboxError>)] {
        guard !appends.isEmpty else { return [] }
        var results: [(Append, Result<Void, OutboxError>)] = []
        var accepted: [Append] = []
        for a in appends {
            if let big = a.messages.first(where: { $0.storedSize > maxBytes }) {
                let error = OutboxError.recordTooLarge(topic: big.topic, bytes: big.storedSize, maxBytes: maxBytes)
                log.error("\(error)")
                countDropped(a.kind, a.messages.count, in: store)
                results.append((a, .failure(error)))
            } else {
                accepted.append(a)
            }
        }
        guard !accepted.isEmpty else { return results }
        do {
            try store.append(accepted.map { ($0.kind, $0.messages) }, durable: accepted.contains(where: \.durable), now: clock.now())
            results += accepted.map { ($0, .success(())) }
        } catch {
            log.error("cannot store \(accepted.reduce(0) { $0 + $1.messages.count }) records: \(error)")
            for a in accepted {
                if a.done == nil { countDropped(a.kind, a.messages.count, in: store) }
                results.append((a, .failure(.storage(error))))
            }
        }
        return results
    }

    private func countDropped(_ kind: OutboxClass, _ n: Int, in store: OutboxStore) {
        do {
            try store.countDropped(kind, n)
        } catch {
            log.error("cannot count \(n) dropped \(kind) records: \(error)")
        }
    }

    /// Hands waiting records to the courier until the window is full.
    private func pump(_ store: OutboxStore) {
        let d = delivery.withLock { d in
            defer { d.restart = false }
            return d
        }
        if d.restart { store.restartDelivery() }
        guard let courier = d.courier, d.ready else { return }
        var room = d.window - store.inFlight.count
        while room > 0 {
            let records: [OutboxRecord]
            do {
                records = try store.next(limit: min(room, 256))
            } catch {
                log.error("cannot read the outbox: \(error)")
                return
            }
            guard !records.isEmpty else { return }
            for r in records {
                switch courier.deliver(r) {
                case .sent(let tag):
                    store.handedOver(r, tag: tag)
                    room -= 1
                case .notNow:
                    return
                case .rejected(let reason):
                    log.error("dropping \(r.kind) record \(r.sequence) for \(r.message.topic): \(reason)")
                    do {
                        try store.reject(r)
                    } catch {
                        log.error("cannot drop record \(r.sequence): \(error)")
                        return
                    }
                }
            }
        }
    }

    private func publishStats(_ store: OutboxStore) {
        let a = store.accounting
        let stats = OutboxStats(depth: a.depth.filter { $0.value > 0 }, bytes: a.totalBytes, maxBytes: maxBytes,
                                dropped: a.dropped.filter { $0.value > 0 }, inFlight: store.inFlight.count)
        snapshot.withLock { $0 = stats }
    }
}
