import FieldCore
import FieldDevices
import FieldSim
import Foundation

extension RuntimeBenchmark {
    struct DeliveryOptions {
        var devices = 100
        var registers = 20
        var interval = Duration.seconds(1)
        var seconds = 600.0
        var fieldgate: String
    }

    /// Part `delivery`: samples delivered ÷ samples polled through the real gateway and broker.
    ///
    /// The real `fieldgate run` polls `devices` × `registers` over Modbus TCP and sends its
    /// telemetry (site defaults: `storage.telemetry` `every`, 5 s records) to a real mosquitto; a
    /// subscriber keeps every telemetry message. Polled = reads this process's server answered ×
    /// registers (each register is one point); delivered = distinct (device, point, ts) values that
    /// reached the broker. The server stops answering at the end of the window, so no read
    /// straddles it, and the outbox is given time to drain before counting.
    static func delivery(_ o: DeliveryOptions) throws {
        let profile = try DeviceProfile.parse(blockProfile(registers: o.registers), source: "fieldbench runtime")
        let server = ModbusTCPServer(name: "fieldbench-delivery")
        defer { server.stop() }
        let port = try server.listen().port
        var banks: [RegisterBank] = []
        let first = RegisterBank(profile: profile)
        for i in 0..<o.devices {
            let bank = i == 0 ? first : RegisterBank(sameModelAs: first)
            try server.listeners[0].attach(bank, unit: UInt8(i + 1))
            banks.append(bank)
        }
        try server.start()
        let values = ValueTicker(banks: banks, registers: o.registers)
        values.start()
        defer { values.stop() }

        let directory = try Waiting.temporaryDirectory(prefix: "fieldbench-delivery")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broker = try UplinkBenchmark.Broker(directory: directory)
        defer { broker.stop() }
        let observer = try LatencyBenchmark.Observer(port: broker.port)
        try observer.start()
        defer { observer.stop() }
        try LatencyBenchmark.waitUntil(seconds: 10) { observer.isSubscribed }

        var site = tcpSite(TCPOptions(devices: o.devices, registers: o.registers, interval: o.interval, fieldgate: o.fieldgate), ports: [port])
        site.removeLast()
        site += #", "uplink": {"url": "mqtt://127.0.0.1:\#(broker.port)"}}"#
        print("fieldbench runtime delivery: fieldgate run (\(o.fieldgate)) → mosquitto \(broker.port) → a subscriber")
        print("load: \(o.devices) devices × \(o.registers) holding registers every \(formatDuration(o.interval)) over Modbus TCP; "
              + "storage.telemetry every (the default), telemetryInterval 5s (the default)")
        let gateway = try GatewayUnderTest(site: site, directory: directory, fieldgate: o.fieldgate)
        defer { gateway.stop() }
        let before = try gateway.cpu()
        let start = monotonicNanoseconds()
        var rssMax = 0.0
        let end = start + UInt64(o.seconds * 1e9)
        while monotonicNanoseconds() < end {
            rssMax = max(rssMax, try gateway.memory().rss)
            usleep(useconds_t(min(1.0, Double(end - min(end, monotonicNanoseconds())) / 1e9) * 1e6))
        }
        let after = try gateway.cpu()
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        let memory = try gateway.memory()
        server.stop()
        let polled = server.statistics.replies * o.registers
        // Drained when nothing new arrived for three telemetry intervals.
        var seen = observer.count
        var quietSince = monotonicNanoseconds()
        let drainDeadline = monotonicNanoseconds() + 120_000_000_000
        while monotonicNanoseconds() - quietSince < 15_000_000_000, monotonicNanoseconds() < drainDeadline {
            usleep(500_000)
            if observer.count != seen { (seen, quietSince) = (observer.count, monotonicNanoseconds()) }
        }
        var delivered = Set<String>()
        var duplicates = 0
        for a in observer.arrivals() where a.topic == "v1/gateway/telemetry" {
            guard case .object(let devices)? = try? JSONValue.parse(String(decoding: a.payload, as: UTF8.self)) else { continue }
            for (device, samples) in devices {
                for s in samples.arrayValue ?? [] {
                    guard let ts = s["ts"]?.numberValue, let values = s["values"]?.objectValue else { continue }
                    for key in values.keys where !key.hasSuffix(".quality") && !key.hasPrefix("alarm.") {
                        if !delivered.insert("\(device) \(key) \(Int64(ts))").inserted { duplicates += 1 }
                    }
                }
            }
        }
        let user = Double(after.user - before.user), system = Double(after.system - before.system)
        print("")
        print(String(format: "window              %.1f s; then the server stopped answering and the outbox drained", elapsed))
        print("samples polled      \(polled) (\(server.statistics.replies) reads answered × \(o.registers) points)")
        print("samples delivered   \(delivered.count) distinct (device, point, ts) at the broker; \(duplicates) sent twice (at least once)")
        print(String(format: "delivered ÷ polled  %.4f %%   (target ≥ 99.99 %%)", Double(delivered.count) / Double(max(1, polled)) * 100))
        print(String(format: "CPU, one core       %.2f %%   (user %.2f %%, system %.2f %%)",
                     (user + system) / 1e6 / elapsed * 100, user / 1e6 / elapsed * 100, system / 1e6 / elapsed * 100))
        print(String(format: "RSS                 %.1f MB now, %.1f MB highest in the window, %.1f MB peak since start (VmHWM)",
                     memory.rss / 1024, rssMax / 1024, memory.peak / 1024))
    }
}
