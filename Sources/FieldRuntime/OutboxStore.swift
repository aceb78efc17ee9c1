import FieldCore

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

    let db: SQLiteDatabase
    let maxBytes: Int
    private(set) var accounting = Accounting()
    private var synchronousFull = true
    /// The highest sequence handed to the courier, per class.
    private var cursor: [OutboxClass: Int64] = [:]
    private(set) var inFlight: [Int32: InFlight] = [:]

    /// Sets the connection up for the outbox (WAL, synchronous FULL, schema) and loads the counts.
    init(db: SQLiteDatabase, maxBytes: Int) throws(SQLiteError) {
        self.db = db
        self.maxBytes = maxBytes
        // WAL: a commit appends to the log (one fsync with synchronous FULL) instead of writing
        // pages twice; readers (the console) never block the writer. The log is checkpointed
        // into the file every 1000 pages and truncated to 4 MB afterwards (docs/architecture.md,
        // "Outbox durability").
        let mode = try db.first("PRAGMA journal_mode = WAL") { $0.text(0) }
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(code: 1, message: "cannot switch to WAL journal mode (got \(mode ?? "nothing"))", sql: "PRAGMA journal_mode = WAL", path: db.path)
        }
        try db.execute("""
            PRAGMA synchronous = FULL;
            PRAGMA wal_autocheckpoint = 1000;
            PRAGMA journal_size_limit = 4194304;
            """)
        try db.execute(OutboxStore.schema)
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

    // MARK: - Writing

    /// Stores `items` in one transaction, evicting old records to stay under `maxBytes`.
    /// - Parameter durable: commit with an fsync (synchronous FULL) rather than on the OS's schedule.
    func append(_ items: [(OutboxClass, [OutboxMessage])], durable: Bool, now: Timestamp) throws(SQLiteError) {
        try setSynchronous(full: durable)
        accounting = try db.transaction { () throws(SQLiteError) -> Accounting in
            var a = accounting
            for (kind, messages) in items {
                for m in messages {
                    let size = m.storedSize
                    try evict(toFit: size, in: &a)
                    try db.run("INSERT INTO outbox (class, stored, size, topic, payload) VALUES (?, ?, ?, ?, ?)",
                               [.int(kind.rawValue), .integer(now.milliseconds), .int(size), .text(m.topic), .blob(m.payload)])
                    a.depth[kind, default: 0] += 1
                    a.bytes[kind, default: 0] += size
                }
            }
            return a
        }
    }

    /// Counts records given up outside a transaction's eviction (refused, or lost to an error).
    func countDropped(_ kind: OutboxClass, _ n: Int) throws(SQLiteError) {
        guard n > 0 else { return }
        try setSynchronous(full: false)
        var a = accounting
        try bumpDropCounter(kind, by: n, in: &a)
        accounting = a
    }

    /// Deletes the records the broker acknowledged.
    func confirm(_ tags: [Int32]) throws(SQLiteError) {
        let done = tags.compactMap { inFlight.removeValue(forKey: $0) }
        guard !done.isEmpty else { return }
        try setSynchronous(full: false)
        accounting = try db.transaction { () throws(SQLiteError) -> Accounting in
            var a = accounting
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

    /// Removes the oldest records, telemetry first and alarms last, until `size` more bytes fit.
    private func evict(toFit size: Int, in a: inout Accounting) throws(SQLiteError) {
        var excess = a.totalBytes + size - maxBytes
        for kind in OutboxClass.evictionOrder where excess > 0 {
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
}
