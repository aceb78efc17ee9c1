import FieldCore
import FieldDevices
import FieldEngine
import FieldStore
import Synchronization

/// The gateway's link to the city IoT platform (docs/uplink.md): drains the outbox to the broker
/// over MQTT, announces the devices, and turns platform commands into `GatewayCommand`s for the
/// runtime, answering each with its result or a clear error.
///
/// Everything it sends goes through the outbox first (alarms with an fsync), except what is
/// re-sent on every connection anyway: device announcements, attributes and the online status.
package final class Uplink: Sendable {
    package let settings: UplinkSettings
    package let identity: UplinkIdentity
    package let encoder: UplinkEncoder
    package let outbox: Outbox
    private let core: UplinkCore
    private let client: MQTTClient

    /// Prepares the uplink; nothing is sent until `start`. Records can be published before.
    /// - Parameters:
    ///   - devices: the devices behind the gateway, announced on every connection.
    ///   - commands: runs the platform's commands.
    /// - Throws: `MQTTError` for settings libmosquitto refuses (an unreadable TLS file).
    package init(settings: UplinkSettings, identity: UplinkIdentity, devices: [UplinkDevice], outbox: Outbox,
                commands: any GatewayCommandHandler, clock: any FieldClock = SystemClock(), logger: Logger = Logger("uplink")) throws(MQTTError) {
        self.settings = settings
        self.identity = identity
        self.outbox = outbox
        let topics = UplinkTopics(prefix: settings.topicPrefix, gateway: identity.gateway)
        encoder = UplinkEncoder(topics: topics, identity: identity)
        let core = UplinkCore(settings: settings, encoder: encoder, devices: devices, outbox: outbox, commands: commands,
                              clock: clock, log: logger)
        self.core = core
        client = try MQTTClient(settings.clientOptions(topics: topics, encoder: encoder)) { core.handle($0) }
        core.client.withLock { $0 = WeakClient(client: client) }
    }

    deinit {
        stop()
    }

    /// Connects (in the background, retrying with backoff) and starts draining the outbox.
    package func start() throws(MQTTError) {
        outbox.attach(core, window: settings.window)
        try client.start()
    }

    /// Says offline on the status topic, disconnects cleanly (no last will) and stops. Records
    /// not yet acknowledged stay in the outbox for the next start.
    package func stop() {
        guard core.markStopped() else { return }
        outbox.setReady(false)
        if client.isConnected {
            let offline = encoder.status(online: false, at: core.clock.now())
            _ = try? client.publish(topic: offline.topic, payload: offline.payload, retain: true)
        }
        client.stop()
        outbox.detach()
    }

    /// The connection and RPC counters.
    package var status: UplinkStatus { core.status.withLock { $0 } }

    // MARK: - Sending

    /// Queues one telemetry message with `samples` (a telemetry interval's readings). Never blocks.
    package func publish(telemetry samples: [TelemetrySample]) {
        guard let message = encoder.telemetry(samples) else { return }
        outbox.post([message], as: .telemetry)
    }

    /// Queues the gateway's health, adding the outbox's and the connection's figures when the
    /// runtime left them out.
    package func publish(health: GatewayHealth) {
        var h = health
        if h.outbox == nil { h.outbox = outbox.stats }
        if h.uplink == nil { h.uplink = status }
        outbox.post([encoder.health(h)], as: .telemetry)
    }

    /// Adds a service (remote configuration, firmware update) that talks to the platform beside
    /// the command path; it is told of the connection at once when the uplink is connected.
    package func add(_ service: any UplinkService) {
        core.services.withLock { $0.append(service) }
        guard let client = core.client.withLock({ $0.client }), client.isConnected else { return }
        core.connect(service, client: client)
    }

    /// Adds attributes a device reported (a serial number read from it); sent now when
    /// connected, and with every later connection.
    package func updateAttributes(device: String, _ attributes: [String: JSONValue]) {
        guard let updated = core.updateDevice(device, attributes) else { return }
        guard let client = core.client.withLock({ $0.client }), client.isConnected else { return }
        let m = encoder.deviceAttributes([updated])
        _ = try? client.publish(topic: m.topic, payload: m.payload)
    }
}

struct WeakClient {
    weak var client: MQTTClient?
}

/// The uplink's state shared with the MQTT thread's event handler and the outbox's thread (as
/// its courier). Holds the client weakly: the client's handler holds this.
final class UplinkCore: OutboxCourier {
    let settings: UplinkSettings
    let encoder: UplinkEncoder
    let outbox: Outbox
    let commands: any GatewayCommandHandler
    let clock: any FieldClock
    let log: Logger
    let rpc: UplinkRPC
    let client = Mutex(WeakClient())
    let status: Mutex<UplinkStatus>
    let services = Mutex<[any UplinkService]>([])
    /// Attributes services added to the gateway's own (`configHash`, `fw_state`, …).
    let gatewayExtras = Mutex<[String: JSONValue]>([:])
    private let devices: Mutex<[UplinkDevice]>
    private let state = Mutex(State())

    /// Commands running at once; more are refused as `unavailable` until one finishes.
    static let maxCommandsInProgress = 16

    private struct State {
        var stopped = false
        var everConnected = false
        var failedAttempts = 0
        var commandsInProgress = 0
    }

    init(settings: UplinkSettings, encoder: UplinkEncoder, devices: [UplinkDevice], outbox: Outbox,
         commands: any GatewayCommandHandler, clock: any FieldClock, log: Logger) {
        self.settings = settings
        self.encoder = encoder
        self.outbox = outbox
        self.commands = commands
        self.clock = clock
        self.log = log
        self.devices = Mutex(devices)
        rpc = UplinkRPC(topics: encoder.topics, identity: encoder.identity, devices: devices, allowRegisterRPC: settings.allowRegisterRPC,
                        soleGateway: settings.soleGateway, role: settings.rpcRole)
        status = Mutex(UplinkStatus(broker: settings.url.description))
    }

    func markStopped() -> Bool {
        state.withLock { s in
            defer { s.stopped = true }
            return !s.stopped
        }
    }

    func updateDevice(_ id: String, _ attributes: [String: JSONValue]) -> UplinkDevice? {
        devices.withLock { all in
            guard let i = all.firstIndex(where: { $0.id == id }) else { return nil }
            all[i].extra.merge(attributes) { _, new in new }
            return all[i]
        }
    }

    // MARK: - Courier (on the outbox's thread)

    func deliver(_ record: OutboxRecord) -> OutboxHandoff {
        guard let client = client.withLock({ $0.client }) else { return .notNow }
        do {
            return .sent(tag: try client.publish(topic: record.message.topic, payload: record.message.payload, qos: 1))
        } catch {
            return error.isUnsendable ? .rejected(reason: error.description) : .notNow
        }
    }

    // MARK: - MQTT events (on the MQTT thread)

    func handle(_ event: MQTTEvent) {
        switch event {
        case .connected: connected()
        case .connectionLost(let e): lost(e)
        case .connectFailed(let e): failed(e)
        case .disconnected: status.withLock { $0.state = .disconnected }
        case .published(let id): outbox.confirm(id)
        case .subscribed: break
        case .message(let m): received(m)
        }
    }

    private func connected() {
        let now = clock.now()
        let again = state.withLock { s in
            defer { (s.everConnected, s.failedAttempts) = (true, 0) }
            return s.everConnected
        }
        status.withLock { s in
            s.state = .connected
            s.lastError = nil
            s.since = now
            if again { s.reconnects += 1 }
        }
        log.notice("connected to \(settings.url)")
        guard let client = client.withLock({ $0.client }) else { return }
        let topics = encoder.topics
        let all = devices.withLock { $0 }
        var announcements = [encoder.status(online: true, at: now), encoder.gatewayAttributes(deviceCount: all.count)]
        let extras = gatewayExtras.withLock { $0 }
        if !extras.isEmpty { announcements.append(OutboxMessage(topic: topics.gatewayAttributes, payload: JSONValue.object(extras).serialized())) }
        announcements += all.map(encoder.connect)
        if !all.isEmpty { announcements.append(encoder.deviceAttributes(all)) }
        do {
            try client.subscribe(topics.rpc)
            try client.subscribe(topics.gatewayRPCRequests)
            for m in announcements {
                try client.publish(topic: m.topic, payload: m.payload, retain: m.topic == topics.status)
            }
        } catch {
            log.error("cannot announce the gateway: \(error)")
        }
        outbox.setReady(true)
        for service in services.withLock({ $0 }) { connect(service, client: client) }
    }

    func connect(_ service: any UplinkService, client: MQTTClient) {
        for filter in service.subscriptions(encoder.topics) {
            do {
                _ = try client.subscribe(filter)
            } catch {
                log.error("cannot subscribe to \(filter): \(error)")
            }
        }
        service.connected(link: UplinkLink(core: self))
    }

    private func lost(_ e: MQTTError) {
        outbox.setReady(false)
        status.withLock { s in
            s.state = .connecting
            s.since = clock.now()
            s.lastError = e.description
        }
        log.warning("connection to \(settings.url) lost: \(e); reconnecting")
    }

    private func failed(_ e: MQTTError) {
        outbox.setReady(false)
        status.withLock { $0.lastError = e.description }
        let n = state.withLock { s in
            s.failedAttempts += 1
            return s.failedAttempts
        }
        // The first failure, then the 10th, 100th, …: an outage of hours must not fill the log.
        guard UplinkCore.isPowerOfTen(n) else { return }
        let text = "cannot connect to \(settings.url) (attempt \(n)): \(e)"
        if e.isAuthenticationFailure { log.error(text + " — check the uplink's user name, password or certificate") } else { log.warning(text) }
    }

    static func isPowerOfTen(_ n: Int) -> Bool {
        var x = n
        while x >= 10 && x % 10 == 0 { x /= 10 }
        return x == 1
    }

    // MARK: - Commands

    private func received(_ m: MQTTMessage) {
        for service in services.withLock({ $0 }) where service.received(m, link: UplinkLink(core: self)) { return }
        switch rpc.parse(topic: m.topic, payload: m.payload) {
        case .execute(let request):
            status.withLock { $0.rpcReceived += 1 }
            run(request)
        case .refuse(let address, let error):
            status.withLock { s in
                s.rpcReceived += 1
                s.rpcRejected += 1
            }
            log.notice("refused a platform command: \(error)")
            reply(address, .failure(error))
        case .ignore(let reason):
            guard let reason else { return }
            status.withLock { s in
                s.rpcReceived += 1
                s.rpcRejected += 1
            }
            log.warning("ignored a platform command: \(reason)")
        }
    }

    private func run(_ request: UplinkRPCRequest) {
        let admitted = state.withLock { s in
            guard s.commandsInProgress < UplinkCore.maxCommandsInProgress else { return false }
            s.commandsInProgress += 1
            return true
        }
        guard admitted else {
            status.withLock { $0.rpcRejected += 1 }
            reply(request.address, .failure(CommandError(.unavailable, "\(UplinkCore.maxCommandsInProgress) commands are already in progress; try again")))
            return
        }
        log.info("platform command \(request.method): \(request.command)")
        Task { [self] in
            let result = await commands.execute(request.command, origin: .platform(role: settings.rpcRole))
            state.withLock { $0.commandsInProgress -= 1 }
            reply(request.address, result)
        }
    }

    private func reply(_ address: UplinkRPCAddress, _ result: Result<JSONValue, CommandError>) {
        outbox.post([encoder.rpcReply(to: address, result)], as: .command, durable: true)
    }
}
