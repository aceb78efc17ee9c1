import FieldCore

/// The connection to the platform as the console and the health telemetry show it.
public struct UplinkStatus: Sendable, Hashable {
    /// The broker URL without the password.
    public var broker: String
    public var connected: Bool
    /// When the connection was last made or lost.
    public var since: Timestamp?
    /// Connections made after the first one.
    public var reconnects: Int
    /// Why the last connection attempt failed or the connection was lost.
    public var lastError: String?
    /// Platform commands received, and those refused before reaching the runtime (malformed,
    /// unknown method, bad parameters, not allowed).
    public var rpcReceived: Int
    public var rpcRejected: Int

    public init(broker: String, connected: Bool = false, since: Timestamp? = nil, reconnects: Int = 0, lastError: String? = nil,
                rpcReceived: Int = 0, rpcRejected: Int = 0) {
        self.broker = broker
        self.connected = connected
        self.since = since
        self.reconnects = reconnects
        self.lastError = lastError
        self.rpcReceived = rpcReceived
        self.rpcRejected = rpcRejected
    }
}
