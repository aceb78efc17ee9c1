import FieldCore
import FieldDevices
import FieldHAL
import FieldSim
import Foundation
import Synchronization

extension RuntimeBenchmark {
    struct TCPOptions {
        var devices = 100
        var registers = 10
        var interval = Duration.seconds(1)
        var endpoints = 1
        var warmUp = 10.0
        var seconds = 60.0
        var fieldgate: String
    }

    /// The site: `devices` devices of one `registers`-register block, polled every `interval`,
    /// spread over `endpoints` Modbus TCP endpoints (one bus worker each).
    static func tcpSite(_ o: TCPOptions, ports: [Int]) -> String {
        let buses = ports.enumerated().map { i, port in #"{"name": "tcp-\#(i + 1)", "type": "tcp", "host": "127.0.0.1", "port": \#(port)}"# }
        let devices = (0..<o.devices).map { i in
            #"{"id": "dev-\#(i + 1)", "profile": "bench-\#(o.registers)", "bus": "tcp-\#(i % o.endpoints + 1)", "address": \#(i / o.endpoints + 1), "poll": "\#(formatDuration(o.interval))"}"#
        }
        return """
            {"site": {"id": "bench-tcp", "name": "fieldbench runtime: \(o.devices) devices × \(o.registers) registers over Modbus TCP"},
             "board": "sim",
             "profiles": [\(blockProfile(registers: o.registers))],
             "buses": [\(buses.joined(separator: ",\n  "))],
             "devices": [\(devices.joined(separator: ",\n  "))]}
            """
    }

    /// Part 1: the gateway's CPU share of one core and its memory while it polls `devices` ×
    /// `registers` over Modbus TCP, measured from /proc over `seconds` after `warmUp`.
    static func tcp(_ o: TCPOptions) throws {
        guard o.endpoints <= o.devices, (o.devices + o.endpoints - 1) / o.endpoints <= 247 else {
            throw UsageError("--endpoints: \(o.devices) devices need 1…\(o.devices) endpoints with at most 247 devices each")
        }
        let profile = try DeviceProfile.parse(blockProfile(registers: o.registers), source: "fieldbench runtime")
        let server = ModbusTCPServer(name: "fieldbench-runtime")
        defer { server.stop() }
        var ports: [Int] = []
        var banks: [RegisterBank] = []
        let first = RegisterBank(profile: profile)
        for _ in 0..<o.endpoints { ports.append(try server.listen().port) }
        for i in 0..<o.devices {
            let bank = i == 0 ? first : RegisterBank(sameModelAs: first)
            try server.listeners[i % o.endpoints].attach(bank, unit: UInt8(i / o.endpoints + 1))
            banks.append(bank)
        }
        try server.start()
        let values = ValueTicker(banks: banks, registers: o.registers)
        values.start()
        defer { values.stop() }

        let directory = try Waiting.temporaryDirectory(prefix: "fieldbench-runtime")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        print("fieldbench runtime tcp: fieldgate run (\(o.fieldgate)) as its own process, board sim")
        print("load: \(o.devices) devices × \(o.registers) holding registers (one read each) every \(formatDuration(o.interval)) over "
              + "\(o.endpoints) Modbus TCP endpoint\(o.endpoints == 1 ? "" : "s") on 127.0.0.1 (this process's ModbusTCPServer; values change every second)")
        let gateway = try GatewayUnderTest(site: tcpSite(o, ports: ports), directory: directory, fieldgate: o.fieldgate)
        defer { gateway.stop() }
        let startup = try gateway.memory()
        usleep(useconds_t(o.warmUp * 1e6))

        let before = try gateway.cpu()
        let served = server.statistics
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
        rssMax = max(rssMax, memory.rss)
        let answered = server.statistics.replies - served.replies
        let devices = try gateway.call(["op": "devices"]).arrayValue ?? []
        let failures = devices.compactMap { $0["stats"]?["failures"]?.numberValue }.reduce(0, +)

        let user = Double(after.user - before.user), system = Double(after.system - before.system)
        let share = (user + system) / 1e6 / elapsed * 100
        print("")
        print(String(format: "window              %.1f s after %.0f s of warm-up", elapsed, o.warmUp))
        print(String(format: "polls answered      %.1f /s (expected %.1f /s); failed requests since start %.0f",
                     Double(answered) / elapsed, Double(o.devices) / inSeconds(o.interval), failures))
        print(String(format: "CPU, one core       %.2f %%   (user %.2f %%, system %.2f %%; target ≤ 1 %%)",
                     share, user / 1e6 / elapsed * 100, system / 1e6 / elapsed * 100))
        print(String(format: "CPU per poll        %.1f µs", (user + system) / Double(max(1, answered))))
        print(String(format: "RSS                 %.1f MB now, %.1f MB highest in the window, %.1f MB peak since start (VmHWM; target ≤ 12 MB)",
                     memory.rss / 1024, rssMax / 1024, memory.peak / 1024))
        print(String(format: "                    %.1f MB of it the gateway's own (RssAnon), %.1f MB pages of the binary and C libraries (RssFile: shared, clean)",
                     memory.anonymous / 1024, memory.file / 1024))
        print(String(format: "                    %.1f MB when every device had answered; %d threads", startup.rss / 1024, memory.threads))
        print("CPU by thread (ms in the window): " + after.threads.map { name, us in (name, us - (before.threads[name] ?? 0)) }
            .filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.map { "\($0.0) \($0.1 / 1000)" }.joined(separator: ", "))
    }

    /// Changes every device's registers once a second, as live sensors do, so the gateway's
    /// change detection and trends do real work.
    final class ValueTicker: Sendable {
        private let banks: [RegisterBank]
        private let registers: Int
        private let stopped = Atomic<Bool>(false)

        init(banks: [RegisterBank], registers: Int) {
            self.banks = banks
            self.registers = registers
        }

        func start() {
            Thread { [self] in
                var round = 0
                while !stopped.load(ordering: .relaxed) {
                    round += 1
                    for (i, bank) in banks.enumerated() {
                        try? bank.setRegisters(.holding, at: 0, (0..<registers).map { UInt16(truncatingIfNeeded: round * 7 + i * 13 + $0) })
                    }
                    usleep(1_000_000)
                }
            }.start()
        }

        func stop() { stopped.store(true, ordering: .relaxed) }
    }
}
