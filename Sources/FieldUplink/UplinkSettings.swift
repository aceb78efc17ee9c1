import FieldCore
import FieldDevices

/// The uplink's connection settings: the site's `uplink` section, or `fieldgate run --mqtt URL`.
package struct UplinkSettings: Sendable, Hashable {
    package var url: MQTTURL
    /// The MQTT client id; nil = `fieldgate-<gateway>`.
    package var clientID: String?
    package var topicPrefix: String
    package var keepalive: Duration
    package var tls: TLSConfig?
    package var allowRegisterRPC: Bool
    /// Answer commands for devices of other gateways `not-found` (the site's `uplink.soleGateway`).
    package var soleGateway: Bool
    /// The role the platform's RPCs act with (the site's `uplink.rpcRole`): commands that need
    /// more are refused `forbidden`.
    package var rpcRole: ConsoleUser.Role
    /// The first and the longest wait before reconnecting.
    package var reconnectDelay: ClosedRange<Duration>
    /// Outbox records in flight at once (QoS 1 messages awaiting PUBACK).
    package var window: Int

    package init(url: MQTTURL, clientID: String? = nil, topicPrefix: String = "", keepalive: Duration = .seconds(30),
                tls: TLSConfig? = nil, allowRegisterRPC: Bool = false, soleGateway: Bool = false, rpcRole: ConsoleUser.Role = .technician,
                reconnectDelay: ClosedRange<Duration> = .seconds(1) ... .seconds(60), window: Int = 256) {
        self.url = url
        self.clientID = clientID
        self.topicPrefix = topicPrefix
        self.keepalive = keepalive
        self.tls = tls
        self.allowRegisterRPC = allowRegisterRPC
        self.soleGateway = soleGateway
        self.rpcRole = rpcRole
        self.reconnectDelay = reconnectDelay
        self.window = window
    }

    /// The settings of a site's `uplink` section.
    package init(_ config: UplinkConfig) {
        self.init(url: config.url, clientID: config.clientID, topicPrefix: config.topicPrefix, keepalive: config.keepalive,
                  tls: config.tls, allowRegisterRPC: config.allowRegisterRPC, soleGateway: config.soleGateway,
                  rpcRole: config.rpcRole)
    }

    /// The site's uplink with `--mqtt` applied: the override's scheme, host, port and
    /// credentials replace the site's (a demo broker never gets the site's password); prefix,
    /// keepalive, client id, register access and the RPC role stay; TLS files stay for `mqtts://` and go for
    /// `mqtt://`. Nil when there is neither.
    package static func resolve(site: UplinkConfig?, override: MQTTURL?) -> UplinkSettings? {
        guard let override else { return site.map(UplinkSettings.init) }
        var s = site.map(UplinkSettings.init) ?? UplinkSettings(url: override)
        s.url = override
        if !override.secure { s.tls = nil }
        return s
    }

    /// libmosquitto's options for `gateway`: client id, credentials, TLS, keepalive, and the last
    /// will that says the gateway is offline.
    package func clientOptions(topics: UplinkTopics, encoder: UplinkEncoder) -> MQTTClientOptions {
        let will = encoder.status(online: false)
        var tlsOptions: MQTTClientOptions.TLS?
        if url.secure {
            tlsOptions = MQTTClientOptions.TLS(caFile: tls?.caFile, certFile: tls?.certFile, keyFile: tls?.keyFile)
        }
        return MQTTClientOptions(clientID: clientID ?? "fieldgate-\(topics.gateway)", host: url.host, port: url.port,
                                 username: url.username, password: url.password, tls: tlsOptions, keepalive: keepalive,
                                 will: .init(topic: will.topic, payload: will.payload, qos: 1, retain: true),
                                 reconnectDelay: reconnectDelay, maxInflight: window)
    }
}
