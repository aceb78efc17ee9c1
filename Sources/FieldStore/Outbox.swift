import FieldCore
import FieldSystem
import FieldDevices
import FieldSystem
import Synchronization

/// Store-and-forward for everything the gateway sends to the platform: an SQLite file (WAL) where
/// every alarm event and command result is written before it is sent and removed only when the
/// broker acknowledges it (docs/uplink.md, "Outbox"; docs/architecture.md, "Outbox durability").
///
/// - Alarms and command results are committed with an fsync; `append` returns only after that,
///   so an accepted alarm survives `kill -9` and a power cut.
/// - Telemetry is queued in memory by `post` (never blocks). While the courier is connected it
///   goes out from memory and never touches the flash; it is written to the file (without an
///   fsync of its own) only when the courier is not connected, when the memory queue is over
///   `memoryBytes`, when a record has waited `spillAfter`, or on close.
/// - Bounded by `maxBytes`, WAL included: telemetry may fill three quarters of the room left for
///   records, the oldest telemetry goes first, alarms only when no telemetry is left; every drop
///   is counted (in the file, or in memory until the file can take the count).
/// - A full disk gives up the oldest telemetry; a busy or failing file holds alarms and command
///   answers in memory (at most `maxHeldRecords`) and retries with backoff; a damaged file is
///   moved aside, salvaged into a fresh one and reported (`onIncident`).
/// - Delivery order: alarms, then command results, then telemetry, oldest first within each; at
///   most `window` records are in flight, so a backlog drain never holds back a live alarm by
///   more than one window.
///
/// All SQLite work runs on the outbox's own thread (`database`); callers never touch the file.
package final class Outbox: Sendable {
    /// The thread that owns the file, for other tables in it (the console's audit log).
    package let database: SQLiteWorker
    package let maxBytes: Int
    /// The most telemetry (topic + payload bytes) held in memory before it is written out.
    package let memoryBytes: Int
    /// The longest a telemetry record stays in memory only: what a power cut can lose.
    package let spillAfter: Duration
    /// Alarm and command records held in memory at most while the file cannot take them.
    package static let maxHeldRecords = 10_000
    private let clock: any FieldClock
    private let log: Logger
    private let pending = Mutex(Pending())
    private let delivery = Mutex(Delivery())
    private let snapshot: Mutex<OutboxStats>
    private let incidents = Mutex(Incidents())

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

    private struct Incidents: Sendable {
        var seen: [OutboxIncident] = []
        var handler: (@Sendable (OutboxIncident) -> Void)?
    }

    /// Opens (or creates) the outbox at `path`. A damaged file is moved aside and replaced (see
    /// `onIncident`).
    /// - Parameters:
    ///   - maxBytes: the bound on the file: records (topic + payload + 48 bytes each) and the WAL.
    ///   - memoryBytes: the telemetry held in memory at most while the courier keeps up.
    ///   - spillAfter: the longest telemetry stays in memory only.
    ///   - clock: stamps records with the time they were stored.
    /// - Throws: `OutboxError.storage` when the file cannot be opened or set up (no such
    ///   directory, read-only).
    package init(path: String, maxBytes: Int, memoryBytes: Int = 2 << 20, spillAfter: Duration = .seconds(10),
                clock: any FieldClock = SystemClock(), logger: Logger = Logger("outbox")) throws(OutboxError) {
        self.maxBytes = maxBytes
        self.memoryBytes = memoryBytes
        self.spillAfter = spillAfter
        self.clock = clock
        log = logger
        let opening = OpeningIncidents()
        do {
            database = try SQLiteWorker(path: path, name: "outbox") { db throws(SQLiteError) in
                // Short: a lock held by another process is waited out by retries with backoff,
                // not inside SQLite, so the thread stays free for deliveries.
                db.setBusyTimeout(.seconds(1))
                let store = try OutboxStore(db: db, maxBytes: maxBytes, logger: logger)
                opening.list.withLock { $0 = store.incidents }
                store.incidents = []
                db.attach(store)
                db.attach(Queues())
            }
        } catch {
            throw .storage(error)
        }
        incidents.withLock { $0.seen = opening.list.withLock { $0 } }
        snapshot = Mutex(OutboxStats(maxBytes: maxBytes))
        database.submit { [self] db in publishStats(db) }
    }

    /// Opens the outbox a site's `storage` section describes: `storage.path`, or `outbox.db` in
    /// the state directory.
    package convenience init(storage: StorageConfig, stateDirectory: String, clock: any FieldClock = SystemClock()) throws(OutboxError) {
        try self.init(path: storage.path ?? stateDirectory + "/outbox.db", maxBytes: storage.maxBytes, clock: clock)
    }

    deinit {
        database.close()
    }

    /// Writes the telemetry held in memory, finishes what is queued, then closes the file.
    /// Later appends fail with `.closed`.
    package func close() {
        detach()
        database.close()
    }

    /// Calls `handler` (on the outbox's thread; it must not wait for the outbox) for every
    /// incident so far and every later one: a damaged file recovered.
    package func onIncident(_ handler: @escaping @Sendable (OutboxIncident) -> Void) {
        let past = incidents.withLock { i in
            i.handler = handler
            return i.seen
        }
        for incident in past { handler(incident) }
    }

    // MARK: - Writing

    /// Stores `messages` durably (one transaction, fsync) and returns once they are on disk: for
    /// alarm events (`OutboxSink`, on the engine's thread). The calling thread blocks; never call
    /// it from the outbox's own thread. While the file cannot take them (locked by another
    /// process, the disk full without telemetry to give up, an I/O error) they are held in memory
    /// and retried, and this returns once they are held.
    /// - Throws: `OutboxError` when nothing was kept (message too large, closed).
    package func appendAndWait(_ messages: [OutboxMessage], as kind: OutboxClass) throws(OutboxError) {
        precondition(!database.isCurrent, "Outbox.appendAndWait called from the outbox's own thread would wait for itself")
        let result = BlockingQueue<Result<Void, OutboxError>>()
        enqueue(Append(kind: kind, messages: messages, durable: true) { result.push($0) })
        try result.pop(until: .max)?.get()
    }

    /// Queues `messages` and returns at once. Telemetry (the default) waits in memory for the
    /// courier (see the type's notes); with `durable` (command answers, a gateway alarm raised
    /// from the outbox's own thread: the caller may not wait, the record must not be lost) it is
    /// committed with the next group of writes, which ends with an fsync.
    package func post(_ messages: [OutboxMessage], as kind: OutboxClass = .telemetry, durable: Bool = false) {
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
    package func attach(_ courier: any OutboxCourier, window: Int = 256) {
        delivery.withLock { d in
            d.courier = courier
            d.ready = false
            d.window = max(1, window)
            d.restart = true
        }
        wake()
    }

    /// Stops handing records to the courier; what it had in flight will be sent again to the next.
    package func detach() {
        delivery.withLock { d in
            d.courier = nil
            d.ready = false
            d.restart = true
        }
        wake()
    }

    /// Marks the courier connected (records flow) or disconnected (records wait; those in flight
    /// stay in flight, since the MQTT client resends them after it reconnects).
    package func setReady(_ ready: Bool) {
        delivery.withLock { $0.ready = ready }
        // Not ready: the telemetry waiting in memory goes to the file now.
        wake()
    }

    /// The broker acknowledged the record sent with `tag`: delete it. Called from any thread
    /// (the MQTT loop's PUBACK callback); never blocks.
    package func confirm(_ tag: Int32) {
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
    package var stats: OutboxStats { snapshot.withLock { $0 } }

    /// The records waiting in the file in delivery order, up to `limit` (console, tests);
    /// telemetry held in memory is not among them (`stats.memory` counts it).
    package func records(limit: Int = 1000) async throws(OutboxError) -> [OutboxRecord] {
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

    private func queues(_ db: SQLiteDatabase) -> Queues {
        db.attached(Queues.self)!
    }

    /// - Parameter retrying: the retry timer's turn to try the held records against the file.
    private func flush(_ db: SQLiteDatabase, retrying: Bool = false) {
        let work = pending.withLock { p in
            defer { p = Pending() }
            return p
        }
        let d = delivery.withLock { d in
            defer { d.restart = false }
            return d
        }
        let store = store(db)
        let q = queues(db)
        let now = clock.now()
        if d.restart {
            store.restartDelivery()
            // Telemetry handed to the old courier goes to the next one, in its order.
            q.memory = q.memoryInFlight.values.sorted { $0.posted < $1.posted } + q.memory
            q.memoryInFlight = [:]
        }
        let live = d.courier != nil && d.ready
        // Telemetry waits in memory while the courier takes it; the rest goes to the file.
        var toStore: [Append] = []
        for a in work.appends {
            if live && a.kind == .telemetry && !a.durable && a.done == nil {
                q.memory += a.messages.map { MemoryRecord(message: $0, posted: now) }
            } else {
                toStore.append(a)
            }
        }
        let spill = spillable(q, live: live, now: now)
        let results = write(spill, toStore, to: store, queues: q, now: now, retrying: retrying)
        // Counts first, so a caller told "stored" sees its records in `stats`.
        publishStats(db)
        for (append, result) in results { append.done?(result) }
        confirm(work.confirms, store: store, queues: q)
        pump(store, queues: q, delivery: d)
        armTimers(q, store: store)
        publishIncidents(store)
        publishStats(db)
    }

    /// The telemetry to move from memory to the file now: everything queued when the courier is
    /// not connected or memory is over its bound, and whatever has waited `spillAfter` (handed
    /// over or not: a record the broker has not acknowledged by then may be sent twice rather
    /// than lost).
    private func spillable(_ q: Queues, live: Bool, now: Timestamp) -> [MemoryRecord] {
        let cutoff = now - spillAfter
        var out: [MemoryRecord] = []
        let aged = q.memoryInFlight.filter { $0.value.posted <= cutoff }
        for tag in aged.keys { q.memoryInFlight[tag] = nil }
        out += aged.values.sorted { $0.posted < $1.posted }
        if !live || q.memoryByteCount > memoryBytes || (q.memory.first.map { $0.posted <= cutoff } ?? false) {
            out += q.memory
            q.memory = []
        }
        return out
    }

    /// Stores held records, spilled telemetry and new appends, in that order, in one
    /// transaction; returns what to tell each append's caller.
    private func write(_ spilled: [MemoryRecord], _ appends: [Append], to store: OutboxStore, queues q: Queues,
                       now: Timestamp, retrying: Bool) -> [(Append, Result<Void, OutboxError>)] {
        var results: [(Append, Result<Void, OutboxError>)] = []
        var accepted: [Append] = []
        for a in appends {
            if let big = a.messages.first(where: { $0.storedSize > store.recordBytes }) {
                let error = OutboxError.recordTooLarge(topic: big.topic, bytes: big.storedSize, maxBytes: maxBytes)
                log.error("\(error)")
                store.countDropped(a.kind, a.messages.count)
                results.append((a, .failure(error)))
            } else {
                accepted.append(a)
            }
        }
        if !q.held.isEmpty && !retrying {
            // The file is failing (a lock held, the disk full, an I/O error) and its retry is
            // armed: new records join the held ones at once, so no caller waits on the lock.
            hold(accepted, spilled, in: q, store: store, now: now)
            return results + accepted.map { ($0, .success(())) }
        }
        var items = q.held.map { ($0.kind, $0.messages) }
        if !spilled.isEmpty { items.append((.telemetry, spilled.map(\.message))) }
        items += accepted.map { ($0.kind, $0.messages) }
        guard !items.isEmpty else { return results }
        let durable = !q.held.isEmpty || accepted.contains(where: \.durable)
        var failure: SQLiteError?
        for attempt in 0..<2 {
            do {
                try store.append(items, durable: durable, now: now)
                failure = nil
                break
            } catch {
                failure = error
                guard attempt == 0, error.isCorrupt else { break }
                recover(store, from: error)
            }
        }
        if let full = failure, full.isFull {
            // No telemetry left in the file to give up: the alarms and command answers go in
            // alone; the telemetry that does not fit is given up and counted.
            let durableItems = q.held.map { ($0.kind, $0.messages) } + accepted.filter { !($0.kind == .telemetry && !$0.durable) }.map { ($0.kind, $0.messages) }
            do {
                if !durableItems.isEmpty { try store.append(durableItems, durable: true, now: now) }
                // Counted, not logged: the store said once that the disk is full.
                let telemetry = spilled.count + accepted.filter { $0.kind == .telemetry && !$0.durable }.reduce(0) { $0 + $1.messages.count }
                store.countDropped(.telemetry, telemetry)
                failure = nil
            } catch {
                failure = error
            }
        }
        guard let failure else {
            if let trouble = q.trouble {
                log.notice("\(database.path) takes records again (after \(trouble)); \(q.heldCount) held records written")
            }
            q.held = []
            q.trouble = nil
            q.retryDelay = .zero
            return results + accepted.map { ($0, .success(())) }
        }
        // Nothing is lost for a failing file: held in memory, retried with backoff; the callers
        // are told their records are kept.
        if q.trouble == nil {
            log.error("cannot store in \(database.path): \(failure); holding alarms and command answers in memory (at most \(Outbox.maxHeldRecords)) and retrying")
        }
        q.trouble = failure.codeName
        hold(accepted, spilled, in: q, store: store, now: now)
        return results + accepted.map { ($0, .success(())) }
    }

    /// Keeps what the file cannot take now in memory: telemetry back in its queue (the spilled
    /// first), alarms and command answers after the records already held.
    private func hold(_ accepted: [Append], _ spilled: [MemoryRecord], in q: Queues, store: OutboxStore, now: Timestamp) {
        for a in accepted where a.kind == .telemetry && !a.durable {
            q.memory += a.messages.map { MemoryRecord(message: $0, posted: now) }
        }
        q.memory = spilled + q.memory
        for a in accepted where !(a.kind == .telemetry && !a.durable) {
            q.held.append((kind: a.kind, messages: a.messages, durable: a.durable))
        }
        trimMemory(q, store: store)
    }

    /// Keeps what is held in memory within its bounds while the file cannot take it: the oldest
    /// telemetry goes first, then the oldest held alarms and command answers; every drop counted.
    private func trimMemory(_ q: Queues, store: OutboxStore) {
        var dropped = 0
        while q.memoryByteCount > memoryBytes, !q.memory.isEmpty {
            q.memory.removeFirst()
            dropped += 1
        }
        store.countDropped(.telemetry, dropped)
        while q.heldCount > Outbox.maxHeldRecords, !q.held.isEmpty {
            let oldest = q.held.removeFirst()
            log.error("dropping \(oldest.messages.count) held \(oldest.kind) records: \(Outbox.maxHeldRecords) are held in memory already")
            store.countDropped(oldest.kind, oldest.messages.count)
        }
    }

    /// Deletes what the broker acknowledged: telemetry from memory, records from the file.
    private func confirm(_ tags: [Int32], store: OutboxStore, queues q: Queues) {
        let stored = tags.filter { q.memoryInFlight.removeValue(forKey: $0) == nil }
        do {
            try store.confirm(stored)
        } catch {
            if error.isCorrupt {
                recover(store, from: error)
            } else {
                // Kept by the store and deleted with the next confirmation or retry.
                log.warning("cannot delete acknowledged records yet: \(error)")
                q.trouble = q.trouble ?? error.codeName
            }
        }
    }

    /// The file is damaged: the store replaces it (and says so through `onIncident`).
    private func recover(_ store: OutboxStore, from damage: SQLiteError) {
        do {
            try store.recover(from: damage)
        } catch {
            log.error("cannot replace the damaged outbox \(database.path): \(error)")
        }
        publishIncidents(store)
    }

    private func publishIncidents(_ store: OutboxStore) {
        guard !store.incidents.isEmpty else { return }
        let new = store.incidents
        store.incidents = []
        let handler = incidents.withLock { i in
            i.seen += new
            return i.handler
        }
        if let handler { for incident in new { handler(incident) } }
    }

    /// Arms the retry of held records (backoff from 100 ms, doubling to 5 s, never giving up)
    /// and the spill of telemetry that has waited in memory.
    private func armTimers(_ q: Queues, store: OutboxStore) {
        let retry = !q.held.isEmpty || store.hasUnconfirmed || (q.trouble != nil && !q.memory.isEmpty)
        if retry && !q.retryArmed {
            q.retryDelay = q.retryDelay == .zero ? .milliseconds(100) : min(q.retryDelay * 2, .seconds(5))
            q.retryArmed = true
            database.submit(after: q.retryDelay) { [weak self] db in
                guard let self else { return }
                self.queues(db).retryArmed = false
                self.flush(db, retrying: true)
            }
        }
        if !(q.memory.isEmpty && q.memoryInFlight.isEmpty) && !q.spillArmed {
            q.spillArmed = true
            database.submit(after: spillAfter + .milliseconds(10)) { [weak self] db in
                guard let self else { return }
                self.queues(db).spillArmed = false
                self.flush(db)
            }
        }
    }

    /// Hands waiting records to the courier until the window is full: the file's first, then
    /// the telemetry in memory (always newer than the file's).
    private func pump(_ store: OutboxStore, queues q: Queues, delivery d: Delivery) {
        guard let courier = d.courier, d.ready else { return }
        var room = d.window - store.inFlight.count - q.memoryInFlight.count
        while room > 0 {
            let records: [OutboxRecord]
            do {
                records = try store.next(limit: min(room, 256))
            } catch {
                log.error("cannot read the outbox: \(error)")
                if error.isCorrupt { recover(store, from: error) }
                return
            }
            guard !records.isEmpty else { break }
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
        // Telemetry in the file not handed over yet goes before the newer telemetry in memory.
        guard !store.hasUnsent(.telemetry) else { return }
        while room > 0, let m = q.memory.first {
            switch courier.deliver(OutboxRecord(sequence: 0, kind: .telemetry, stored: m.posted, message: m.message)) {
            case .sent(let tag):
                q.memory.removeFirst()
                q.memoryInFlight[tag] = m
                room -= 1
            case .notNow:
                return
            case .rejected(let reason):
                q.memory.removeFirst()
                log.error("dropping a telemetry record for \(m.message.topic): \(reason)")
                store.countDropped(.telemetry, 1)
            }
        }
    }

    private func publishStats(_ db: SQLiteDatabase) {
        let store = store(db)
        let q = queues(db)
        let a = store.accounting
        var depth = a.depth
        let inMemory = q.memory.count + q.memoryInFlight.count
        depth[.telemetry, default: 0] += inMemory
        for h in q.held { depth[h.kind, default: 0] += h.messages.count }
        let stats = OutboxStats(depth: depth.filter { $0.value > 0 }, bytes: a.totalBytes, maxBytes: maxBytes,
                                dropped: store.dropped.filter { $0.value > 0 }, inFlight: store.inFlight.count + q.memoryInFlight.count,
                                memory: inMemory + q.heldCount, diskFull: store.diskFull)
        snapshot.withLock { $0 = stats }
    }
}
