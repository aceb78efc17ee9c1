#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldRuntime
import Foundation

/// `fieldbench gateway`: the whole gateway between the simulator and a broker, as the real
/// processes run (`fieldsim run`, `fieldgate run --mqtt`, a local `mosquitto`):
///
/// 1. **Backlog drain after an outage.** The gateway's outbox holds a long outage's telemetry
///    (written into its `outbox.db` with the outbox's own API before the gateway starts: a day's
///    worth cannot be made in real time) when the gateway starts with the broker down; it runs
///    the demo site for a while, storing its own telemetry and an alarm; then the broker comes
///    back and the drain is timed from the gateway's reconnection to its outbox being empty
///    (every record acknowledged and deleted), and at a subscriber.
/// 2. **Alarm button to broker.** An alarm button is pressed in the simulator (a forced contact
///    on its GPIO line); the simulator stamps the edge (wall clock, ms) and the gateway carries
///    the stamp as the reading's time; a subscriber stamps the alarm message's arrival (wall
///    clock, µs). Both the site's lift (as shipped: 50 ms signal debounce + 300 ms lift-app
///    debounce) and a button with no debounce at all.
enum LatencyBenchmark {
    static let help = """
    usage: fieldbench gateway [--backlog N] [--presses N] [--shipped-presses N]

      --backlog N          records in the outbox when the broker comes back (default 100000)
      --presses N          presses of the button without debounce (default 200; 0 skips)
      --shipped-presses N  presses of lift-1's button, debounced as shipped (default 200; 0 skips)

    Needs the release fieldgate and fieldsim next to this binary, the source checkout (boards/,
    simulator/sites/demo.json) and mosquitto (apt-get install mosquitto).
    """

    static func run(_ arguments: [String]) throws {
        if arguments.contains("--help") {
            print(help)
            return
        }
        var options = ["backlog": "100000", "presses": "200", "shipped-presses": "200"]
        var rest = arguments[...]
        while let key = rest.popFirst() {
            guard key.hasPrefix("--"), options[String(key.dropFirst(2))] != nil, let value = rest.popFirst() else {
                throw UplinkBenchmark.Failure(description: help)
            }
            options[String(key.dropFirst(2))] = value
        }
        guard let backlog = Int(options["backlog"]!), backlog > 0, let presses = Int(options["presses"]!), presses >= 0,
              let shipped = Int(options["shipped-presses"]!), shipped >= 0 else { throw UplinkBenchmark.Failure(description: help) }

        LogBook.shared.minimum = .warning
        let rig = try Rig()
        print("gateway end to end: fieldsim run + fieldgate run --mqtt + mosquitto on 127.0.0.1 (set_tcp_nodelay), demo site + button-1")
        try drain(rig, backlog: backlog)
        if presses > 0 {
            try report(presses: try pressAndTime(rig, device: "button-1", count: presses),
                       of: "button-1: no debounce (signal 0 ms, lift app 0 ms)")
        }
        if shipped > 0 {
            try report(presses: try pressAndTime(rig, device: "lift-1", count: shipped),
                       of: "lift-1: as shipped (fg-lift-ctl signal debounce 50 ms, lift app debounce 300 ms)")
        }
    }

    // MARK: Drain

    static func drain(_ rig: Rig, backlog: Int) throws {
        let written = try fillOutbox(rig, records: backlog)
        // The observer's session exists before the outage, so the broker keeps what it misses.
        try rig.startBroker()
        try rig.observer.start()
        try waitUntil(seconds: 30) { rig.observer.isSubscribed }
        rig.stopBroker()

        try rig.startSimulator()
        try rig.startGateway()
        let outageStart = monotonicMilliseconds()
        // Ten seconds of the outage in the field, with an alarm the drain must not hold back.
        usleep(5_000_000)
        try rig.ctl("set", "button-1.alarm-button", "true")
        try waitUntil(seconds: 10) { rig.gatewayLog.contains("raise button-1/alarm-button") }
        try rig.ctl("release", "button-1.alarm-button")
        usleep(5_000_000)
        let waiting = try pending(rig)
        let outage = Double(monotonicMilliseconds() - outageStart) / 1000

        let mark = rig.observer.count
        try rig.startBroker()
        // The gateway comes back on its own reconnect schedule; it says so on its status topic.
        var online: Int64?
        try waitUntil(seconds: 120) {
            online = rig.observer.arrivals(from: mark).first { $0.topic == "fieldgate/demo/status" && String(decoding: $0.payload, as: UTF8.self).contains("\"online\":true") }?.micros
            return online != nil
        }
        var empty: Int64 = 0
        try waitUntil(seconds: 600, every: 2) {
            empty = wallMicroseconds()
            return (try? pending(rig)) == 0
        }
        let connected = online!
        let seconds = Double(empty - connected) / 1e6
        // The broker passes the last messages on to the subscriber a little after their PUBACKs.
        let outboxTopics: Set<String> = ["v1/gateway/telemetry", "v1/devices/me/telemetry", "fieldgate/demo/alarms"]
        var drained: [Observer.Arrival] = []
        try? waitUntil(seconds: 30, every: 10) {
            drained = Array(rig.observer.arrivals(from: mark).filter { $0.micros >= connected && outboxTopics.contains($0.topic) }.prefix(waiting))
            return drained.count == waiting
        }
        let firstTelemetry = drained.firstIndex { $0.topic == "v1/gateway/telemetry" && !String(decoding: $0.payload, as: UTF8.self).contains("\"alarm.") }
        let alarm = drained.firstIndex { $0.topic == "fieldgate/demo/alarms" }

        print("backlog drain after an outage (\(format(outage, 1)) s with the broker down):")
        print("  in the outbox at the return: \(waiting) records = \(backlog) written before the start (\(format(Double(backlog) / 3600, 1)) h of 1 s telemetry, ≈ \(written) B each) + \(waiting - backlog) the gateway stored")
        print("  gateway reconnected → outbox empty (last PUBACK, deleted): \(format(seconds, 2)) s = \(Int(Double(waiting) / seconds)) messages/s")
        if let last = drained.last, drained.count == waiting {
            let span = Double(last.micros - connected) / 1e6
            print("  at the subscriber: reconnection → last of the \(waiting): \(format(span, 2)) s = \(Int(Double(waiting) / span)) messages/s")
        } else {
            print("  at the subscriber: \(drained.count) of \(waiting) arrived")
        }
        if let alarm, let firstTelemetry {
            let after = Double(drained[alarm].micros - connected) / 1000
            print("  the outage's alarm arrived \(format(after, 1)) ms after the reconnection, message \(alarm + 1); the first telemetry record was message \(firstTelemetry + 1)")
        }
    }

    /// Writes `records` telemetry batches like the demo site's (a few devices' changed values,
    /// one second apart, ending now) into the gateway's outbox file; the size of the last one.
    static func fillOutbox(_ rig: Rig, records: Int) throws -> Int {
        try FileManager.default.createDirectory(atPath: rig.gatewayDirectory, withIntermediateDirectories: true)
        let outbox = try Outbox(path: rig.gatewayDirectory + "/outbox.db", maxBytes: 256 << 20)
        let encoder = UplinkEncoder(topics: UplinkTopics(gateway: "demo"), identity: UplinkIdentity(gateway: "demo"))
        let end = SystemClock().now().milliseconds
        var size = 0
        var queued = 0
        while queued < records {
            let batch = (queued..<min(records, queued + 1000)).compactMap { i -> OutboxMessage? in
                let t = Timestamp(milliseconds: end - Int64(records - i) * 1000)
                let wave = Double(i % 600) / 600
                return encoder.telemetry([
                    TelemetrySample(device: "env-1", time: t, values: ["noise": .number(45 + 6 * wave), "humidity": .number(70 + wave)]),
                    TelemetrySample(device: "lamp-1", time: t, values: ["voltage": .number(229.5 + wave)]),
                    TelemetrySample(device: "main-pt", time: t, values: ["pressure": .number(0.298 + 0.004 * wave)]),
                    TelemetrySample(device: "s8-1", time: t, values: ["co2": .number(Double(420 + i % 60))]),
                ])
            }
            size = batch.last?.payload.count ?? size
            outbox.post(batch)
            queued += batch.count
        }
        try waitUntil(seconds: 600) { outbox.stats.totalDepth == records }
        outbox.close()
        return size
    }

    static func pending(_ rig: Rig) throws -> Int {
        guard let n = try rig.status()["outbox"]?["pending"]?.numberValue else { throw UplinkBenchmark.Failure(description: "no outbox in the gateway's status") }
        return Int(n)
    }

    // MARK: Presses

    /// One press: from the edge (the simulator's stamp, ms) to the raise (the gateway's alarm
    /// time, ms) to the message at the subscriber (µs).
    struct Press {
        var edge: Int64
        var raise: Int64
        var arrival: Int64

        var total: Double { Double(arrival - edge * 1000) / 1000 }
        var toRaise: Double { Double(raise - edge) }
        var toArrival: Double { Double(arrival - raise * 1000) / 1000 }
    }

    /// Presses `device`'s alarm button `count` times, each held until its raise arrived and
    /// released until its clear arrived, 20–1020 ms apart at random: a clear comes with one of
    /// the app's inputs (its one-second tick, its controller's one-second poll), and presses a
    /// fixed time after it would all find the next input equally far away.
    static func pressAndTime(_ rig: Rig, device: String, count: Int) throws -> [Press] {
        let alarm = "\(device)/alarm-button"
        var presses: [Press] = []
        for _ in 0..<count {
            let mark = rig.observer.count
            try rig.ctl("set", "\(device).alarm-button", "true")
            var raise: (Observer.Arrival, JSONValue)?
            try waitUntil(seconds: 10) {
                raise = alarmEvent(rig, from: mark, alarm: alarm, event: "raise")
                return raise != nil
            }
            let (arrival, payload) = raise!
            let point = try rig.point("\(device).alarm-button")
            guard point.value == .bool(true), let edge = point.time, let raised = payload["ts"]?.numberValue else {
                throw UplinkBenchmark.Failure(description: "\(device).alarm-button reads \(point) after its raise")
            }
            presses.append(Press(edge: edge, raise: Int64(raised), arrival: arrival.micros))
            let released = rig.observer.count
            try rig.ctl("release", "\(device).alarm-button")
            try waitUntil(seconds: 10) { alarmEvent(rig, from: released, alarm: alarm, event: "clear") != nil }
            usleep(useconds_t.random(in: 20_000 ... 1_020_000))
        }
        return presses
    }

    private static func alarmEvent(_ rig: Rig, from mark: Int, alarm: String, event: String) -> (Observer.Arrival, JSONValue)? {
        for a in rig.observer.arrivals(from: mark) where a.topic == "fieldgate/demo/alarms" {
            guard let p = try? JSONValue.parse(String(decoding: a.payload, as: UTF8.self)) else { continue }
            if p["alarm"] == .string(alarm), p["event"] == .string(event) { return (a, p) }
        }
        return nil
    }

    static func report(presses: [Press], of what: String) throws {
        print("alarm button pressed in the simulator → alarm message at the subscriber, \(presses.count) presses, \(what):")
        for (name, values) in [("edge → message", presses.map(\.total)), ("  edge → raise (GPIO, debounce, engine, app)", presses.map(\.toRaise)),
                               ("  raise → message (outbox fsync, MQTT, broker)", presses.map(\.toArrival))] {
            print("  \(name): p50 \(format(percentile(values, 0.5), 1)) ms, p99 \(format(percentile(values, 0.99), 1)) ms, max \(format(values.max() ?? 0, 1)) ms")
        }
    }

    // MARK: Helpers

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    static func format(_ v: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", v) }

    static func waitUntil(seconds: Double, every milliseconds: Int = 1, _ condition: () throws -> Bool) throws {
        let deadline = monotonicMilliseconds() + Int64(seconds * 1000)
        while try !condition() {
            guard monotonicMilliseconds() < deadline else { throw UplinkBenchmark.Failure(description: "timed out after \(seconds) s") }
            usleep(useconds_t(milliseconds * 1000))
        }
    }
}
