import FieldCore
import FieldDevices
import FieldHAL
import FieldSim
import Foundation

extension RuntimeBenchmark {
    struct WearOptions {
        var devices = 100
        var registers = 20
        var interval = Duration.seconds(1)
        var warmUp = 30.0
        var seconds = 600.0
        var brokerUp = true
        var fieldgate: String
    }

    /// The `tcp` site with an uplink to `port` and telemetry batched every `interval` (every
    /// poll's changes go out).
    static func wearSite(_ o: WearOptions, modbusPort: Int, brokerPort: Int) -> String {
        let devices = (0..<o.devices).map { i in
            #"{"id": "dev-\#(i + 1)", "profile": "bench-\#(o.registers)", "bus": "tcp-1", "address": \#(i + 1), "poll": "\#(formatDuration(o.interval))"}"#
        }
        return """
            {"site": {"id": "bench-wear", "name": "fieldbench runtime wear: \(o.devices) devices × \(o.registers) points"},
             "board": "sim",
             "profiles": [\(blockProfile(registers: o.registers))],
             "buses": [{"name": "tcp-1", "type": "tcp", "host": "127.0.0.1", "port": \(modbusPort)}],
             "devices": [\(devices.joined(separator: ",\n  "))],
             "uplink": {"url": "mqtt://127.0.0.1:\(brokerPort)"},
             "storage": {"telemetryInterval": "\(formatDuration(o.interval))"}}
            """
    }

    /// `write_bytes` of /proc/PID/io: bytes the process caused to be written to the block
    /// device (the state directory's file system must be disk-backed, not tmpfs).
    static func writeBytes(pid: Int32) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("write_bytes:") }),
              let n = Int(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces)) else {
            throw Failure(description: "no write_bytes in /proc/\(pid)/io")
        }
        return n
    }

    /// Part 4: bytes the gateway writes to its state partition per day at `devices` ×
    /// `registers` changing every `interval`, with the broker up (telemetry goes out from memory)
    /// or down (it is stored): `write_bytes` over `seconds` after `warmUp`, extrapolated to a day.
    static func wear(_ o: WearOptions) throws {
        guard o.devices <= 247 else { throw UsageError("--devices: at most 247 on one endpoint") }
        let profile = try DeviceProfile.parse(blockProfile(registers: o.registers), source: "fieldbench runtime wear")
        let server = ModbusTCPServer(name: "fieldbench-wear")
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

        let directory = try Waiting.temporaryDirectory(prefix: "fieldbench-wear")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var broker: UplinkBenchmark.Broker?
        let brokerPort: Int
        if o.brokerUp {
            broker = try UplinkBenchmark.Broker(directory: directory)
            brokerPort = broker!.port
        } else {
            brokerPort = try Waiting.freePort()  // nothing listens: the broker is down
        }
        defer { broker?.stop() }
        print("fieldbench runtime wear: fieldgate run (\(o.fieldgate)), board sim, state directory on \(directory) (disk-backed)")
        print("load: \(o.devices) devices × \(o.registers) holding registers, every value changing every \(formatDuration(o.interval)); "
              + "telemetry every \(formatDuration(o.interval)); broker \(o.brokerUp ? "up (local mosquitto)" : "down (nothing listens)")")
        let gateway = try GatewayUnderTest(site: wearSite(o, modbusPort: port, brokerPort: brokerPort), directory: directory, fieldgate: o.fieldgate)
        defer { gateway.stop() }
        usleep(useconds_t(o.warmUp * 1e6))

        func outbox() -> (pending: Double, dropped: Double) {
            let status = try? gateway.call(["op": "status"])
            return (status?["outbox"]?["pending"]?.numberValue ?? 0, status?["outbox"]?["dropped"]?.numberValue ?? 0)
        }
        let before = try writeBytes(pid: gateway.process.pid)
        let outboxBefore = outbox()
        let start = monotonicNanoseconds()
        usleep(useconds_t(o.seconds * 1e6))
        let after = try writeBytes(pid: gateway.process.pid)
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        let outboxAfter = outbox()
        let status = try? gateway.call(["op": "status"])
        let written = Double(after - before)
        let perDay = written / elapsed * 86_400
        print("")
        print(String(format: "window              %.0f s after %.0f s of warm-up", elapsed, o.warmUp))
        print(String(format: "written             %.0f bytes = %.1f bytes/s (/proc/PID/io write_bytes)", written, written / elapsed))
        print(String(format: "per day             %.1f MB (%.3f GiB)%@", perDay / 1e6, perDay / 1_073_741_824, o.brokerUp ? "; target ≤ 50 MB" : ""))
        print("at the end          uplink connected: \(status?["uplink"]?["connected"] == .bool(true)); outbox \(status?["outbox"]?.serialized() ?? "?")")
        if !o.brokerUp {
            let cycles = elapsed / inSeconds(o.interval)
            let stored = outboxAfter.pending - outboxBefore.pending + outboxAfter.dropped - outboxBefore.dropped
            let samples = cycles * Double(o.devices * o.registers)
            print(String(format: "stored              %.0f records (%.0f evicted) in the window, %.0f samples", stored,
                         outboxAfter.dropped - outboxBefore.dropped, samples))
            print(String(format: "per stored sample   %.1f bytes written (%.0f bytes per poll-cycle record)", written / max(1, samples), written / max(1, stored)))
        }
    }
}
