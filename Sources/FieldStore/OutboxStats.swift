/// How full the outbox is and what it had to give up. Reported as gateway telemetry
/// (`outbox.*` keys, docs/uplink.md) and shown by the console.
package struct OutboxStats: Sendable, Hashable {
    /// Records waiting (not yet acknowledged by the broker), by class, in the file or in memory.
    package var depth: [OutboxClass: Int]
    /// Bytes the waiting records count against `maxBytes`.
    package var bytes: Int
    /// The configured bound (`storage.maxSize`).
    package var maxBytes: Int
    /// Records given up since the file was created, by class: evicted to make room, refused as
    /// larger than the whole outbox, or lost to a storage error. Persisted in the file (counts
    /// the file could not take yet are kept in memory and written with the next transaction).
    package var dropped: [OutboxClass: Int]
    /// Records handed to the broker connection and waiting for their acknowledgement.
    package var inFlight: Int
    /// Of the waiting records, those in memory only: telemetry the connection is taking (never
    /// written to flash), and records held while the file cannot take them.
    package var memory: Int
    /// The disk was found full (SQLITE_FULL) and has not had room again since.
    package var diskFull: Bool

    package init(depth: [OutboxClass: Int] = [:], bytes: Int = 0, maxBytes: Int, dropped: [OutboxClass: Int] = [:], inFlight: Int = 0,
                memory: Int = 0, diskFull: Bool = false) {
        self.depth = depth
        self.bytes = bytes
        self.maxBytes = maxBytes
        self.dropped = dropped
        self.inFlight = inFlight
        self.memory = memory
        self.diskFull = diskFull
    }

    /// All waiting records.
    package var totalDepth: Int { depth.values.reduce(0, +) }

    /// All records ever dropped.
    package var totalDropped: Int { dropped.values.reduce(0, +) }
}
