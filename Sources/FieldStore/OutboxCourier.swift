/// What a courier did with a record it was handed.
package enum OutboxHandoff: Sendable, Hashable {
    /// On its way; `tag` comes back through `Outbox.confirm(_:)` when the broker acknowledges it
    /// (the MQTT message id; PUBACK for QoS 1).
    case sent(tag: Int32)
    /// The transport cannot take it now (out of memory); the outbox tries again later.
    case notNow
    /// The transport can never send it (invalid topic, payload over the broker's limit): the
    /// record is dropped and counted.
    case rejected(reason: String)
}

/// The transport the outbox drains into: the MQTT connection. `deliver` is called on the
/// outbox's thread with records in delivery order (alarms, then command results, then
/// telemetry; oldest first within each) and must not block.
package protocol OutboxCourier: Sendable {
    func deliver(_ record: OutboxRecord) -> OutboxHandoff
}
