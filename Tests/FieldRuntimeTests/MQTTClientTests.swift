import FieldCore
import FieldTestSupport
@testable import FieldUplink
import Foundation
import Testing
@testable import FieldRuntime

@Suite struct MQTTClientTests {
    @Test func publishesWithAcknowledgementsAndReceivesOnItsSubscriptions() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let observer = try MosquittoSubscriber(port: broker.port, filter: "out/#")
        try await observer.start()
        let log = MQTTEventLog()
        let client = try MQTTClient(.test(port: broker.port)) { log.record($0) }
        try client.start()
        #expect(await log.waitFor { $0.connections == 1 })
        #expect(client.isConnected)

        let ids = try (1...3).map { n in try client.publish(topic: "out/\(n)", payload: Array("message \(n)".utf8)) }
        #expect(await log.waitFor { Set($0.acknowledged).isSuperset(of: ids) }, "every QoS 1 publish gets its PUBACK")
        #expect(await observer.wait { $0.count == 3 })
        #expect(observer.messages.map(\.description) == ["out/1 message 1", "out/2 message 2", "out/3 message 3"])

        let sub = try client.subscribe("in/#")
        #expect(await log.waitFor { $0.all.contains { if case .subscribed(sub) = $0 { true } else { false } } })
        try broker.publish(topic: "in/rpc", payload: #"{"method":"ping"}"#)
        #expect(await log.waitFor { $0.messages.count == 1 })
        #expect(log.messages.first == MQTTMessage(topic: "in/rpc", payload: Array(#"{"method":"ping"}"#.utf8), qos: 1))
        client.stop()
        #expect(!client.isConnected)
        #expect(log.all.contains { if case .disconnected = $0 { true } else { false } })
    }

    @Test func messagesPublishedWhileTheBrokerIsDownGoOutAfterReconnecting() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let log = MQTTEventLog()
        let client = try MQTTClient(.test(port: broker.port)) { log.record($0) }
        try client.start()
        #expect(await log.waitFor { $0.connections == 1 })
        broker.stop()
        #expect(await log.waitFor { $0.losses == 1 })
        let ids = try (1...5).map { n in try client.publish(topic: "queued/\(n)", payload: Array("\(n)".utf8)) }
        try await broker.start()
        #expect(await log.waitFor { $0.connections == 2 }, "reconnects by itself with backoff")
        #expect(await log.waitFor { Set($0.acknowledged).isSuperset(of: ids) })
        client.stop()
    }

    @Test func aBrokerWithPasswordsRefusesWrongOnesAndAcceptsTheRightOne() async throws {
        let broker = try MosquittoBroker(.init(users: ["gw7": "s3cret"]))
        try await broker.start()
        var wrong = MQTTClientOptions.test(port: broker.port)
        (wrong.username, wrong.password) = ("gw7", "guess")
        let refused = MQTTEventLog()
        let bad = try MQTTClient(wrong) { refused.record($0) }
        try bad.start()
        #expect(await refused.waitFor { !$0.failures.isEmpty })
        #expect(refused.connections == 0)
        #expect(refused.failures.first?.isAuthenticationFailure == true, "\(refused.failures)")
        bad.stop()

        var right = MQTTClientOptions.test(port: broker.port)
        (right.username, right.password) = ("gw7", "s3cret")
        let accepted = MQTTEventLog()
        let good = try MQTTClient(right) { accepted.record($0) }
        try good.start()
        #expect(await accepted.waitFor { $0.connections == 1 })
        good.stop()
    }

    @Test func tlsWithAClientCertificateConnectsAndAnUntrustedServerDoesNot() async throws {
        let certs = try TestCertificates()
        let broker = try MosquittoBroker(.init(tls: certs.brokerTLS()))
        try await broker.start()
        let observer = try MosquittoSubscriber(port: broker.port, filter: "secure/#", extra: certs.clientOptions)
        try await observer.start()

        var options = MQTTClientOptions.test(port: broker.port)
        options.tls = .init(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)
        let log = MQTTEventLog()
        let client = try MQTTClient(options) { log.record($0) }
        try client.start()
        #expect(await log.waitFor { $0.connections == 1 }, "\(log.failures) \(broker.log)")
        try client.publish(topic: "secure/alarm", payload: Array("over TLS".utf8))
        #expect(await observer.wait { $0.map(\.description) == ["secure/alarm over TLS"] })
        client.stop()

        var noCertificate = MQTTClientOptions.test(port: broker.port)
        noCertificate.tls = .init(caFile: certs.caFile)
        let withoutCertificate = MQTTEventLog()
        let anonymous = try MQTTClient(noCertificate) { withoutCertificate.record($0) }
        try anonymous.start()
        #expect(await withoutCertificate.waitFor { !$0.failures.isEmpty }, "the broker requires a client certificate")
        #expect(withoutCertificate.connections == 0)
        anonymous.stop()

        let stranger = try TestCertificates(authority: "Someone Else's CA")
        var untrusting = MQTTClientOptions.test(port: broker.port)
        untrusting.tls = .init(caFile: stranger.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)
        let untrusted = MQTTEventLog()
        let wary = try MQTTClient(untrusting) { untrusted.record($0) }
        try wary.start()
        #expect(await untrusted.waitFor { !$0.failures.isEmpty }, "a server certificate from an unknown CA is refused")
        #expect(untrusted.connections == 0)
        #expect(untrusted.failures.first?.message.contains("certificate verify failed: the broker's certificate is not signed by the configured CA") == true,
                "which TLS check failed is named: \(untrusted.failures)")
        wary.stop()
    }

    /// A broker whose certificate names another host: refused, and the log says so (issue 17).
    @Test func aHostNameMismatchIsNamed() async throws {
        let certs = try TestCertificates(serverNames: "DNS:broker.example")
        let broker = try MosquittoBroker(.init(tls: certs.brokerTLS(requireClientCertificate: false)))
        try await broker.start()
        var options = MQTTClientOptions.test(port: broker.port)
        options.tls = .init(caFile: certs.caFile)
        let log = MQTTEventLog()
        let client = try MQTTClient(options) { log.record($0) }
        try client.start()
        #expect(await log.waitFor(timeout: .seconds(5)) { !$0.failures.isEmpty })
        #expect(log.failures.first?.message.contains("host name verification failed: the broker's certificate does not name the host") == true,
                "\(log.failures)")
        #expect(log.connections == 0)
        client.stop()
    }

    /// mqtts:// to a plain listener: reported at once with what it probably is, not after a
    /// silent reconnect cycle (issue 17).
    @Test func tlsToAPlainListenerIsReportedAtOnceAndNamed() async throws {
        let certs = try TestCertificates()
        let broker = try MosquittoBroker(.init())
        try await broker.start()
        var options = MQTTClientOptions.test(port: broker.port)
        options.tls = .init(caFile: certs.caFile)
        options.reconnectDelay = .seconds(30) ... .seconds(30)
        let log = MQTTEventLog()
        let client = try MQTTClient(options) { log.record($0) }
        try client.start()
        #expect(await log.waitFor(timeout: .seconds(5)) { !$0.failures.isEmpty }, "reported before the first reconnect (30 s)")
        #expect(log.failures.first?.message.contains("is that port a TLS listener?") == true, "\(log.failures)")
        client.stop()
    }

    @Test func aMissingTLSFileIsNamedBeforeAnyConnection() throws {
        var options = MQTTClientOptions.test(port: 1)
        options.tls = .init(caFile: "/nonexistent/ca.pem")
        #expect {
            _ = try MQTTClient(options) { _ in }
        } throws: { error in
            let e = error as! MQTTError
            return e.subject == "/nonexistent/ca.pem" && e.description.contains("cannot read the TLS CA file") && e.errno == ENOENT
        }
    }

    @Test func aStoppedClientDoesNotLeaveItsWillBehind() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let observer = try MosquittoSubscriber(port: broker.port, filter: "status/#")
        try await observer.start()
        var options = MQTTClientOptions.test(port: broker.port)
        options.will = .init(topic: "status/gw", payload: Array("offline".utf8), retain: false)
        let log = MQTTEventLog()
        let client = try MQTTClient(options) { log.record($0) }
        try client.start()
        #expect(await log.waitFor { $0.connections == 1 })
        client.stop()
        // The broker publishes a will as soon as it sees the connection end, so a message sent
        // after the stop arrives after any will there would be.
        try broker.publish(topic: "status/marker", payload: "after stop")
        #expect(await observer.wait { $0.contains { $0.topic == "status/marker" } })
        #expect(observer.messages.map(\.topic) == ["status/marker"])
    }

    @Test func stoppingWhileTheBrokerIsUnreachableReturnsPromptly() async throws {
        let port = try TestSupport.freeTCPPort()
        let log = MQTTEventLog()
        var options = MQTTClientOptions.test(port: port)
        options.reconnectDelay = .seconds(30) ... .seconds(60)
        let client = try MQTTClient(options) { log.record($0) }
        try client.start()
        #expect(await log.waitFor { !$0.failures.isEmpty })
        let started = ContinuousClock.now
        client.stop()
        #expect(ContinuousClock.now - started < .seconds(2), "the backoff sleep is interrupted by stop")
    }

    @Test func aTopicNoBrokerAcceptsIsRefusedAsUnsendable() throws {
        let client = try MQTTClient(.test(port: 1)) { _ in }
        #expect {
            try client.publish(topic: "alarms/#", payload: [])
        } throws: { error in
            let e = error as! MQTTError
            return e.isUnsendable && e.subject == "alarms/#" && e.function == "mosquitto_publish"
        }
        #expect(throws: MQTTError.self) { try client.subscribe("rpc/+") }
    }

    @Test func reconnectDelaysDoubleWithJitterUpToTheLimit() {
        let range = Duration.seconds(1) ... Duration.seconds(60)
        for attempt in 0..<12 {
            let expected = Double(min(60_000, 1000 << attempt))
            let d = Double(MQTTClient.reconnectDelay(attempt, range))
            #expect(d >= expected * 0.8 && d <= expected * 1.2, "attempt \(attempt): \(d) ms")
        }
    }
}
