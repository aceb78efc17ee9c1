import FieldCore

/// The connection to the platform as the console's `status`, the local API and the health
/// telemetry show it: the one type for all three.
package struct UplinkStatus: Sendable, Hashable {
    package enum State: String, Sendable, Hashable {
        /// Connected to the broker.
        case connected
        /// Not connected yet, or lost and reconnecting by itself.
        case connecting
        /// Disconnected on purpose (the uplink is stopping).
        case disconnected
        /// No uplink runs: none configured, or it could not be started.
        case disabled
    }

    /// The broker URL without the password.
    package var broker: String
    package var state: State
    /// When the connection was last made or lost.
    package var since: Timestamp?
    /// Connections made after the first one.
    package var reconnects: Int
    /// Why the last connection attempt failed or the connection was lost (or why there is no
    /// uplink, when disabled).
    package var lastError: String?
    /// Platform commands received, and those refused before reaching the runtime (malformed,
    /// unknown method, bad parameters, not allowed).
    package var rpcReceived: Int
    package var rpcRejected: Int

    package var connected: Bool { state == .connected }

    package init(broker: String, state: State = .connecting, since: Timestamp? = nil, reconnects: Int = 0, lastError: String? = nil,
                rpcReceived: Int = 0, rpcRejected: Int = 0) {
        self.broker = broker
        self.state = state
        self.since = since
        self.reconnects = reconnects
        self.lastError = lastError
        self.rpcReceived = rpcReceived
        self.rpcRejected = rpcRejected
    }
}
