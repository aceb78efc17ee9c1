import FieldCore
import FieldStore
import FoundationEssentials

/// A part of the gateway that talks to the platform beside the command path: remote
/// configuration (`RemoteConfigService`) and firmware updates. It sees every message before the
/// RPC parser (`UplinkRPC`) and says whether it took it; it subscribes to topics of its own on
/// every connection and may announce attributes when the connection comes up.
///
/// Called on the MQTT loop thread: return quickly, hand slow work (a file write, a restart) to a
/// thread or task of its own.
package protocol UplinkService: AnyObject, Sendable {
    /// Topic filters to subscribe to on every connection, besides the RPC topics.
    func subscriptions(_ topics: UplinkTopics) -> [String]
    /// A message arrived; true when this service took it (the RPC parser does not see it then).
    func received(_ message: MQTTMessage, link: UplinkLink) -> Bool
    /// The connection came up (again): send what the platform should know.
    func connected(link: UplinkLink)
}

/// What a service may send through the uplink.
package struct UplinkLink: Sendable {
    let core: UplinkCore

    package var topics: UplinkTopics { core.encoder.topics }

    /// Publishes now when connected (QoS 1), for what is sent again on every connection anyway
    /// (attributes, chunk requests); false when not connected or the client refused it.
    @discardableResult
    package func publishNow(topic: String, payload: [UInt8]) -> Bool {
        guard let client = core.client.withLock({ $0.client }), client.isConnected else { return false }
        do {
            _ = try client.publish(topic: topic, payload: payload, qos: 1)
            return true
        } catch {
            core.log.warning("cannot publish on \(topic): \(error)")
            return false
        }
    }

    /// Stores an answer in the outbox (durable, with the command answers): it reaches the
    /// platform even if the gateway restarts at once.
    package func post(topic: String, payload: JSONValue) {
        core.outbox.post([OutboxMessage(topic: topic, payload: payload.serialized())], as: .command, durable: true)
    }

    /// Merges attributes into the gateway's own (`v1/devices/me/attributes`): sent now when
    /// connected, and with the gateway's attributes on every later connection.
    package func updateGatewayAttributes(_ attributes: [String: JSONValue]) {
        core.gatewayExtras.withLock { $0.merge(attributes) { _, new in new } }
        publishNow(topic: topics.gatewayAttributes, payload: Array(JSONValue.object(attributes).serialized().utf8))
    }
}

/// A gateway RPC request (`v1/devices/me/rpc/request/<id>`) a service answers itself.
package struct UplinkServiceRequest: Sendable {
    package var id: String
    package var method: String
    package var params: JSONValue?

    /// The request on `message`'s topic if it is a gateway RPC for one of `methods`, else nil
    /// (malformed JSON is left to the RPC parser, which answers it).
    package init?(_ message: MQTTMessage, topics: UplinkTopics, methods: Set<String>) {
        guard let id = topics.gatewayRPCRequestID(message.topic),
              let doc = try? JSONValue.parse(Data(message.payload)), let method = doc["method"]?.stringValue,
              methods.contains(method) else { return nil }
        self.id = id
        self.method = method
        var params = doc["params"]
        // Some ThingsBoard widgets send the params object as a string holding it.
        if case .string(let text)? = params, let inner = try? JSONValue.parse(text) { params = inner }
        self.params = params
    }

    /// The answer: `{"success": true, "result": …}`.
    package func success(_ result: JSONValue, link: UplinkLink) {
        link.post(topic: link.topics.gatewayRPCResponse(id), payload: ["success": true, "result": result])
    }

    /// The answer: `{"success": false, "error": code, "message": …}` plus `extra` (`errors`).
    package func failure(_ code: String, _ message: String, extra: [String: JSONValue] = [:], link: UplinkLink) {
        var body: [String: JSONValue] = ["success": false, "error": .string(code), "message": .string(message)]
        body.merge(extra) { a, _ in a }
        link.post(topic: link.topics.gatewayRPCResponse(id), payload: .object(body))
    }
}
