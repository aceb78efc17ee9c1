import CSQLite
@testable import FieldStore
import FieldTestSupport
import Foundation
import Synchronization
import Testing
@testable import FieldRuntime

@Suite struct SQLiteDatabaseTests {
    @Test func everyValueTypeRoundTrips() throws {
        let dir = try TemporaryDirectory("sqlite")
        let db = try SQLiteDatabase(path: dir.file("t.db"))
        try db.execute("CREATE TABLE t (a, b, c, d, e, f)")
        let row: [SQLiteValue] = [.null, .integer(-7_000_000_000), .real(0.08), .text("压力 0.08 MPa"), .blob([0, 1, 255]), .blob([])]
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", row)
        let back = try db.first("SELECT a, b, c, d, e, f FROM t") { s in (0..<6).map { s.value($0) } }
        #expect(back == [.null, .integer(-7_000_000_000), .real(0.08), .text("压力 0.08 MPa"), .blob([0, 1, 255]), .blob([])])
        #expect(db.lastInsertRowID == 1 && db.changes == 1)
    }

    @Test func errorsNameTheStatementTheFileAndSQLitesMessage() throws {
        let dir = try TemporaryDirectory("sqlite")
        let db = try SQLiteDatabase(path: dir.file("t.db"))
        #expect {
            try db.execute("CREATE TABEL t (a)")
        } throws: { error in
            let e = error as! SQLiteError
            return e.code == SQLITE_ERROR && e.message.contains("syntax error") && e.sql == "CREATE TABEL t (a)"
                && e.path == dir.file("t.db") && e.description.contains("SQLITE_ERROR")
        }
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        try db.run("INSERT INTO t VALUES (1)")
        #expect {
            try db.run("INSERT INTO t VALUES (?)", [1])
        } throws: { error in
            let e = error as! SQLiteError
            return e.code == SQLITE_CONSTRAINT && e.extendedCode == 1555  // SQLITE_CONSTRAINT_PRIMARYKEY
                && e.message.contains("UNIQUE constraint failed: t.id") && e.sql == "INSERT INTO t VALUES (?)"
        }
    }

    @Test func aFileThatCannotBeOpenedSaysWhich() throws {
        let dir = try TemporaryDirectory("sqlite")
        #expect {
            _ = try SQLiteDatabase(path: dir.file("missing/dir/t.db"))
        } throws: { error in
            let e = error as! SQLiteError
            return e.code == SQLITE_CANTOPEN && e.path == dir.file("missing/dir/t.db")
        }
    }

    @Test func aTransactionRollsBackWhenItsBodyThrows() throws {
        let dir = try TemporaryDirectory("sqlite")
        let db = try SQLiteDatabase(path: dir.file("t.db"))
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        #expect(throws: SQLiteError.self) {
            try db.transaction { () throws(SQLiteError) in
                try db.run("INSERT INTO t VALUES (1)")
                try db.run("INSERT INTO t VALUES (1)")
            }
        }
        #expect(try db.first("SELECT COUNT(*) FROM t") { $0.integer(0) } == 0)
        try db.transaction { () throws(SQLiteError) in
            try db.run("INSERT INTO t VALUES (2)")
            // A nested transaction is a savepoint: its failure undoes only its own work.
            _ = try? db.transaction { () throws(SQLiteError) in
                try db.run("INSERT INTO t VALUES (3)")
                try db.run("INSERT INTO t VALUES (2)")
            }
        }
        #expect(try db.query("SELECT id FROM t ORDER BY id") { $0.integer(0) } == [2])
    }

    @Test func theWorkerRunsJobsInOrderOnItsOwnThread() async throws {
        let dir = try TemporaryDirectory("sqlite")
        let worker = try SQLiteWorker(path: dir.file("t.db"), name: "test-sqlite") { db throws(SQLiteError) in
            try db.execute("CREATE TABLE t (n INTEGER)")
        }
        let onWorker = Mutex(true)
        for n in 0..<100 {
            worker.submit { db in
                if !worker.isCurrent { onWorker.withLock { $0 = false } }
                try? db.run("INSERT INTO t VALUES (?)", [.int(n)])
            }
        }
        let numbers = try await worker.run { db throws(SQLiteError) in try db.query("SELECT n FROM t ORDER BY rowid") { Int($0.integer(0)) } }
        #expect(numbers == Array(0..<100))
        #expect(onWorker.withLock { $0 })
        #expect(!worker.isCurrent)
        let count = try await Task.detached { try worker.perform { db throws(SQLiteError) in try db.first("SELECT COUNT(*) FROM t") { $0.integer(0) } } }.value
        #expect(count == 100)
    }

    @Test func aClosedWorkerRefusesJobs() async throws {
        let dir = try TemporaryDirectory("sqlite")
        let worker = try SQLiteWorker(path: dir.file("t.db"))
        worker.close()
        await #expect {
            try await worker.run { _ throws(SQLiteError) in 1 }
        } throws: { error in
            (error as! SQLiteError).message == "the database worker is closed"
        }
        #expect(!worker.submit { _ in })
    }

    @Test func aWorkerWhoseSetUpFailsThrowsAndLeavesNoThread() throws {
        let dir = try TemporaryDirectory("sqlite")
        #expect {
            _ = try SQLiteWorker(path: dir.file("t.db")) { db throws(SQLiteError) in try db.execute("NOT SQL") }
        } throws: { error in
            (error as! SQLiteError).sql == "NOT SQL"
        }
    }
}
