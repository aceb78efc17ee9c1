/// How to reach the broker and what to tell it: identity, credentials, TLS, last will, timing.
package struct MQTTClientOptions: Sendable, Hashable {
    /// A message the broker publishes for the client when the connection ends without a
    /// DISCONNECT (power cut, crash, network loss after the keepalive).
    package struct Will: Sendable, Hashable {
        package var topic: String
        package var payload: [UInt8]
        package var qos: Int
        package var retain: Bool

        package init(topic: String, payload: [UInt8], qos: Int = 1, retain: Bool = true) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
        }
    }

    /// TLS files (PEM). Without `caFile` the system's trusted certificates are used.
    package struct TLS: Sendable, Hashable {
        package var caFile: String?
        package var certFile: String?
        package var keyFile: String?

        package init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    package var clientID: String
    package var host: String
    package var port: Int
    package var username: String?
    package var password: String?
    package var tls: TLS?
    /// The longest silence before the client pings the broker; the broker drops the connection
    /// (and publishes the will) after 1.5 times this without a packet.
    package var keepalive: Duration
    package var will: Will?
    /// A clean session: the broker keeps no state between connections. The outbox, not the
    /// broker's session, is what makes delivery reliable.
    package var cleanSession: Bool
    /// The first and the longest wait before reconnecting; the wait doubles (±20 % jitter, so a
    /// city's gateways do not reconnect in lock step after a platform outage).
    package var reconnectDelay: ClosedRange<Duration>
    /// QoS 1 messages the client keeps unacknowledged on the wire.
    package var maxInflight: Int

    package init(clientID: String, host: String, port: Int, username: String? = nil, password: String? = nil,
                tls: TLS? = nil, keepalive: Duration = .seconds(30), will: Will? = nil, cleanSession: Bool = true,
                reconnectDelay: ClosedRange<Duration> = .seconds(1) ... .seconds(60), maxInflight: Int = 256) {
        self.clientID = clientID
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.tls = tls
        self.keepalive = keepalive
        self.will = will
        self.cleanSession = cleanSession
        self.reconnectDelay = reconnectDelay
        self.maxInflight = maxInflight
    }

    /// `host:port`, for logs and errors.
    package var broker: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
