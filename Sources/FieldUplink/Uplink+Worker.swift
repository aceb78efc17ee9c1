import FieldCore

/// The MQTT loop reconnects by itself and has no heartbeat to watch: a broker that is away is
/// the uplink's status (and the outbox's depth), not a hung worker.
extension Uplink: Worker {
    package var workerName: String { "uplink" }
    package var lastBeat: Int64? { nil }
}
