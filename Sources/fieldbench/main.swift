import FieldCore
#if canImport(Glibc)
import Glibc
#endif

/// One `fieldbench` command: a name, a line of help, and what it runs with the words after it.
struct Benchmark {
    let name: String
    let summary: String
    let run: ([String]) throws -> Void
}

/// Every benchmark, in the order `all` runs them.
let benchmarks: [Benchmark] = [
    Benchmark(name: "modbus", summary: "Swift ModbusClient vs a plain C libmodbus loop, read holding registers over TCP",
              run: ModbusBenchmark.run),
    Benchmark(name: "sim", summary: "simulator: ≥ 10,000 TCP devices vs a plain C libmodbus server; a paced 9600-baud RTU bus vs its limit",
              run: SimBenchmark.run),
    Benchmark(name: "uplink", summary: "outbox backlog drain to a local mosquitto after an outage; live alarm store and PUBACK latency",
              run: UplinkBenchmark.run),
    Benchmark(name: "gateway", summary: "the whole gateway (fieldsim, fieldgate, mosquitto): backlog drain after an outage; alarm button → broker p50/p99",
              run: LatencyBenchmark.run),
    Benchmark(name: "soak", summary: "the demo site for minutes with status and console clients: RSS, threads and fds per hour (slope)",
              run: SoakBenchmark.run),
    Benchmark(name: "runtime", summary: "fieldgate run: CPU and RSS at 100 TCP devices, a saturated RTU bus's utilisation, coalesced requests",
              run: RuntimeBenchmark.run),
]

let usage = """
fieldbench \(FieldgateVersion.string): figures for docs/benchmarks.md (build with -c release)

usage: fieldbench COMMAND [OPTIONS]

commands:
\(benchmarks.map { "  " + $0.name.padding(toLength: 10, withPad: " ", startingAt: 0) + $0.summary }.joined(separator: "\n"))
  all       run every benchmark but soak with its default options
  version   print the version
  help      show this help, or `fieldbench help COMMAND` for a command's options
"""

let args = Array(CommandLine.arguments.dropFirst())
do {
    switch args.first {
    case nil, "help", "--help", "-h":
        if args.count > 1, let b = benchmarks.first(where: { $0.name == args[1] }) {
            try b.run(["--help"])
        } else {
            print(usage)
        }
    case "version", "--version":
        print("fieldbench \(FieldgateVersion.string)")
    case "all":
        guard args.count == 1 else { throw UsageError("all takes no options: it runs every benchmark with its defaults") }
        // The soak runs for 10 minutes or more: only when asked for by name.
        for b in benchmarks where b.name != "soak" {
            try b.run([])
            print("")
        }
    case "outbox-writer":
        // Not a benchmark: the child process the outbox's kill -9 and the uplink's last-will tests run.
        try OutboxWriter.run(Array(args.dropFirst()))
    case let name?:
        guard let b = benchmarks.first(where: { $0.name == name }) else {
            throw UsageError("unknown command \"\(name)\"\n\n\(usage)")
        }
        try b.run(Array(args.dropFirst()))
    }
} catch let error as UsageError {
    writeStandardError("fieldbench: \(error)\n")
    exit(2)
} catch {
    writeStandardError("fieldbench: \(error)\n")
    exit(1)
}
