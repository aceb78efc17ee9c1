/// Why the outbox did not accept a record.
package enum OutboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// SQLite failed (disk full, file damaged, I/O error): nothing of this append was stored.
    case storage(SQLiteError)
    /// One message is larger than the whole outbox may hold.
    case recordTooLarge(topic: String, bytes: Int, maxBytes: Int)
    /// The outbox was closed (the gateway is shutting down).
    case closed(path: String)

    package var description: String {
        switch self {
        case .storage(let e):
            "outbox storage failed: \(e)"
        case .recordTooLarge(let topic, let bytes, let max):
            "outbox: a \(bytes)-byte message for \(topic) is larger than the outbox's bound of \(max) bytes (storage.maxSize)"
        case .closed(let path):
            "outbox \(path) is closed"
        }
    }
}
