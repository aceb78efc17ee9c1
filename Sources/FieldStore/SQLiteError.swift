import CSQLite

/// An SQLite call that failed: the result code, SQLite's own message, the statement and the file,
/// so a technician reading the log knows whether the disk is full, the file is corrupt or a
/// statement is wrong.
package struct SQLiteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The primary result code (`SQLITE_FULL` = 13, `SQLITE_CORRUPT` = 11, …).
    package var code: Int32
    /// The extended result code (`SQLITE_IOERR_FSYNC`, `SQLITE_CONSTRAINT_PRIMARYKEY`, …).
    package var extendedCode: Int32
    /// SQLite's message for this failure (`sqlite3_errmsg`), e.g. "database or disk is full".
    package var message: String
    /// The statement that failed, when there was one.
    package var sql: String?
    /// The database file.
    package var path: String

    package init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil, path: String) {
        self.code = code
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// The result code's symbolic name, e.g. `SQLITE_FULL`.
    package var codeName: String { SQLiteError.names[code] ?? "SQLITE_\(code)" }

    package var description: String {
        var s = "\(path): \(message) (\(codeName)"
        if extendedCode != code { s += ", extended code \(extendedCode)" }
        s += ")"
        if let sql { s += " in: \(sql.count > 200 ? String(sql.prefix(200)) + "…" : sql)" }
        return s
    }

    /// True when the disk or the file's page limit is full (`SQLITE_FULL`).
    package var isFull: Bool { code == SQLITE_FULL }
    /// True when another connection holds the lock (`SQLITE_BUSY`, `SQLITE_LOCKED`).
    package var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    /// True when the file is damaged (`SQLITE_CORRUPT`, `SQLITE_NOTADB`).
    package var isCorrupt: Bool { code == SQLITE_CORRUPT || code == SQLITE_NOTADB }

    /// The worker that owned the database was closed before the job could run.
    static func closed(path: String) -> SQLiteError {
        SQLiteError(code: SQLITE_MISUSE, message: "the database worker is closed", path: path)
    }

    private static let names: [Int32: String] = [
        SQLITE_ERROR: "SQLITE_ERROR", SQLITE_INTERNAL: "SQLITE_INTERNAL", SQLITE_PERM: "SQLITE_PERM",
        SQLITE_ABORT: "SQLITE_ABORT", SQLITE_BUSY: "SQLITE_BUSY", SQLITE_LOCKED: "SQLITE_LOCKED",
        SQLITE_NOMEM: "SQLITE_NOMEM", SQLITE_READONLY: "SQLITE_READONLY", SQLITE_INTERRUPT: "SQLITE_INTERRUPT",
        SQLITE_IOERR: "SQLITE_IOERR", SQLITE_CORRUPT: "SQLITE_CORRUPT", SQLITE_NOTFOUND: "SQLITE_NOTFOUND",
        SQLITE_FULL: "SQLITE_FULL", SQLITE_CANTOPEN: "SQLITE_CANTOPEN", SQLITE_PROTOCOL: "SQLITE_PROTOCOL",
        SQLITE_SCHEMA: "SQLITE_SCHEMA", SQLITE_TOOBIG: "SQLITE_TOOBIG", SQLITE_CONSTRAINT: "SQLITE_CONSTRAINT",
        SQLITE_MISMATCH: "SQLITE_MISMATCH", SQLITE_MISUSE: "SQLITE_MISUSE", SQLITE_RANGE: "SQLITE_RANGE",
        SQLITE_NOTADB: "SQLITE_NOTADB",
    ]
}

/// Turns the result of a call on connection `db` into an error with SQLite's message.
func sqliteCheck(_ rc: Int32, _ db: OpaquePointer?, sql: String? = nil, path: String) throws(SQLiteError) {
    guard rc != SQLITE_OK else { return }
    throw sqliteError(rc, db, sql: sql, path: path)
}

func sqliteError(_ rc: Int32, _ db: OpaquePointer?, sql: String? = nil, path: String) -> SQLiteError {
    let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
    let extended = db.map { sqlite3_extended_errcode($0) } ?? rc
    return SQLiteError(code: rc & 0xFF, extendedCode: extended, message: message, sql: sql, path: path)
}
