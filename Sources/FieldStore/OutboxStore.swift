import CSQLite
import FieldCore
import FieldSystem

/// The outbox's tables and its thread-confined bookkeeping. Lives with the connection on the
/// outbox's `SQLiteWorker` thread (`SQLiteDatabase.attach`); only that thread touches it.
final class OutboxStore {
    /// Counts and bytes per class, and the persisted drop counters. A value, so a transaction
    /// works on a copy and the store keeps it only after COMMIT.
    struct Accounting: Equatable {
        var depth: [OutboxClass: Int] = [:]
        var bytes: [OutboxClass: Int] = [:]
        var dropped: [OutboxClass: Int] = [:]

        var totalBytes: Int { bytes.values.reduce(0, +) }
    }

    /// A record handed to the courier and not yet confirmed.
    struct InFlight {
        var sequence: Int64
        var kind: OutboxClass
        var size: Int
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            class INTEGER NOT NULL,
            stored INTEGER NOT NULL,
            size INTEGER NOT NULL,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS outbox_by_class ON outbox (class, seq);
        CREATE TABLE IF NOT EXISTS outbox_counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        """

    /// The WAL is checkpointed into the file once it holds `walLimit` bytes of pages and
    /// truncated back to that afterwards: a sixteenth of `storage.maxSize` or of the partition,
    /// whichever is smaller, between 128 KiB and 4 MiB. SQLite's default, 1000 pages (4 MB), let
    /// the log fill a small partition long before the records did; a much smaller one on a
    /// large partition costs a drain after an outage two fsyncs every few hundred KiB
    /// (docs/architecture.md).
    let walLimit: Int

    static func walLimit(maxBytes: Int, path: String) -> Int {
        let partition = (try? FileSystem.volumeSpace(of: OutboxStore.directory(of: path)).total) ?? maxBytes
        return min(max(min(maxBytes, partition) / 16, 128 << 10), 4 << 20) / 4096 * 4096
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    let db: SQLiteDatabase
    let maxBytes: Int
    /// What the records may count against `maxBytes`: the rest is the WAL's (its limit and one
    /// checkpoint's worth) and the shared-memory index's, but at least half
    /// (`storage.maxSize` bounds the files, not only the rows).
    let recordBytes: Int
    private let log: Logger
    private(set) var accounting = Accounting()
    /// Drops that could not be written to `outbox_counter` yet (disk full, busy): reported with
    /// the persisted ones and written with the next transaction that succeeds.
    private(set) var unsavedDrops: [OutboxClass: Int] = [:]
    /// The bound the records live under now: `recordBytes`, or less once the disk turned out to
    /// be smaller (SQLITE_FULL); back to `recordBytes` when space comes back.
    private(set) var capacity: Int
    /// True from the first SQLITE_FULL or eviction for want of disk space until the records
    /// take less than half the room there is.
    private(set) var diskFull = false
    /// The records' bytes when SQLite last found the disk full.
    private var learnedCapacity: Int?
    /// What happened to the file that the gateway must report (a damaged file recovered).
    var incidents: [OutboxIncident] = []
    private var synchronousFull = true
    /// The highest sequence handed to the courier, per class.
    private var cursor: [OutboxClass: Int64] = [:]
    private(set) var inFlight: [Int32: InFlight] = [:]
    /// Acknowledged records whose deletion failed (busy, full): deleted with the next confirm.
    private var unconfirmed: [InFlight] = []
    var hasUnconfirmed: Bool { !unconfirmed.isEmpty }

    /// Sets the connection up for the outbox (WAL, synchronous FULL, schema) and loads the counts.
    /// A file that is damaged or is not an outbox (garbage, truncated, a foreign schema, a bad
    /// page) is moved aside and replaced by a fresh one with what could be read from it
    /// (`incidents` says so); other failures (no such directory, read-only) are thrown.
    init(db: SQLiteDatabase, maxBytes: Int, logger: Logger = Logger("outbox")) throws(SQLiteError) {
        self.db = db
        self.maxBytes = maxBytes
        walLimit = OutboxStore.walLimit(maxBytes: maxBytes, path: db.path)
        recordBytes = max(maxBytes / 2, maxBytes - 2 * walLimit - (32 << 10))
        capacity = recordBytes
        log = logger
        do {
            try setUp()
        } catch where OutboxStore.isDamage(error, atOpen: true) {
            try recover(from: error)
        }
    }

    /// Telemetry may fill this much of the bound; the rest is kept for alarms and command
    /// answers, so a telemetry backlog never makes an alarm wait for space.
    var telemetryCapacity: Int { capacity - capacity / 4 }

    private func setUp() throws(SQLiteError) {
        // WAL: a commit appends to the log (one fsync with synchronous FULL) instead of writing
        // pages twice; readers (the console) never block the writer.
        let mode = try db.first("PRAGMA journal_mode = WAL") { $0.text(0) }
        // ":memory:" (the fallback when the state directory cannot hold a file) has no WAL.
        guard mode?.lowercased() == "wal" || (db.path == ":memory:" && mode?.lowercased() == "memory") else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot switch to WAL journal mode (got \(mode ?? "nothing"))", sql: "PRAGMA journal_mode = WAL", path: db.path)
        }
        try db.execute("""
            PRAGMA synchronous = FULL;
            PRAGMA wal_autocheckpoint = \(walLimit / 4096);
            PRAGMA journal_size_limit = \(walLimit);
            """)
        synchronousFull = true
        try db.execute(OutboxStore.schema)
        // A table of that name from something else, or pages SQLite cannot read, is damage.
        _ = try db.first("SELECT seq, class, stored, size, topic, payload FROM outbox LIMIT 1") { _ in 0 }
        let check = try db.query("PRAGMA quick_check", [], { $0.text(0) })
        guard check == ["ok"] else {
            throw SQLiteError(code: SQLITE_CORRUPT, message: "quick_check: \(check.prefix(3).joined(separator: "; "))", sql: "PRAGMA quick_check", path: db.path)
        }
        try load()
    }

    private func load() throws(SQLiteError) {
        var a = Accounting()
        for (kind, count, bytes) in try db.query("SELECT class, COUNT(*), SUM(size) FROM outbox GROUP BY class", [], { s in
            (s.integer(0), Int(s.integer(1)), Int(s.integer(2)))
        }) {
            guard let k = OutboxClass(rawValue: Int(kind)) else { continue }
            a.depth[k] = count
            a.bytes[k] = bytes
        }
        for (name, value) in try db.query("SELECT name, value FROM outbox_counter", [], { s in (s.text(0), Int(s.integer(1))) }) {
            if let k = OutboxClass.allCases.first(where: { OutboxStore.dropCounter($0) == name }) { a.dropped[k] = value }
        }
        accounting = a
    }

    private static func dropCounter(_ kind: OutboxClass) -> String { "dropped.\(kind)" }

    /// Damage the store recovers from by replacing the file: SQLite says the file is corrupt or
    /// not a database; at open, also a file whose `outbox` table is not ours (SQLITE_ERROR).
    static func isDamage(_ e: SQLiteError, atOpen: Bool) -> Bool {
        e.isCorrupt || (atOpen && e.code == SQLITE_ERROR)
    }

    // MARK: - Writing

    /// Stores `items` in one transaction, evicting old records to stay under the bound
    /// (telemetry under `telemetryCapacity`). On SQLITE_FULL it gives up the oldest telemetry
    /// (counted), checkpoints the WAL away and tries again while there is telemetry to give up;
    /// the caller holds what still does not fit (OutboxError never says "not stored" for want
    /// of space while telemetry is there to evict).
    /// - Parameter durable: commit with an fsync (synchronous FULL) rather than on the OS's schedule.
    func append(_ items: [(OutboxClass, [OutboxMessage])], durable: Bool, now: Timestamp) throws(SQLiteError) {
        while true {
            do {
                try appendOnce(items, durable: durable, now: now)
                noteWritten()
                return
            } catch where error.isFull {
                let needed = items.reduce(0) { $0 + $1.1.reduce(0) { $0 + $1.storedSize } }
                guard try makeRoom(needed: needed) else { throw error }
            }
        }
    }

    private func appendOnce(_ items: [(OutboxClass, [OutboxMessage])], durable: Bool, now: Timestamp) throws(SQLiteError) {
        try setSynchronous(full: durable)
        updateCapacity()
        accounting = try db.transaction { () throws(SQLiteError) -> Accounting in
            var a = accounting
            try saveDrops(in: &a)
            for (kind, messages) in items {
                for m in messages {
                    let size = m.storedSize
                    guard try evict(toFit: size, as: kind, in: &a) else {
                        // Telemetry never pushes out alarms or command answers: it is dropped.
                        try bumpDropCounter(kind, by: 1, in: &a)
                        continue
                    }
                    try db.run("INSERT INTO outbox (class, stored, size, topic, payload) VALUES (?, ?, ?, ?, ?)",
                               [.int(kind.rawValue), .integer(now.milliseconds), .int(size), .text(m.topic), .blob(m.payload)])
                    a.depth[kind, default: 0] += 1
                    a.bytes[kind, default: 0] += size
                }
            }
            return a
        }
        unsavedDrops = [:]
    }

    /// The disk is full: learns the smaller capacity, checkpoints (a truncated WAL gives its
    /// space back), gives up the oldest quarter of the telemetry (at least `needed` bytes) and
    /// checkpoints again so the freed pages can take the new rows. False when there is no
    /// telemetry left to give up.
    private func makeRoom(needed: Int) throws(SQLiteError) -> Bool {
        noteDiskFull()
        learnedCapacity = max(min(capacity, accounting.totalBytes), 4096)
        capacity = learnedCapacity!
        checkpoint(truncate: true)
        let telemetry = accounting.bytes[.telemetry, default: 0]
        guard telemetry > 0 else { return false }
        // The truncated WAL gave its space back, so the deletion has room to be logged.
        accounting = try db.transaction { () throws(SQLiteError) -> Accounting in
            var a = accounting
            try evictOldest(.telemetry, bytes: max(needed * 2, telemetry / 4), in: &a)
            return a
        }
        checkpoint(truncate: true)
        return true
    }

    /// The disk, not `storage.maxSize`, limits the outbox: said once until it has room again.
    private func noteDiskFull() {
        guard !diskFull else { return }
        diskFull = true
        log.error("\(db.path): the disk is full (\(accounting.totalBytes) bytes of records, room for about \(capacity); storage.maxSize \(maxBytes)): giving up the oldest telemetry to keep alarms")
    }

    /// A write succeeded: when the disk had been full and the records now take less than half
    /// the room there is, says so once.
    private func noteWritten() {
        guard diskFull else { return }
        updateCapacity()
        guard accounting.totalBytes < capacity / 2 else { return }
        diskFull = false
        learnedCapacity = nil
        log.notice("\(db.path): the disk has room again (\(accounting.totalBytes) bytes of records, room for about \(capacity))")
    }

    /// Sizes the bound to the file and the partition. The records' counted bytes are turned into
    /// the pages they really take (a 2 KB payload fills a 4 KiB page alone), so the file and its
    /// WAL stay within `storage.maxSize`; and what the records hold now plus the free space of
    /// the file system and of the file, less what the WAL may still grow by (to `walLimit` and
    /// one transaction), bounds them too, so a partition smaller than `storage.maxSize` evicts
    /// telemetry instead of filling up. A capacity learned from SQLITE_FULL lowers it further
    /// until the disk has room again. Alarms keep their quarter of whatever it is.
    private func updateCapacity() {
        var limit = recordBytes
        if db.path != ":memory:" {
            let pageSize = ((try? db.first("PRAGMA page_size") { Int($0.integer(0)) }) ?? nil) ?? 4096
            let pages = ((try? db.first("PRAGMA page_count") { Int($0.integer(0)) }) ?? nil) ?? 0
            let freePages = ((try? db.first("PRAGMA freelist_count") { Int($0.integer(0)) }) ?? nil) ?? 0
            let used = (pages - freePages) * pageSize
            let counted = accounting.totalBytes
            // File bytes per counted byte; only once there is enough to measure it by.
            let ratio = used > 64 << 10 && counted > 0 ? max(1.0, Double(used) / Double(counted)) : 1.0
            let fileRoom = max(maxBytes / 2, maxBytes - 2 * walLimit - (32 << 10))
            let available = OutboxStore.freeBytes(db.path) + freePages * pageSize
            let walGrowth = max(0, walLimit + (64 << 10) - OutboxStore.fileSize(db.path + "-wal"))
            limit = min(limit, Int(Double(fileRoom) / ratio), counted + Int(Double(available - walGrowth) / ratio))
        }
        if let learnedCapacity { limit = min(limit, learnedCapacity) }
        capacity = max(limit, min(recordBytes, 16 << 10))
    }

    static func fileSize(_ path: String) -> Int {
        (try? FileSystem.status(of: path).size) ?? 0
    }

    /// Free bytes on the file system that holds `path` (statvfs of its directory).
    static func freeBytes(_ path: String) -> Int {
        (try? FileSystem.volumeSpace(of: directory(of: path)).available) ?? 0
    }

    /// Runs a checkpoint now; with `truncate` the WAL file is cut to zero bytes. A failure (a
    /// reader in the way, the disk full) is left to the next one.
    func checkpoint(truncate: Bool) {
        _ = try? db.first(truncate ? "PRAGMA wal_checkpoint(TRUNCATE)" : "PRAGMA wal_checkpoint(PASSIVE)") { $0.integer(0) }
    }

    /// Counts records given up outside a transaction's eviction (refused, or lost to an error).
    /// Kept in memory when the file cannot take them now.
    func countDropped(_ kind: OutboxClass, _ n: Int) {
        guard n > 0 else { return }
        unsavedDrops[kind, default: 0] += n
        try? setSynchronous(full: false)
        do {
            accounting = try db.transaction { () throws(SQLiteError) -> Accounting in
                var a = accounting
                try saveDrops(in: &a)
                return a
            }
            unsavedDrops = [:]
        } catch {
            // Reported from memory (`dropped`) until a later transaction writes them.
        }
    }

    /// Drops persisted and not yet persisted, by class.
    var dropped: [OutboxClass: Int] { accounting.dropped.merging(unsavedDrops, uniquingKeysWith: +) }

    private func saveDrops(in a: inout Accounting) throws(SQLiteError) {
        for (kind, n) in unsavedDrops where n > 0 { try bumpDropCounter(kind, by: n, in: &a) }
    }

    /// Deletes the records the broker acknowledged (and those whose deletion failed before).
    /// When the outbox is empty afterwards, the WAL is checkpointed and truncated.
    func confirm(_ tags: [Int32]) throws(SQLiteError) {
        let done = unconfirmed + tags.compactMap { inFlight.removeValue(forKey: $0) }
        guard !done.isEmpty else { return }
        unconfirmed = done
        try setSynchronous(full: false)
        do {
            try delete(done)
        } catch where error.isFull {
            // A deletion needs room in the WAL too (a frame per page it changes): a truncated
            // WAL gives its space back, and small steps with a checkpoint between them fit.
            var left = done[...]
            while !left.isEmpty {
                checkpoint(truncate: true)
                try delete(Array(left.prefix(8)))
                left = left.dropFirst(8)
                unconfirmed = Array(left)
            }
        }
        unconfirmed = []
        unsavedDrops = [:]
        noteWritten()
        if accounting.depth.values.allSatisfy({ $0 == 0 }) { checkpoint(truncate: true) }
    }

    private func delete(_ done: [InFlight]) throws(SQLiteError) {
        accounting = try db.transaction { () throws(SQLiteError) -> Accounting in
            var a = accounting
            try saveDrops(in: &a)
            for r in done {
                try db.run("DELETE FROM outbox WHERE seq = ?", [.integer(r.sequence)])
                // An evicted record is already gone and already accounted for.
                if db.changes > 0 {
                    a.depth[r.kind, default: 0] -= 1
                    a.bytes[r.kind, default: 0] -= r.size
                }
            }
            return a
        }
    }

    /// Drops one record the courier can never send.
    func reject(_ record: OutboxRecord) throws(SQLiteError) {
        try setSynchronous(full: false)
        accounting = try db.transaction { () throws(SQLiteError) -> Accounting in
            var a = accounting
            try db.run("DELETE FROM outbox WHERE seq = ?", [.integer(record.sequence)])
            if db.changes > 0 {
                a.depth[record.kind, default: 0] -= 1
                a.bytes[record.kind, default: 0] -= record.message.storedSize
            }
            try bumpDropCounter(record.kind, by: 1, in: &a)
            return a
        }
        cursor[record.kind] = max(cursor[record.kind] ?? 0, record.sequence)
    }

    /// Removes the oldest records until `size` more bytes of `kind` fit: telemetry first and
    /// alarms last. A telemetry record only ever pushes out older telemetry and must fit under
    /// `telemetryCapacity`, so the room kept for alarms stays theirs; false when it cannot fit.
    private func evict(toFit size: Int, as kind: OutboxClass, in a: inout Accounting) throws(SQLiteError) -> Bool {
        if capacity < recordBytes && a.totalBytes + size > capacity { noteDiskFull() }
        if kind == .telemetry {
            let over = max(a.bytes[.telemetry, default: 0] + size - telemetryCapacity, a.totalBytes + size - capacity)
            if over > 0 && capacity < recordBytes { noteDiskFull() }
            if over > 0 { try evictOldest(.telemetry, bytes: over, in: &a) }
            return a.bytes[.telemetry, default: 0] + size <= telemetryCapacity && a.totalBytes + size <= capacity
        }
        // Telemetry and command answers make room under the partition's capacity; older alarms
        // are given up only under `storage.maxSize` itself: on a full disk with nothing else to
        // give up, an alarm is held in memory and retried rather than dropped.
        for (victim, bound) in [(OutboxClass.telemetry, capacity), (.command, capacity), (.alarm, recordBytes)] {
            let excess = a.totalBytes + size - bound
            if excess > 0 { try evictOldest(victim, bytes: excess, in: &a) }
        }
        return true
    }

    /// Deletes the oldest records of `kind` until at least `bytes` are freed or none is left,
    /// and counts them as dropped.
    private func evictOldest(_ kind: OutboxClass, bytes: Int, in a: inout Accounting) throws(SQLiteError) {
        var excess = bytes
        while excess > 0, a.depth[kind, default: 0] > 0 {
            let rows = try db.query("SELECT seq, size FROM outbox WHERE class = ? ORDER BY seq LIMIT 256", [.int(kind.rawValue)]) { s in
                (s.integer(0), Int(s.integer(1)))
            }
            guard !rows.isEmpty else { break }
            var freed = 0, count = 0, last: Int64 = 0
            for (seq, rowSize) in rows where freed < excess {
                freed += rowSize
                count += 1
                last = seq
            }
            try db.run("DELETE FROM outbox WHERE class = ? AND seq <= ?", [.int(kind.rawValue), .integer(last)])
            a.depth[kind, default: 0] -= count
            a.bytes[kind, default: 0] -= freed
            try bumpDropCounter(kind, by: count, in: &a)
            excess -= freed
        }
    }

    private func bumpDropCounter(_ kind: OutboxClass, by n: Int, in a: inout Accounting) throws(SQLiteError) {
        try db.run("INSERT INTO outbox_counter (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                   [.text(OutboxStore.dropCounter(kind)), .int(n)])
        a.dropped[kind, default: 0] += n
    }

    /// Alarms and command results are committed with an fsync; telemetry and deletions are not
    /// (a power cut may lose the last telemetry batch or resend an acknowledged record, never an
    /// accepted alarm). SQLite applies the setting to the next commit.
    private func setSynchronous(full: Bool) throws(SQLiteError) {
        guard full != synchronousFull else { return }
        try db.execute(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        synchronousFull = full
    }

    // MARK: - Reading

    /// Up to `limit` records not yet handed to the courier, in delivery order.
    func next(limit: Int) throws(SQLiteError) -> [OutboxRecord] {
        var records: [OutboxRecord] = []
        for kind in OutboxClass.allCases where records.count < limit && accounting.depth[kind, default: 0] > 0 {
            records += try db.query("SELECT seq, stored, topic, payload FROM outbox WHERE class = ? AND seq > ? ORDER BY seq LIMIT ?",
                                    [.int(kind.rawValue), .integer(cursor[kind] ?? 0), .int(limit - records.count)]) { s in
                OutboxRecord(sequence: s.integer(0), kind: kind, stored: Timestamp(milliseconds: s.integer(1)),
                             message: OutboxMessage(topic: s.text(2), payload: s.blob(3)))
            }
        }
        return records
    }

    /// True when stored records of `kind` wait that were not handed to the courier yet.
    func hasUnsent(_ kind: OutboxClass) -> Bool {
        accounting.depth[kind, default: 0] > inFlight.values.filter { $0.kind == kind }.count
    }

    /// Every waiting record in delivery order (for the console and tests), up to `limit`.
    func peek(limit: Int) throws(SQLiteError) -> [OutboxRecord] {
        try db.query("SELECT seq, class, stored, topic, payload FROM outbox ORDER BY class, seq LIMIT ?", [.int(limit)]) { s in
            OutboxRecord(sequence: s.integer(0), kind: OutboxClass(rawValue: Int(s.integer(1))) ?? .telemetry,
                         stored: Timestamp(milliseconds: s.integer(2)), message: OutboxMessage(topic: s.text(3), payload: s.blob(4)))
        }
    }

    /// Notes that `record` went out with delivery tag `tag`.
    func handedOver(_ record: OutboxRecord, tag: Int32) {
        inFlight[tag] = InFlight(sequence: record.sequence, kind: record.kind, size: record.message.storedSize)
        cursor[record.kind] = max(cursor[record.kind] ?? 0, record.sequence)
    }

    /// Forgets what was handed over: every waiting record goes out again to the next courier.
    func restartDelivery() {
        inFlight.removeAll()
        cursor.removeAll()
    }

    // MARK: - Damage

    /// Moves the damaged file (and its WAL) aside as `<file>.damaged-<UTC time>` for forensics,
    /// starts a fresh one, and copies into it every record, drop counter and kept table (the
    /// audit trail) SQLite can still read from the damaged one, range by range, skipping what
    /// it cannot. Delivery starts over (records in flight go out again). The incident is queued
    /// for the gateway to report.
    func recover(from damage: SQLiteError) throws(SQLiteError) {
        let aside = db.path + ".damaged-" + OutboxStore.fileStamp(SystemClock().now())
        log.error("\(db.path) is damaged (\(damage.codeName): \(damage.message)): moving it to \(aside) and starting a fresh outbox")
        var moved = false
        try db.reopen {
            moved = (try? FileSystem.rename(db.path, to: aside)) != nil
            if moved { try? FileSystem.rename(db.path + "-wal", to: aside + "-wal") } else { try? FileSystem.remove(db.path) }
            try? FileSystem.remove(db.path + "-wal")
            try? FileSystem.remove(db.path + "-shm")
        }
        restartDelivery()
        unconfirmed = []
        try setUp()
        let salvaged = moved ? salvage(from: aside) : 0
        try load()
        log.notice("\(db.path): fresh outbox; \(salvaged) records salvaged from \(moved ? aside : "nothing (the file could not be moved)")")
        incidents.append(OutboxIncident(kind: .recovered, message: "the outbox \(db.path) was damaged (\(damage.codeName): \(damage.message)); "
            + (moved ? "kept as \(aside), " : "") + "\(salvaged) waiting records salvaged into a fresh one"))
    }

    /// Copies what can be read from `damaged` into the fresh file; the number of records saved.
    private func salvage(from damaged: String) -> Int {
        // writable_schema: SQLite then reads a schema whose tables point at pages past a
        // truncated end (the rows before them are still there). Reads only: the file is
        // attached read-only.
        try? db.execute("PRAGMA writable_schema = ON")
        defer { try? db.execute("PRAGMA writable_schema = OFF") }
        do {
            try db.run("ATTACH DATABASE ? AS damaged", [.text("file:" + damaged + "?mode=ro")])
        } catch {
            log.error("cannot read the damaged outbox \(damaged): \(error)")
            return 0
        }
        defer { try? db.execute("DETACH DATABASE damaged") }
        // Range by range in autocommit: SQLite may roll a whole transaction back on
        // SQLITE_CORRUPT, and what was copied must stay. No fsync per range; the checkpoint
        // at the end makes the copy durable.
        try? setSynchronous(full: false)
        let saved = salvageRows(
            "INSERT INTO main.outbox (class, stored, size, topic, payload) SELECT class, stored, length(CAST(topic AS BLOB)) + length(payload) + \(OutboxMessage.rowOverhead), topic, payload FROM damaged.outbox NOT INDEXED WHERE seq BETWEEN ? AND ? AND class IN (0, 1, 2) AND typeof(topic) = 'text' AND typeof(payload) = 'blob' ORDER BY seq",
            last: lastKey("SELECT max(seq) FROM damaged.outbox", "SELECT seq FROM damaged.sqlite_sequence WHERE name = 'outbox'"))
        _ = try? db.execute("INSERT OR REPLACE INTO main.outbox_counter (name, value) SELECT name, value FROM damaged.outbox_counter WHERE typeof(value) = 'integer'")
        if (try? db.first("SELECT 1 FROM main.sqlite_master WHERE name = 'audit'") { $0.integer(0) }) != nil {
            _ = salvageRows("INSERT INTO main.audit SELECT * FROM damaged.audit NOT INDEXED WHERE id BETWEEN ? AND ? ORDER BY id",
                            last: lastKey("SELECT max(id) FROM damaged.audit", "SELECT seq FROM damaged.sqlite_sequence WHERE name = 'audit'"))
        }
        checkpoint(truncate: true)
        return saved
    }

    /// The highest key of a damaged table: from the table, else from `sqlite_sequence`; nil when
    /// neither can be read (the copy then probes until it finds nothing more).
    private func lastKey(_ sqls: String...) -> Int64? {
        for sql in sqls {
            if let v = (try? db.first(sql) { $0.integer(0) }) ?? nil, v > 0 { return v }
        }
        return nil
    }

    /// Runs `sql` (an INSERT … SELECT over a key range `?`–`?`) over 1…`last` in ranges of 256;
    /// a range SQLite cannot read is retried row by row, and rows it still cannot read are
    /// skipped. Without `last`, it goes on until 16 ranges in a row gave nothing. The rows copied.
    private func salvageRows(_ sql: String, last: Int64?) -> Int {
        var copied = 0
        var low: Int64 = 1
        var empty = 0
        while last.map({ low <= $0 }) ?? (empty < 16) {
            let high = last.map { min($0, low + 255) } ?? low + 255
            var got = 0
            do {
                try db.run(sql, [.integer(low), .integer(high)])
                got = db.changes
            } catch {
                for key in low...high {
                    if (try? db.run(sql, [.integer(key), .integer(key)])) != nil { got += db.changes }
                }
            }
            copied += got
            empty = got == 0 ? empty + 1 : 0
            low = high + 1
        }
        return copied
    }

    /// `20261207T183000Z`: a UTC time for file names.
    static func fileStamp(_ t: Timestamp) -> String {
        let d = CivilTime(t)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(d.year)\(two(d.month))\(two(d.day))T\(two(d.hour))\(two(d.minute))\(two(d.second))Z"
    }
}
