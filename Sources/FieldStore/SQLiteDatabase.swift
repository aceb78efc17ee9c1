import CSQLite

/// One SQLite connection, owned by one thread (DESIGN rule 2: SQLite has one writer thread). Use it
/// through a `SQLiteWorker`, whose jobs receive it; it is deliberately not `Sendable`.
///
/// Statements run through `run`/`query` are prepared once per connection and reused. Components
/// that share the file (the outbox, the console's audit log) keep their thread-confined state with
/// the connection through `attach`/`attached`.
package final class SQLiteDatabase {
    /// How the file is opened.
    package enum Mode: Sendable {
        /// Read and write; create the file when it is missing.
        case readWriteCreate
        case readOnly
    }

    package let path: String
    private(set) var connection: SQLiteConnection
    private let mode: Mode
    private var busyTimeout: Duration
    private var statements: [String: SQLiteStatement] = [:]
    private var components: [ObjectIdentifier: AnyObject] = [:]
    private var keptSchemas: [String] = []

    /// Opens (or creates) the database at `path` and sets a busy timeout of `busyTimeout`.
    package init(path: String, mode: Mode = .readWriteCreate, busyTimeout: Duration = .seconds(5)) throws(SQLiteError) {
        self.path = path
        self.mode = mode
        self.busyTimeout = busyTimeout
        connection = try SQLiteConnection(path: path, mode: mode)
        sqlite3_busy_timeout(connection.db, Int32(busyTimeout.milliseconds))
    }

    /// How long a statement waits for another connection's lock before it fails with `SQLITE_BUSY`.
    package func setBusyTimeout(_ timeout: Duration) {
        busyTimeout = timeout
        sqlite3_busy_timeout(connection.db, Int32(timeout.milliseconds))
    }

    /// Remembers `sql` (`CREATE TABLE IF NOT EXISTS …` of a component sharing the file) and runs
    /// it now and again after every `reopen`, so a file replaced after damage has every table.
    package func keepSchema(_ sql: String) throws(SQLiteError) {
        try execute(sql)
        keptSchemas.append(sql)
    }

    /// Closes the connection for good (the worker's thread ends): the attached components go
    /// (they hold the database), and SQLite checkpoints and removes the WAL as the last connection.
    func close() {
        components.removeAll()
        statements.removeAll()
        guard !connection.closed else { return }
        sqlite3_close_v2(connection.db)
        connection.closed = true
    }

    /// Closes the connection and opens `path` again, after `prepare` ran with nothing open (the
    /// outbox moves a damaged file aside there). Prepared statements are dropped; attached
    /// components stay. The kept schemas are created in the new file.
    package func reopen(prepare: () -> Void = {}) throws(SQLiteError) {
        statements.removeAll()
        sqlite3_close_v2(connection.db)
        connection.closed = true
        prepare()
        connection = try SQLiteConnection(path: path, mode: mode)
        sqlite3_busy_timeout(connection.db, Int32(busyTimeout.milliseconds))
        for sql in keptSchemas { try execute(sql) }
    }

    /// Runs one or more statements without results (schema, pragmas).
    package func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(connection.db, sql, nil, nil, &message)
        guard rc != SQLITE_OK else { return }
        var error = sqliteError(rc, connection.db, sql: sql, path: path)
        if let message {
            error.message = String(cString: message)
            sqlite3_free(message)
        }
        throw error
    }

    /// A new prepared statement (not cached).
    package func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(sql: sql, connection: connection)
    }

    /// The connection's prepared statement for `sql`, prepared on first use and kept: for SQL of
    /// fixed text with `?` parameters, never SQL built from values.
    package func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let s = statements[sql] { return s }
        let s = try prepare(sql)
        statements[sql] = s
        return s
    }

    /// Runs `sql` with `values` to completion (INSERT, UPDATE, DELETE, …).
    package func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) {
        let s = try statement(sql)
        try s.bind(values)
        while try s.step() {}
        s.reset()
    }

    /// Runs a query and maps each row with `row`.
    package func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ row: (SQLiteStatement) throws(SQLiteError) -> T) throws(SQLiteError) -> [T] {
        let s = try statement(sql)
        try s.bind(values)
        defer { s.reset() }
        var rows: [T] = []
        while try s.step() { rows.append(try row(s)) }
        return rows
    }

    /// The first row of a query, mapped with `row`; nil when there is none.
    package func first<T>(_ sql: String, _ values: [SQLiteValue] = [], _ row: (SQLiteStatement) throws(SQLiteError) -> T) throws(SQLiteError) -> T? {
        let s = try statement(sql)
        try s.bind(values)
        defer { s.reset() }
        return try s.step() ? try row(s) : nil
    }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE` … `COMMIT`; a savepoint when nested) and
    /// rolls back when it throws.
    package func transaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        let nested = sqlite3_get_autocommit(connection.db) == 0
        try execute(nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute(nested ? "RELEASE nested" : "COMMIT")
            return result
        } catch {
            // The transaction's own error is the one worth reporting; a failed rollback after it
            // leaves SQLite to roll back when the connection closes.
            try? execute(nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK")
            throw error
        }
    }

    /// The rowid of the last row inserted on this connection.
    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(connection.db) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    package var changes: Int { Int(sqlite3_changes(connection.db)) }

    /// Keeps `component` with the connection, one per type (thread-confined state of a store).
    package func attach<C: AnyObject>(_ component: C) {
        components[ObjectIdentifier(C.self)] = component
    }

    /// The component of type `C` attached to this connection.
    package func attached<C: AnyObject>(_ type: C.Type) -> C? {
        components[ObjectIdentifier(type)] as? C
    }
}

/// The `sqlite3` handle, closed exactly once when the database and its statements are gone.
final class SQLiteConnection {
    let db: OpaquePointer
    let path: String
    /// Closed early by `SQLiteDatabase.reopen` (its statements are gone by then).
    var closed = false

    init(path: String, mode: SQLiteDatabase.Mode) throws(SQLiteError) {
        var db: OpaquePointer?
        // NOMUTEX: one thread uses the connection at a time (its worker), so SQLite's own
        // serialization is not needed.
        let flags = (mode == .readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = sqliteError(rc, db, path: path)
            sqlite3_close_v2(db)
            throw error
        }
        self.db = db
        self.path = path
    }

    deinit {
        if !closed { sqlite3_close_v2(db) }
    }
}
