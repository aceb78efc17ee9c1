#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CMosquitto
import FieldCore
import FieldStore
import FieldSystem
import Synchronization

/// An MQTT 3.1.1 client over libmosquitto: QoS 1 publishes with message ids, subscriptions, TLS,
/// credentials, a last will, keepalive and reconnection with backoff.
///
/// libmosquitto's own loop (`mosquitto_loop`) runs on a thread this client owns instead of
/// `mosquitto_loop_start`'s: that thread gives up for good on a TLS or protocol error, and a
/// gateway on a lamp pole must keep trying. Publishing from other threads is safe
/// (`mosquitto_threaded_set`); messages published while disconnected wait in libmosquitto and go
/// out, with those unacknowledged, after the next CONNACK.
///
/// Events arrive on the loop thread through the handler given at creation.
package final class MQTTClient: Sendable {
    package let options: MQTTClientOptions
    private let handle: MosquittoHandle
    private let callbacks: MQTTCallbacks
    private let control = LoopControl()

    /// Makes a client; nothing is sent until `start`.
    /// - Parameter events: called on the MQTT loop thread for every event; must not block.
    /// - Throws: `MQTTError` for options libmosquitto refuses (an unreadable TLS file, an invalid
    ///   will topic), naming the file or topic.
    package init(_ options: MQTTClientOptions, events: @escaping @Sendable (MQTTEvent) -> Void) throws(MQTTError) {
        mosquittoLibrary()
        self.options = options
        callbacks = MQTTCallbacks(broker: options.broker, events: events)
        guard let raw = mosquitto_new(options.clientID, options.cleanSession, Unmanaged.passUnretained(callbacks).toOpaque()) else {
            throw MQTTError(code: Int32(MOSQ_ERR_NOMEM.rawValue), function: "mosquitto_new", subject: options.clientID,
                            message: "cannot create a client (out of memory, or an empty client id with a persistent session)")
        }
        handle = MosquittoHandle(raw, callbacks: callbacks)
        try configure(raw)
    }

    deinit {
        stop()
    }

    private func configure(_ h: OpaquePointer) throws(MQTTError) {
        let o = options
        try mqttCheck(mosquitto_threaded_set(h, true), "mosquitto_threaded_set", o.broker)
        try mqttCheck(mosquitto_int_option(h, MOSQ_OPT_SEND_MAXIMUM, Int32(max(1, min(o.maxInflight, 65535)))), "mosquitto_int_option", "send maximum")
        // Alarms are small and urgent: do not let Nagle's algorithm hold them back.
        try mqttCheck(mosquitto_int_option(h, MOSQ_OPT_TCP_NODELAY, 1), "mosquitto_int_option", "TCP_NODELAY")
        if o.username != nil || o.password != nil {
            try mqttCheck(mosquitto_username_pw_set(h, o.username, o.password), "mosquitto_username_pw_set", o.username ?? "")
        }
        if let will = o.will {
            let rc = will.payload.withUnsafeBytes {
                mosquitto_will_set(h, will.topic, Int32($0.count), $0.baseAddress, Int32(will.qos), will.retain)
            }
            try mqttCheck(rc, "mosquitto_will_set", will.topic)
        }
        if let tls = o.tls {
            for (what, file) in [("CA", tls.caFile), ("client certificate", tls.certFile), ("client key", tls.keyFile)] {
                guard let file else { continue }
                guard access(file, R_OK) == 0 else {
                    let e = errno
                    throw MQTTError(code: Int32(MOSQ_ERR_INVAL.rawValue), function: "mosquitto_tls_set", subject: file,
                                    message: "cannot read the TLS \(what) file: \(String(cString: strerror(e)))", errno: e)
                }
            }
            if tls.caFile == nil {
                try mqttCheck(mosquitto_int_option(h, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "mosquitto_int_option", "system CA certificates")
            }
            try mqttCheck(mosquitto_tls_set(h, tls.caFile, nil, tls.certFile, tls.keyFile, nil), "mosquitto_tls_set",
                          [tls.caFile, tls.certFile, tls.keyFile].compactMap { $0 }.joined(separator: ", "))
        }
        mosquitto_connect_callback_set(h) { _, obj, rc in MQTTCallbacks.from(obj).connected(rc) }
        mosquitto_disconnect_callback_set(h) { _, obj, rc in
            let e = errno
            MQTTCallbacks.from(obj).disconnected(rc, errno: e)
        }
        // libmosquitto says which TLS check failed only in its log (OpenSSL's error queue, its own
        // host name check); the return codes say "A TLS error occurred." and nothing more.
        mosquitto_log_callback_set(h) { _, obj, level, text in
            guard level & Int32(MOSQ_LOG_ERR) != 0, let text else { return }
            MQTTCallbacks.from(obj).libraryError(String(cString: text))
        }
        mosquitto_publish_callback_set(h) { _, obj, mid in MQTTCallbacks.from(obj).events(.published(messageID: mid)) }
        mosquitto_subscribe_callback_set(h) { _, obj, mid, _, _ in MQTTCallbacks.from(obj).events(.subscribed(messageID: mid)) }
        mosquitto_message_callback_set(h) { _, obj, m in
            guard let m = m?.pointee else { return }
            let topic = m.topic.map { String(cString: $0) } ?? ""
            let payload = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(m.payloadlen))) } ?? []
            MQTTCallbacks.from(obj).events(.message(MQTTMessage(topic: topic, payload: payload, qos: Int(m.qos), retained: m.retain)))
        }
    }

    /// Starts the loop thread, which connects and keeps reconnecting until `stop`.
    /// - Throws: `MQTTError` when the thread cannot be started or the client was started before.
    package func start() throws(MQTTError) {
        let (handle, callbacks, control, options) = (self.handle, self.callbacks, self.control, self.options)
        try control.start(name: "mqtt") {
            MQTTClient.run(handle.raw, callbacks: callbacks, control: control, options: options)
        }
    }

    /// Sends DISCONNECT (so the broker does not publish the will), stops the loop thread and waits
    /// for it. Messages still unacknowledged stay with their owner (the outbox). Safe to call
    /// more than once.
    package func stop() {
        guard control.requestStop() else { return }
        mosquitto_disconnect(handle.raw)
        control.join()
    }

    /// True between CONNACK and the loss of the connection.
    package var isConnected: Bool { callbacks.isConnected }

    /// Queues a message; with QoS 1 the returned message id comes back in `.published` when the
    /// broker acknowledges it. QoS 1 works while disconnected: the message goes out after
    /// reconnecting.
    /// - Throws: `MQTTError` for an invalid topic, a payload over 256 MB, out of memory, or a
    ///   QoS 0 message while disconnected.
    @discardableResult
    package func publish(topic: String, payload: [UInt8], qos: Int = 1, retain: Bool = false) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes {
            mosquitto_publish(handle.raw, &mid, topic, Int32($0.count), $0.baseAddress, Int32(qos), retain)
        }
        // libmosquitto 2.0 queues a QoS 1 message before it finds there is no connection and says
        // so; the message is kept and sent after the next CONNACK.
        if rc == Int32(MOSQ_ERR_NO_CONN.rawValue), qos > 0 { return mid }
        try mqttCheck(rc, "mosquitto_publish", topic)
        return mid
    }

    /// Subscribes to `filter`; the returned id comes back in `.subscribed` with the SUBACK.
    /// Only while connected (subscribe again after each `.connected`: sessions are clean).
    @discardableResult
    package func subscribe(_ filter: String, qos: Int = 1) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        try mqttCheck(mosquitto_subscribe(handle.raw, &mid, filter, Int32(qos)), "mosquitto_subscribe", filter)
        return mid
    }

    // MARK: - The loop thread

    private static func run(_ h: OpaquePointer, callbacks: MQTTCallbacks, control: LoopControl, options: MQTTClientOptions) {
        let keepalive = Int32(max(5, options.keepalive.milliseconds / 1000))
        var attempt = 0
        callbacks.attemptStarted()
        var rc = mosquitto_connect_async(h, options.host, Int32(options.port), keepalive)
        if rc != success { callbacks.events(.connectFailed(callbacks.detailed(mqttError(rc, "mosquitto_connect_async", options.broker)))) }
        while true {
            while rc == success {
                // After `stop`, keep looping only while the DISCONNECT is on its way out.
                if control.stopRequested, !callbacks.isConnected || control.stopGraceExpired { break }
                rc = mosquitto_loop(h, 1000, 1)
            }
            if control.stopRequested { break }
            // A TLS handshake that fails (expired or unknown certificate, host mismatch, a plain
            // listener) ends the loop with no disconnect callback: report it now, not never.
            if rc != success, !callbacks.failureReported {
                callbacks.events(.connectFailed(callbacks.detailed(mqttError(rc, "mosquitto_loop", options.broker))))
            }
            if callbacks.takeConnectedSinceLastCheck() { attempt = 0 }
            guard control.sleep(milliseconds: reconnectDelay(attempt, options.reconnectDelay)) else { break }
            attempt += 1
            callbacks.attemptStarted()
            rc = mosquitto_reconnect_async(h)
            if rc != success { callbacks.events(.connectFailed(callbacks.detailed(mqttError(rc, "mosquitto_reconnect_async", options.broker)))) }
        }
    }

    /// The wait before reconnect attempt `attempt`: doubling from the range's start to its end,
    /// ±20 % jitter.
    static func reconnectDelay(_ attempt: Int, _ range: ClosedRange<Duration>) -> Int64 {
        let low = max(range.lowerBound.milliseconds, 10), high = max(range.upperBound.milliseconds, low)
        let base = min(high, low << min(attempt, 20))
        return Int64(Double(base) * Double.random(in: 0.8...1.2))
    }
}

private let success = Int32(MOSQ_ERR_SUCCESS.rawValue)

extension MQTTError {
    /// True when libmosquitto can never send the message, whatever the connection: an invalid
    /// topic, bad UTF-8, or a payload over the protocol's or the broker's limit.
    package var isUnsendable: Bool {
        [MOSQ_ERR_INVAL, MOSQ_ERR_MALFORMED_UTF8, MOSQ_ERR_PAYLOAD_SIZE, MOSQ_ERR_OVERSIZE_PACKET].contains { code == Int32($0.rawValue) }
            && refusal == nil
    }
}

/// `mosquitto_lib_init` once per process. The same place ignores SIGPIPE: a write to a broker
/// that has just gone away must be an error on the socket, not the end of the gateway.
private let libraryInitialised: Bool = {
    mosquitto_lib_init()
    signal(SIGPIPE, SIG_IGN)
    return true
}()

private func mosquittoLibrary() {
    _ = libraryInitialised
}

/// The `struct mosquitto *`, destroyed exactly once after the loop thread is gone. libmosquitto
/// guards a handle with its own mutexes in threaded mode, so the loop thread and publishers may
/// use it at the same time. It keeps the callbacks its user-data pointer refers to alive.
private final class MosquittoHandle: @unchecked Sendable {
    let raw: OpaquePointer
    private let callbacks: MQTTCallbacks

    init(_ raw: OpaquePointer, callbacks: MQTTCallbacks) {
        self.raw = raw
        self.callbacks = callbacks
    }

    deinit { mosquitto_destroy(raw) }
}

/// The Swift side of libmosquitto's callbacks, reached through the handle's user-data pointer.
/// The handle keeps it alive for as long as it exists; no pointer leaves this file.
private final class MQTTCallbacks: Sendable {
    struct State {
        var connected = false
        var connectedSinceLastCheck = false
        var refused = false
        /// A failure of the current connection attempt was reported (by a callback).
        var reported = false
        /// libmosquitto's error log lines since the last report (the last few).
        var libraryErrors: [String] = []
    }

    let broker: String
    let events: @Sendable (MQTTEvent) -> Void
    private let state = Mutex(State())

    init(broker: String, events: @escaping @Sendable (MQTTEvent) -> Void) {
        self.broker = broker
        self.events = events
    }

    static func from(_ obj: UnsafeMutableRawPointer?) -> MQTTCallbacks {
        // Set in mosquitto_new to the instance the handle keeps alive.
        Unmanaged<MQTTCallbacks>.fromOpaque(obj!).takeUnretainedValue()
    }

    var isConnected: Bool { state.withLock { $0.connected } }

    func takeConnectedSinceLastCheck() -> Bool {
        state.withLock { s in
            defer { s.connectedSinceLastCheck = false }
            return s.connectedSinceLastCheck
        }
    }

    func libraryError(_ line: String) {
        state.withLock { s in
            s.libraryErrors.append(line)
            if s.libraryErrors.count > 4 { s.libraryErrors.removeFirst() }
        }
    }

    /// A new connection attempt starts: nothing reported for it yet.
    func attemptStarted() {
        state.withLock { s in
            s.reported = false
            s.libraryErrors = []
        }
    }

    /// Whether a callback reported this attempt's failure already.
    var failureReported: Bool { state.withLock { $0.reported } }

    /// `e` with what libmosquitto logged about it (which TLS check failed), once.
    func detailed(_ e: MQTTError) -> MQTTError {
        let lines = state.withLock { s in
            s.reported = true
            defer { s.libraryErrors = [] }
            return s.libraryErrors
        }
        guard !lines.isEmpty else { return e }
        // A failed host name check makes OpenSSL's "certificate verify failed" follow: the first says which.
        let hostName = lines.contains { $0.contains("host name verification failed") }
        let shown = hostName ? lines.filter { !$0.contains("certificate verify failed") } : lines
        var d = e
        d.message += " (" + shown.map(MQTTCallbacks.explain).joined(separator: "; ") + ")"
        return d
    }

    /// A log line of libmosquitto with what it means for the person who reads the gateway's log.
    static func explain(_ line: String) -> String {
        var text = line.replacing("OpenSSL Error[0]: ", with: "").replacing("Error: ", with: "")
        if text.hasSuffix(".") { text.removeLast() }
        if line.contains("certificate verify failed") {
            return text + ": the broker's certificate is not signed by the configured CA, or has expired or is not valid yet (check the CA file and the gateway's clock)"
        }
        if line.contains("host name verification failed") {
            return text + ": the broker's certificate does not name the host in uplink.url"
        }
        if line.contains("unexpected eof") || line.contains("wrong version number") || line.contains("packet length too long") {
            return text + ": is that port a TLS listener? (mqtts:// needs one; mqtt:// is plain)"
        }
        return text
    }

    func connected(_ rc: Int32) {
        if rc == 0 {
            state.withLock { s in
                s.connected = true
                s.connectedSinceLastCheck = true
            }
            events(.connected)
        } else {
            state.withLock { s in
                s.refused = true
                s.reported = true
            }
            let text = String(cString: mosquitto_connack_string(rc))
            events(.connectFailed(MQTTError(code: 0, function: "CONNACK", subject: broker, message: "the broker refused the connection: \(text)", refusal: rc)))
        }
    }

    func disconnected(_ rc: Int32, errno e: Int32) {
        let (wasConnected, wasRefused) = state.withLock { s in
            defer { (s.connected, s.refused) = (false, false) }
            return (s.connected, s.refused)
        }
        if rc == 0 {
            events(.disconnected)
        } else if wasConnected {
            events(.connectionLost(detailed(mqttError(rc, "mosquitto_loop", broker, errno: e))))
        } else if !wasRefused {
            events(.connectFailed(detailed(mqttError(rc, "mosquitto_loop", broker, errno: e))))
        }
    }
}

/// The loop thread's lifecycle: started once, asked to stop, sleeping between reconnects.
private final class LoopControl: Sendable {
    private let thread = Mutex<WorkerThread?>(nil)
    private let identity = UplinkThreadIdentity()
    /// Closed by `requestStop`, which wakes a reconnect backoff at once.
    private let stopSignal = BlockingQueue<Bool>()
    private let stopDeadline = Mutex<Int64?>(nil)

    func start(name: String, _ body: @escaping @Sendable () -> Void) throws(MQTTError) {
        try thread.withLock { (t: inout WorkerThread?) throws(MQTTError) in
            guard t == nil, !stopRequested else {
                throw MQTTError(code: Int32(MOSQ_ERR_INVAL.rawValue), function: "MQTTClient.start", subject: name, message: "the client was already started or stopped")
            }
            let identity = self.identity
            do throws(WorkerThreadError) {
                t = try WorkerThread(name: name) {
                    identity.claim()
                    body()
                }
            } catch {
                throw MQTTError(code: Int32(MOSQ_ERR_ERRNO.rawValue), function: "pthread_create", subject: name, message: error.description, errno: error.errno)
            }
        }
    }

    /// Marks the loop for stopping; false when it was already asked to.
    func requestStop() -> Bool {
        let first = stopDeadline.withLock { deadline in
            guard deadline == nil else { return false }
            // Time for a DISCONNECT already queued to reach the broker.
            deadline = monotonicMilliseconds() + 2000
            return true
        }
        if first { stopSignal.close() }
        return first
    }

    var stopRequested: Bool { stopDeadline.withLock { $0 != nil } }

    var stopGraceExpired: Bool { stopDeadline.withLock { $0.map { monotonicMilliseconds() >= $0 } ?? false } }

    /// Sleeps `milliseconds` unless asked to stop; false when stopping.
    func sleep(milliseconds: Int64) -> Bool {
        _ = stopSignal.pop(until: monotonicMilliseconds() + milliseconds)
        return !stopRequested
    }

    func join() {
        if !identity.isCurrent { thread.withLock { $0 }?.join() }
    }
}

private func mqttCheck(_ rc: Int32, _ function: String, _ subject: String) throws(MQTTError) {
    guard rc != success else { return }
    throw mqttError(rc, function, subject, errno: errno)
}

private func mqttError(_ rc: Int32, _ function: String, _ subject: String, errno e: Int32 = errno) -> MQTTError {
    if rc == Int32(MOSQ_ERR_ERRNO.rawValue) {
        return MQTTError(code: rc, function: function, subject: subject, message: String(cString: strerror(e)), errno: e)
    }
    return MQTTError(code: rc, function: function, subject: subject, message: String(cString: mosquitto_strerror(rc)))
}
