import FieldCore

/// One audited change: who, when, from where, what, old → new.
package struct AuditRecord: Sendable, Hashable, Codable {
    package var time: Timestamp
    package var user: String
    /// `console ttyS1`, `console socket`, `platform`.
    package var channel: String
    /// `config set`, `modbus write`, `gpio set`, `login`, …
    package var action: String
    /// A config key, `rs485-1 unit 3 FC6 holding register 16`, a line, an alarm id.
    package var target: String
    package var old: String?
    package var new: String?

    package init(time: Timestamp, user: String, channel: String, action: String, target: String, old: String? = nil, new: String? = nil) {
        (self.time, self.user, self.channel, self.action, self.target, self.old, self.new) = (time, user, channel, action, target, old, new)
    }
}

/// The audit trail in SQLite (table `audit`): every change from the console and the platform,
/// committed before `record` returns, so a power cut right after a change keeps its entry.
///
/// It lives in the gateway's state database (`outbox.db`) on that file's one writer thread: one
/// file to back up and inspect, no second writer contending for SQLite's lock. The newest
/// `capacity` entries are kept (10 000 by default, about 1.5 MB), so a chatty platform cannot
/// fill the flash; older ones are deleted as new ones come in.
package final class AuditLog: Sendable {
    package let database: SQLiteWorker
    package let capacity: Int

    /// Creates the `audit` table in `database` if it is missing.
    /// - Throws: `SQLiteError` when the table cannot be created.
    package init(database: SQLiteWorker, capacity: Int = 10_000) throws(SQLiteError) {
        self.database = database
        self.capacity = max(1, capacity)
        // Kept with the connection: a state file replaced after damage gets the table again.
        try database.perform { db throws(SQLiteError) in
            try db.keepSchema("""
                CREATE TABLE IF NOT EXISTS audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time INTEGER NOT NULL,
                    user TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    old TEXT,
                    new TEXT
                )
                """)
        }
    }

    /// Opens (or creates) `path` on a thread of its own, in WAL mode with full sync: for a
    /// gateway whose state database has no other user yet, and for tests.
    package convenience init(path: String, capacity: Int = 10_000) throws(SQLiteError) {
        let worker = try SQLiteWorker(path: path, name: "audit") { db throws(SQLiteError) in
            _ = try db.first("PRAGMA journal_mode = WAL") { $0.text(0) }
            try db.execute("PRAGMA synchronous = FULL")
        }
        try self.init(database: worker, capacity: capacity)
    }

    /// Stores `record` and returns once it is committed.
    package func record(_ record: AuditRecord) throws(SQLiteError) {
        let capacity = Int64(capacity)
        try database.perform { db throws(SQLiteError) in
            try db.transaction { () throws(SQLiteError) in
                try db.run("INSERT INTO audit (time, user, channel, action, target, old, new) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", [
                    .integer(record.time.milliseconds), .text(record.user), .text(record.channel), .text(record.action),
                    .text(record.target), record.old.map(SQLiteValue.text) ?? .null, record.new.map(SQLiteValue.text) ?? .null,
                ])
                try db.run("DELETE FROM audit WHERE id <= ?1", [.integer(db.lastInsertRowID - capacity)])
            }
        }
    }

    /// The newest `limit` entries, newest first.
    package func recent(limit: Int) throws(SQLiteError) -> [AuditRecord] {
        try database.perform { db throws(SQLiteError) in
            try db.query("SELECT time, user, channel, action, target, old, new FROM audit ORDER BY id DESC LIMIT ?1", [.int(max(0, limit))]) { r in
                AuditRecord(time: Timestamp(milliseconds: r.integer(0)), user: r.text(1), channel: r.text(2), action: r.text(3),
                            target: r.text(4), old: r.isNull(5) ? nil : r.text(5), new: r.isNull(6) ? nil : r.text(6))
            }
        }
    }

    /// Entries in all.
    package func count() throws(SQLiteError) -> Int {
        try database.perform { db throws(SQLiteError) in
            Int(try db.first("SELECT count(*) FROM audit") { $0.integer(0) } ?? 0)
        }
    }
}
