/// A message received on a subscription.
package struct MQTTMessage: Sendable, Hashable {
    package var topic: String
    package var payload: [UInt8]
    package var qos: Int
    package var retained: Bool

    package init(topic: String, payload: [UInt8], qos: Int = 0, retained: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
    }

    /// The payload as text.
    package var text: String { String(decoding: payload, as: UTF8.self) }
}

/// What happened on the connection. Delivered on the MQTT loop thread, in order: handlers must
/// return quickly and must not block (hand work to another thread or task).
package enum MQTTEvent: Sendable {
    /// The broker accepted the connection (CONNACK 0). Subscribe here: a clean session starts
    /// with none.
    case connected
    /// An established connection was lost (broker gone, keepalive timeout, network down). The
    /// client reconnects by itself.
    case connectionLost(MQTTError)
    /// A connection attempt failed (refused, unreachable, TLS handshake, bad credentials). The
    /// client tries again after its backoff.
    case connectFailed(MQTTError)
    /// The connection was closed on request (`stop`).
    case disconnected
    /// The broker acknowledged the QoS 1 message with this id (PUBACK).
    case published(messageID: Int32)
    /// The broker acknowledged the subscription with this id (SUBACK).
    case subscribed(messageID: Int32)
    /// A message arrived on a subscription.
    case message(MQTTMessage)
}
