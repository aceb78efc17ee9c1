import CModbusBaseline
import FieldCore
import FieldDevices
import FieldHAL
import FieldSim
import Foundation

/// `fieldbench sim`: how the simulator's wire side scales, in one run.
///
/// 1. One `fieldsim run` process emulates N ≥ 10,000 Modbus TCP devices: a generated site of
///    `fg-pressure-tx` transmitters, 247 to a TCP bus, their models and physics running as in any
///    site (`--wire-only`: this binary's `sim --serve-devices N` instead, the register banks on
///    one `ModbusTCPServer` and no models, to see what the simulation itself costs).
///    A C libmodbus load (`sim_load_run`: threads × libmodbus contexts, one connection per
///    listener, each read going to the next unit) runs against it and, with the same shape, against
///    the plain C libmodbus server (`mb_baseline_server_*`), alternating in short rounds so other
///    load on the machine touches both alike. Printed: both rates, the median per-round ratio,
///    and the simulator process's RSS.
/// 2. One paced 9600 8N1 RTU bus on a pty, read by FieldHAL's `ModbusClient` (which keeps t3.5
///    between frames): transactions per second against the line's physical limit
///    (`ModbusRTUSettings.readTime`), as utilisation.
enum SimBenchmark {
    static let help = """
    usage: fieldbench sim [--devices N] [--threads T] [--rounds R] [--seconds S] [--rtu-seconds S] [--registers 2,10,60] [--wire-only]

      --devices N      simulated TCP devices (default 10127: 41 listeners × 247 units)
      --threads T      client threads of the load (default 4)
      --rounds R       rounds per server, alternating (default 21)
      --seconds S      length of one round (default 0.5)
      --rtu-seconds S  how long each RTU register count is read (default 4; 0 skips the RTU part)
      --registers LIST registers per RTU read (default 2,10,60)
      --wire-only      serve static register banks from a child of fieldbench instead of running
                       fieldsim (the wire server alone, without models or physics)

    Needs the release fieldsim next to this binary and the source checkout's boards/.
    """

    static let unitsPerListener = 247
    /// Input registers read per TCP transaction: the transmitter's f32 pressure.
    static let tcpRegisters = 2

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String]) throws {
        let parsed = try ParsedArguments(arguments, valued: ["devices", "threads", "rounds", "seconds", "rtu-seconds", "registers",
                                                             "serve-devices", "serve-baseline"],
                                         flags: ["help", "wire-only"])
        if parsed.flags.contains("help") {
            print(help)
            return
        }
        guard parsed.positionals.isEmpty else { throw UsageError("unexpected \"\(parsed.positionals[0])\"\n\n\(help)") }
        if let devices = parsed.options["serve-devices"] {
            return try serve(devices: try ModbusBenchmark.positive(devices, "--serve-devices"))
        }
        if let connections = parsed.options["serve-baseline"] {
            return try serveBaseline(connections: try ModbusBenchmark.positive(connections, "--serve-baseline"))
        }
        let devices = try ModbusBenchmark.positive(parsed.options["devices"] ?? "10127", "--devices")
        let threads = try ModbusBenchmark.positive(parsed.options["threads"] ?? "4", "--threads")
        let rounds = try ModbusBenchmark.positive(parsed.options["rounds"] ?? "21", "--rounds")
        let seconds = try number(parsed.options["seconds"] ?? "0.5", "--seconds")
        let rtuSeconds = try number(parsed.options["rtu-seconds"] ?? "4", "--rtu-seconds", allowZero: true)
        let registers = try (parsed.options["registers"] ?? "2,10,60").split(separator: ",").map { word in
            let n = try ModbusBenchmark.positive(String(word), "--registers")
            guard n <= ModbusLimits.readRegisters else { throw UsageError("--registers: \(n) is over 125") }
            return n
        }
        try tcpScale(devices: devices, threads: threads, rounds: rounds, seconds: seconds, wireOnly: parsed.flags.contains("wire-only"))
        if rtuSeconds > 0 {
            print("")
            try rtuUtilisation(registers: registers, seconds: rtuSeconds)
        }
    }

    // MARK: TCP scale

    static func tcpScale(devices: Int, threads: Int, rounds: Int, seconds: Double, wireOnly: Bool) throws {
        let simulator = wireOnly ? try ServerProcess(["sim", "--serve-devices", String(devices)]) : try ServerProcess.fieldsim(devices: devices)
        defer { simulator.stop() }
        let connections = simulator.ports.count
        let baseline = try ServerProcess(["sim", "--serve-baseline", String(connections)])
        defer { baseline.stop() }
        let cPorts = Array(repeating: baseline.ports[0], count: connections)

        print("fieldbench sim: " + (wireOnly ? "one fieldbench child serving static register banks of " : "one fieldsim run process emulating ")
              + "\(ModbusBenchmark.grouped(Double(devices))) Modbus TCP devices "
              + "(fg-pressure-tx, \(connections) listeners × up to \(unitsPerListener) units), libmodbus \(ModbusClient.libraryVersion)")
        print("load: \(threads) client threads, \(connections) libmodbus TCP connections (one per listener), "
              + "each read of \(tcpRegisters) input registers to the next unit in turn; \(rounds) rounds × \(seconds) s per server, alternating")
        print("C server: CModbusBaseline mb_baseline_server (poll loop, one libmodbus mapping for every unit) in a process of its own, "
              + "the same \(connections) connections")
        let sim = { try Round(simulator) { try load(simulator.ports, units: simulator.units, threads: threads, seconds: seconds) } }
        let c = { try Round(baseline) { try load(cPorts, units: unitsPerListener, threads: threads, seconds: seconds) } }
        _ = try sim()
        _ = try c()
        var simRounds: [Round] = [], cRounds: [Round] = []
        for round in 0..<rounds {
            if round % 2 == 0 {
                simRounds.append(try sim())
                cRounds.append(try c())
            } else {
                cRounds.append(try c())
                simRounds.append(try sim())
            }
        }
        let ratio = ModbusBenchmark.median(zip(simRounds, cRounds).map { $0.perSecond / $1.perSecond })
        let failures = (simRounds + cRounds).map(\.failures).reduce(0, +)
        let memory = try simulator.memory()
        func row(_ name: String, _ rounds: [Round]) -> String {
            let cpu = Double(rounds.map(\.cpuMicroseconds).reduce(0, +)) / Double(rounds.map(\.transactions).reduce(0, +))
            return name + ModbusBenchmark.pad(ModbusBenchmark.grouped(ModbusBenchmark.median(rounds.map(\.perSecond))), 12)
                + ModbusBenchmark.pad(String(format: "%.2f", cpu), 21)
        }
        print("")
        print("server                    tx/s   server CPU µs/tx")
        print(row("C libmodbus server", cRounds))
        print(row("fieldsim          ", simRounds))
        print("fieldsim / C        " + ModbusBenchmark.pad(String(format: "%.3f", ratio), 10) + "   (median of the rounds' ratios; target ≥ 0.80)")
        let detail = simulator.rssBeforeDevices.map { before in
            String(format: "%.1f MB before the devices were made, peak %.1f MB: %.2f kB per device",
                   before / 1024, memory.peak / 1024, (memory.rss - before) / Double(devices))
        } ?? String(format: "peak %.1f MB", memory.peak / 1024)
        print("fieldsim RSS        " + ModbusBenchmark.pad(String(format: "%.1f MB", memory.rss / 1024), 10) + "   (\(detail))")
        print("failed reads        " + ModbusBenchmark.pad(String(failures), 10))
    }

    /// One round of the load against one server: the clients' rate, and the server process's CPU
    /// time, which other load on the machine does not disturb.
    struct Round {
        var perSecond: Double
        var transactions: Int
        var failures: Int
        var cpuMicroseconds: Int

        init(_ server: ServerProcess, _ body: () throws -> sim_load_result) throws {
            let before = try server.cpuMicroseconds()
            let result = try body()
            cpuMicroseconds = try server.cpuMicroseconds() - before
            perSecond = result.transactions_per_second
            transactions = result.transactions
            failures = result.failures
        }
    }

    static func load(_ ports: [Int], units: Int, threads: Int, seconds: Double) throws -> sim_load_result {
        var result = sim_load_result()
        let rc = ports.map { Int32($0) }.withUnsafeBufferPointer { p in
            "127.0.0.1".withCString { host in
                var options = sim_load_options(host: host, ports: p.baseAddress, port_count: Int32(p.count), threads: Int32(threads),
                                               units: Int32(units), address: 0, count: Int32(tcpRegisters),
                                               milliseconds: Int32(seconds * 1000), response_timeout_ms: 1000)
                return sim_load_run(&options, &result)
            }
        }
        guard rc == 0 else { throw Failure(description: "client load: \(String(cString: strerror(errno)))") }
        return result
    }

    /// The simulator process's side: make the devices, say `ready`, serve until stdin closes.
    static func serve(devices: Int) throws {
        let before = try ProcessMemory.read(pid: getpid()).rss
        guard let profile = BuiltinProfiles["fg-pressure-tx"] else { throw Failure(description: "no built-in fg-pressure-tx profile") }
        let server = ModbusTCPServer(name: "fieldbench-sim")
        let model = RegisterBank(profile: profile)
        var ports: [Int] = []
        var made = 0
        while made < devices {
            let listener = try server.listen()
            ports.append(listener.port)
            for unit in 1...min(unitsPerListener, devices - made) {
                let bank = made == 0 ? model : RegisterBank(sameModelAs: model)
                try bank.set("pressure", to: .number(0.1 + Double(made % 1000) / 1000))
                try listener.attach(bank, unit: UInt8(unit))
                made += 1
            }
        }
        try server.start()
        ServerProcess.sayReady(rss: before, units: min(devices, unitsPerListener), ports: ports)
        _ = FileHandle.standardInput.readDataToEndOfFile()
        server.stop()
    }

    /// The C server process's side: one `mb_baseline_server` answering any unit id.
    static func serveBaseline(connections: Int) throws {
        guard let server = mb_baseline_server_new("127.0.0.1", 0, Int32(connections + 8), 16) else {
            throw Failure(description: "cannot start the C server: \(String(cString: strerror(errno)))")
        }
        defer { mb_baseline_server_free(server) }
        guard mb_baseline_server_start(server) == 0 else {
            throw Failure(description: "cannot start the C server thread: \(String(cString: strerror(errno)))")
        }
        ServerProcess.sayReady(rss: try ProcessMemory.read(pid: getpid()).rss, units: unitsPerListener, ports: [Int(mb_baseline_server_port(server))])
        _ = FileHandle.standardInput.readDataToEndOfFile()
        mb_baseline_server_stop(server)
    }

    // MARK: RTU utilisation

    static func rtuUtilisation(registers: [Int], seconds: Double) throws {
        let directory = NSTemporaryDirectory() + "fieldbench-sim-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pacing = RTUPacing()
        let bus = RTUBusServer(name: "rs485-1", link: RTULink(port: "rs485-1", baud: 9600), linkPath: directory + "/rs485-1", pacing: pacing)
        defer { bus.stop() }
        let profile = try DeviceProfile.parse("""
            {"id": "bench-block", "family": "generic",
             "points": [{"name": "block", "table": "holding", "address": 0, "type": "u16"},
                        {"name": "end", "table": "holding", "address": 124, "type": "u16"}]}
            """, source: "fieldbench sim")
        try bus.attach(RegisterBank(profile: profile), unit: 1)
        try bus.start()
        let settings = ModbusRTUSettings(device: directory + "/rs485-1", baud: 9600)
        let client = try ModbusClient(ModbusSettings(bus: "rs485-1", link: .rtu(settings), timeouts: ModbusTimeouts(response: .seconds(1))))
        try client.connect()
        print("RTU: one paced 9600 8N1 bus on a pty (device turnaround \(milliseconds(pacing.turnaround))), "
              + "FieldHAL ModbusClient (t3.5 between frames), \(seconds) s per size")
        print("limit = 1 / ((8 + 5 + 2N) characters + 2 × t3.5 + turnaround); character \(milliseconds(settings.characterTime)), "
              + "t3.5 \(milliseconds(settings.frameGap))")
        print("")
        print("registers   tx/s   limit tx/s   utilisation")
        for n in registers {
            let end = monotonicNanoseconds() + UInt64(seconds * 1e9)
            let start = monotonicNanoseconds()
            var done = 0
            while monotonicNanoseconds() < end {
                _ = try client.readHoldingRegisters(unit: 1, address: 0, count: n)
                done += 1
            }
            let rate = Double(done) * 1e9 / Double(monotonicNanoseconds() - start)
            let limit = 1 / inSeconds(settings.readTime(registers: n, turnaround: pacing.turnaround))
            print(ModbusBenchmark.pad(String(n), 9) + ModbusBenchmark.pad(String(format: "%.2f", rate), 7)
                  + ModbusBenchmark.pad(String(format: "%.2f", limit), 13) + ModbusBenchmark.pad(String(format: "%.1f %%", rate / limit * 100), 14))
        }
    }

    static func milliseconds(_ d: Duration) -> String { String(format: "%.3f ms", inSeconds(d) * 1000) }

    static func inSeconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func number(_ text: String, _ option: String, allowZero: Bool = false) throws -> Double {
        guard let x = Double(text), x.isFinite, x > 0 || (allowZero && x == 0) else {
            throw UsageError("\(option): \"\(text)\" is not a positive number")
        }
        return x
    }
}
