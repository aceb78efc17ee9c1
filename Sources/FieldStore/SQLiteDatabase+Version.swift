import CSQLite

extension SQLiteDatabase {
    /// The SQLite library's version (`sqlite3_libversion`), for `version` on the console.
    package static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
