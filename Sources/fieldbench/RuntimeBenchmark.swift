import FieldCore
import Foundation

/// `fieldbench runtime`: the gateway runtime in figures (issue 4), for docs/benchmarks.md.
///
/// 1. `tcp`: the real `fieldgate run` (release build, its own process, board sim) polls 100
///    devices × 10 registers every second over Modbus TCP against this process's simulator; its
///    CPU share of one core (utime + stime from /proc/PID/stat over a window after warm-up) and
///    its RSS (VmRSS sampled each second, VmHWM).
/// 2. `rtu`: the real gateway on a paced 9600-baud RTU bus with more polls scheduled than the bus
///    can carry; answered reads per second (the simulator's count) ÷ the line's limit.
/// 3. `plan`: requests per poll cycle on the demo site, coalesced vs one request per point.
/// 4. `delivery` (issue 14, not part of the default run: 10 minutes): samples delivered at the
///    broker ÷ samples polled, with CPU and RSS.
enum RuntimeBenchmark {
    static let help = """
    usage: fieldbench runtime [tcp] [rtu] [plan] [wear] [delivery] [OPTIONS]     (no part: tcp, rtu and plan)

      tcp   fieldgate run polling N devices × R registers over Modbus TCP: CPU share of one core, RSS
            --devices N (100)  --registers R (10)  --interval D (1s)  --endpoints E (1: all on one endpoint)
            --warmup S (10)  --seconds S (60)
      rtu   fieldgate run on a saturated, paced 9600-baud RTU bus: share of the bus's capacity used
            --rtu-devices N (8)  --rtu-registers LIST (10)  --rtu-interval D (50ms)  --rtu-warmup S (5)  --rtu-seconds S (20)
      plan  requests per poll cycle, coalesced vs one per point
            --site FILE (simulator/sites/demo.json)
      wear  bytes fieldgate run writes to its state partition per day (/proc/PID/io write_bytes), uplink to a local mosquitto
            --wear-devices N (100)  --wear-registers R (20)  --wear-interval D (1s)  --wear-warmup S (30)  --wear-seconds S (600)
            --broker up|down (up)      (not part of the default run: it takes ten minutes)
      delivery  fieldgate run → mosquitto → a subscriber: samples delivered ÷ samples polled, CPU, RSS
            --devices N (100)  --registers R (20)  --interval D (1s)  --seconds S (600)

      --fieldgate PATH   the gateway binary (default: the fieldgate next to fieldbench; build both with -c release)
    """

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String]) throws {
        let parsed = try ParsedArguments(arguments, valued: ["devices", "registers", "interval", "endpoints", "warmup", "seconds",
                                                             "rtu-devices", "rtu-registers", "rtu-interval", "rtu-warmup", "rtu-seconds",
                                                             "site", "fieldgate", "wear-devices", "wear-registers", "wear-interval",
                                                             "wear-warmup", "wear-seconds", "broker"],
                                         flags: ["help"])
        if parsed.flags.contains("help") {
            print(help)
            return
        }
        let parts = parsed.positionals.isEmpty ? ["tcp", "rtu", "plan"] : parsed.positionals
        for p in parts where !["tcp", "rtu", "plan", "wear", "delivery"].contains(p) { throw UsageError("unknown part \"\(p)\"\n\n\(help)") }
        let o = parsed.options
        for (i, part) in parts.enumerated() {
            if i > 0 { print("") }
            switch part {
            case "tcp":
                try tcp(TCPOptions(devices: try ModbusBenchmark.positive(o["devices"] ?? "100", "--devices"),
                                   registers: try registerCount(o["registers"] ?? "10", "--registers"),
                                   interval: try duration(o["interval"] ?? "1s", "--interval"),
                                   endpoints: try ModbusBenchmark.positive(o["endpoints"] ?? "1", "--endpoints"),
                                   warmUp: try SimBenchmark.number(o["warmup"] ?? "10", "--warmup", allowZero: true),
                                   seconds: try SimBenchmark.number(o["seconds"] ?? "60", "--seconds"),
                                   fieldgate: try fieldgatePath(o["fieldgate"])))
            case "rtu":
                try rtu(RTUOptions(devices: try ModbusBenchmark.positive(o["rtu-devices"] ?? "8", "--rtu-devices"),
                                   registers: try (o["rtu-registers"] ?? "10").split(separator: ",").map { try registerCount(String($0), "--rtu-registers") },
                                   interval: try duration(o["rtu-interval"] ?? "50ms", "--rtu-interval"),
                                   warmUp: try SimBenchmark.number(o["rtu-warmup"] ?? "5", "--rtu-warmup", allowZero: true),
                                   seconds: try SimBenchmark.number(o["rtu-seconds"] ?? "20", "--rtu-seconds"),
                                   fieldgate: try fieldgatePath(o["fieldgate"])))
            case "wear":
                guard ["up", "down"].contains(o["broker"] ?? "up") else { throw UsageError("--broker: up or down") }
                try wear(WearOptions(devices: try ModbusBenchmark.positive(o["wear-devices"] ?? "100", "--wear-devices"),
                                     registers: try registerCount(o["wear-registers"] ?? "20", "--wear-registers"),
                                     interval: try duration(o["wear-interval"] ?? "1s", "--wear-interval"),
                                     warmUp: try SimBenchmark.number(o["wear-warmup"] ?? "30", "--wear-warmup", allowZero: true),
                                     seconds: try SimBenchmark.number(o["wear-seconds"] ?? "600", "--wear-seconds"),
                                     brokerUp: (o["broker"] ?? "up") == "up", fieldgate: try fieldgatePath(o["fieldgate"])))
            case "delivery":
                try delivery(DeliveryOptions(devices: try ModbusBenchmark.positive(o["devices"] ?? "100", "--devices"),
                                             registers: try registerCount(o["registers"] ?? "20", "--registers"),
                                             interval: try duration(o["interval"] ?? "1s", "--interval"),
                                             seconds: try SimBenchmark.number(o["seconds"] ?? "600", "--seconds"),
                                             fieldgate: try fieldgatePath(o["fieldgate"])))
            default:
                try plan(sitePath: o["site"] ?? repositoryRoot + "/simulator/sites/demo.json")
            }
        }
    }

    static func registerCount(_ text: String, _ option: String) throws -> Int {
        let n = try ModbusBenchmark.positive(text, option)
        guard n <= 125 else { throw UsageError("\(option): \(n) is over 125 registers (one read)") }
        return n
    }

    static func duration(_ text: String, _ option: String) throws -> Duration {
        guard let d = parseDuration(text), d > .zero else { throw UsageError("\(option): \"\(text)\" is not a duration (1s, 500ms)") }
        return d
    }
}
