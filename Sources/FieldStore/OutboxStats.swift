/// How full the outbox is and what it had to give up. Reported as gateway telemetry
/// (`outbox.*` keys, docs/uplink.md) and shown by the console.
public struct OutboxStats: Sendable, Hashable {
    /// Records waiting (not yet acknowledged by the broker), by class, in the file or in memory.
    public var depth: [OutboxClass: Int]
    /// Bytes the waiting records count against `maxBytes`.
    public var bytes: Int
    /// The configured bound (`storage.maxSize`).
    public var maxBytes: Int
    /// Records given up since the file was created, by class: evicted to make room, refused as
    /// larger than the whole outbox, or lost to a storage error. Persisted in the file (counts
    /// the file could not take yet are kept in memory and written with the next transaction).
    public var dropped: [OutboxClass: Int]
    /// Records handed to the broker connection and waiting for their acknowledgement.
    public var inFlight: Int
    /// Of the waiting records, those in memory only: telemetry the connection is taking (never
    /// written to flash), and records held while the file cannot take them.
    public var memory: Int
    /// The disk was found full (SQLITE_FULL) and has not had room again since.
    public var diskFull: Bool

    public init(depth: [OutboxClass: Int] = [:], bytes: Int = 0, maxBytes: Int, dropped: [OutboxClass: Int] = [:], inFlight: Int = 0,
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
    public var totalDepth: Int { depth.values.reduce(0, +) }

    /// All records ever dropped.
    public var totalDropped: Int { dropped.values.reduce(0, +) }
}
