import CSQLite

/// A prepared statement (`sqlite3_stmt`), finalized exactly once when it is released. Belongs to
/// its database's thread, like the database.
package final class SQLiteStatement {
    package let sql: String
    private let handle: OpaquePointer
    private let connection: SQLiteConnection

    init(sql: String, connection: SQLiteConnection) throws(SQLiteError) {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(connection.db, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw sqliteError(rc, connection.db, sql: sql, path: connection.path)
        }
        self.sql = sql
        handle = stmt
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Resets the statement and binds `values` to its parameters `?1`, `?2`, … in order.
    package func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null:
                rc = sqlite3_bind_null(handle, index)
            case .integer(let v):
                rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v):
                rc = sqlite3_bind_double(handle, index, v)
            case .text(let s):
                rc = sqlite3_bind_text(handle, index, s, Int32(s.utf8.count), sqliteTransient)
            case .blob(let bytes) where bytes.isEmpty:
                rc = sqlite3_bind_zeroblob(handle, index, 0)
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), sqliteTransient) }
            }
            try sqliteCheck(rc, connection.db, sql: sql, path: connection.path)
        }
    }

    /// Runs the statement to its next row: true when a row is ready, false when it is done.
    package func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            return false
        default:
            let error = sqliteError(rc, connection.db, sql: sql, path: connection.path)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Makes the statement ready to run again (keeps its bindings).
    package func reset() {
        sqlite3_reset(handle)
    }

    package var columnCount: Int { Int(sqlite3_column_count(handle)) }

    package func isNull(_ column: Int) -> Bool { sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL }

    package func integer(_ column: Int) -> Int64 { sqlite3_column_int64(handle, Int32(column)) }

    package func real(_ column: Int) -> Double { sqlite3_column_double(handle, Int32(column)) }

    package func text(_ column: Int) -> String {
        guard let p = sqlite3_column_text(handle, Int32(column)) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, Int32(column)))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    package func blob(_ column: Int) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(handle, Int32(column)))
        guard n > 0, let p = sqlite3_column_blob(handle, Int32(column)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    package func value(_ column: Int) -> SQLiteValue {
        switch sqlite3_column_type(handle, Int32(column)) {
        case SQLITE_INTEGER: .integer(integer(column))
        case SQLITE_FLOAT: .real(real(column))
        case SQLITE_TEXT: .text(text(column))
        case SQLITE_BLOB: .blob(blob(column))
        default: .null
        }
    }
}

/// `SQLITE_TRANSIENT`: SQLite copies bound text and blobs before the call returns.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
