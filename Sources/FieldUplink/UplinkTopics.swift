/// The MQTT topics the gateway uses (docs/uplink.md, "Topics"): ThingsBoard's gateway API and
/// device API, plus the gateway's own alarm and status topics, all behind an optional prefix
/// for platforms that want one (`uplink.topicPrefix`; empty for ThingsBoard).
package struct UplinkTopics: Sendable, Hashable {
    /// The prefix with a trailing `/`, or empty.
    package let prefix: String
    /// The gateway's id in its own topics (the site id).
    package let gateway: String

    package init(prefix: String = "", gateway: String) {
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.gateway = gateway
    }

    /// `v1/gateway/connect`: a device behind the gateway is there (ThingsBoard creates it).
    package var connect: String { prefix + "v1/gateway/connect" }
    /// `v1/gateway/disconnect`: the platform stops routing RPC to the device.
    package var disconnect: String { prefix + "v1/gateway/disconnect" }
    /// `v1/gateway/telemetry`: readings of devices behind the gateway, and alarm mirrors.
    package var telemetry: String { prefix + "v1/gateway/telemetry" }
    /// `v1/gateway/attributes`: devices' profiles, units, serial numbers.
    package var attributes: String { prefix + "v1/gateway/attributes" }
    /// `v1/gateway/rpc`: commands for devices behind the gateway, and the answers.
    package var rpc: String { prefix + "v1/gateway/rpc" }
    /// `v1/devices/me/telemetry`: the gateway's own health.
    package var gatewayTelemetry: String { prefix + "v1/devices/me/telemetry" }
    /// `v1/devices/me/attributes`: the gateway's firmware, board and site.
    package var gatewayAttributes: String { prefix + "v1/devices/me/attributes" }
    /// `v1/devices/me/rpc/request/+`: commands for the gateway itself.
    package var gatewayRPCRequests: String { prefix + "v1/devices/me/rpc/request/+" }
    /// `fieldgate/<gateway>/alarms`: alarm events (raise, clear, acknowledge).
    package var alarms: String { prefix + "fieldgate/\(gateway)/alarms" }
    /// `fieldgate/<gateway>/status`: retained `{"online": …}`; the last will says offline.
    package var status: String { prefix + "fieldgate/\(gateway)/status" }

    /// `v1/devices/me/rpc/response/<id>`: the answer to gateway request `id`.
    package func gatewayRPCResponse(_ id: String) -> String { prefix + "v1/devices/me/rpc/response/" + id }

    /// The request id of a gateway RPC topic (`…/v1/devices/me/rpc/request/<id>`), or nil.
    package func gatewayRPCRequestID(_ topic: String) -> String? {
        let head = prefix + "v1/devices/me/rpc/request/"
        guard topic.hasPrefix(head) else { return nil }
        let id = String(topic.dropFirst(head.count))
        return id.isEmpty || id.contains("/") ? nil : id
    }
}
