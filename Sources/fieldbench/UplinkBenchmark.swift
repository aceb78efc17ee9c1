import FieldCore
import FieldDevices
import FieldRuntime
import FieldSim
import Foundation

/// `fieldbench uplink`: how fast the outbox drains to a broker after an outage. Fills an outbox
/// with N telemetry records while no broker runs, starts a local `mosquitto`, starts the uplink
/// and measures until the broker has acknowledged the last record (PUBACK, QoS 1).
enum UplinkBenchmark {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let help = """
    usage: fieldbench uplink [--messages N] [--payload BYTES] [--window N]

      --messages N     records in the backlog (default 100000)
      --payload BYTES  bytes per message (default 200, a poll cycle of a few devices)
      --window N       records in flight at once (default 256, the uplink's default)

    Needs mosquitto (apt-get install mosquitto); starts its own on a free port of 127.0.0.1.
    """

    static func run(_ arguments: [String]) throws {
        if arguments.contains("--help") {
            print(help)
            return
        }
        var options = ["messages": "100000", "payload": "200", "window": "256"]
        var rest = arguments[...]
        while let key = rest.popFirst() {
            guard key.hasPrefix("--"), options[String(key.dropFirst(2))] != nil, let value = rest.popFirst() else { throw Failure(description: help) }
            options[String(key.dropFirst(2))] = value
        }
        guard let count = Int(options["messages"]!), count > 0, let size = Int(options["payload"]!), size > 0,
              let window = Int(options["window"]!), window > 0 else { throw Failure(description: help) }

        LogBook.shared.minimum = .warning
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbench-uplink-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // The outage: the backlog builds up while no broker runs.
        let outbox = try Outbox(path: dir.appendingPathComponent("outbox.db").path, maxBytes: max(64 << 20, count * (size + 128) * 2))
        let topic = "v1/gateway/telemetry"
        let (head, tail) = (#"{"bench.device":[{"ts":1767225600000,"values":{"pad":""#, #""}}]}"#)
        let payload = Array((head + String(repeating: "x", count: max(0, size - head.utf8.count - tail.utf8.count)) + tail).utf8)
        let fillStart = monotonicNanoseconds()
        var queued = 0
        while queued < count {
            let n = min(1000, count - queued)
            outbox.post(Array(repeating: OutboxMessage(topic: topic, payload: payload), count: n))
            queued += n
        }
        try waitUntil(seconds: 600) { outbox.stats.totalDepth == count }
        let fillSeconds = Double(monotonicNanoseconds() - fillStart) / 1e9

        let broker = try Broker(directory: dir.path)
        defer { broker.stop() }
        let url = MQTTURL("mqtt://127.0.0.1:\(broker.port)")!
        let uplink = try Uplink(settings: UplinkSettings(url: url, reconnectDelay: .milliseconds(50) ... .seconds(1), window: window),
                                identity: UplinkIdentity(gateway: "bench"), devices: [], outbox: outbox, commands: OutboxWriter.Refuse())
        let start = monotonicNanoseconds()
        try uplink.start()
        try waitUntil(seconds: 30) { uplink.status.connected }
        let connected = monotonicNanoseconds()
        try waitUntil(seconds: 3600) { outbox.stats.totalDepth == 0 }
        let done = monotonicNanoseconds()

        // Live alarms once the backlog is gone: each one stored with an fsync (through the sink the
        // engine hands alarms to), then acknowledged.
        let sink = OutboxSink(audit: nil, outbox: outbox, encoder: uplink.encoder)
        var appendTimes: [Double] = []
        var ackTimes: [Double] = []
        for n in 0..<200 {
            let event = AlarmEvent(kind: n % 2 == 0 ? .raise : .clear, id: AlarmID(device: "bench", type: "alarm-button"),
                                   severity: .critical, time: SystemClock().now(), value: nil, message: "alarm \(n)")
            let t = monotonicNanoseconds()
            sink.alarm(event)
            appendTimes.append(Double(monotonicNanoseconds() - t) / 1e6)
            try waitUntil(seconds: 10) { outbox.stats.totalDepth == 0 }
            ackTimes.append(Double(monotonicNanoseconds() - t) / 1e6)
        }
        uplink.stop()

        let drain = Double(done - connected) / 1e9
        print("uplink backlog drain: \(count) records of \(payload.count) bytes, window \(window), local mosquitto")
        print("  backlog written:    \(format(fillSeconds)) s (\(Int(Double(count) / fillSeconds)) records/s, telemetry group commits)")
        print("  connect:            \(format(Double(connected - start) / 1e6)) ms")
        print("  drain to last PUBACK: \(format(drain)) s = \(Int(Double(count) / drain)) messages/s")
        print("live alarms, 200 one at a time (event + mirror, fsync):")
        print("  stored:             p50 \(format(percentile(appendTimes, 0.5))) ms, p99 \(format(percentile(appendTimes, 0.99))) ms")
        print("  stored to PUBACK:   p50 \(format(percentile(ackTimes, 0.5))) ms, p99 \(format(percentile(ackTimes, 0.99))) ms")
    }

    private static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    private static func format(_ v: Double) -> String { String(format: "%.3f", v) }

    private static func waitUntil(seconds: Double, _ condition: () -> Bool) throws {
        let deadline = monotonicMilliseconds() + Int64(seconds * 1000)
        while !condition() {
            guard monotonicMilliseconds() < deadline else { throw Failure(description: "timed out after \(seconds) s") }
            usleep(500)
        }
    }

    /// A `mosquitto` on 127.0.0.1, in the benchmark's directory.
    final class Broker {
        let port: Int
        private let process = Process()

        /// - Parameters:
        ///   - port: where to listen (default: a free port); a broker started again on the same
        ///     port ends an outage.
        ///   - persistent: keep sessions and their queued messages across a stop and start.
        init(directory: String, port: Int? = nil, persistent: Bool = false) throws {
            self.port = try port ?? Waiting.freePort()
            let config = directory + "/mosquitto.conf"
            let persistence = persistent ? "persistence true\npersistence_location \(directory)/\n" : "persistence false\n"
            // set_tcp_nodelay: without it the broker's PUBACKs wait for Nagle and delayed ACKs
            // (≈ 40 ms), which would measure the broker's socket settings, not the gateway.
            try "user \(NSUserName())\n\(persistence)listener \(self.port) 127.0.0.1\nset_tcp_nodelay true\nallow_anonymous true\nmax_queued_messages 0\n"
                .write(toFile: config, atomically: true, encoding: .utf8)
            guard let binary = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"].first(where: FileManager.default.isExecutableFile) else {
                throw Failure(description: "mosquitto is not installed (apt-get install mosquitto)")
            }
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["-c", config]
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            let deadline = monotonicMilliseconds() + 10_000
            while !Waiting.accepts(port: self.port) {
                guard process.isRunning, monotonicMilliseconds() < deadline else { throw Failure(description: "mosquitto did not start") }
                usleep(2000)
            }
        }

        /// SIGTERM (a persistent broker saves its sessions), SIGKILL after 5 s.
        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            let deadline = monotonicMilliseconds() + 5000
            while process.isRunning, monotonicMilliseconds() < deadline { usleep(2000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }
}
