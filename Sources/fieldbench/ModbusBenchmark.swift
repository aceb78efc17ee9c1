import CModbusBaseline
import FieldCore
import FieldHAL
import Foundation

/// `fieldbench modbus`: read-holding-registers transactions per second of the Swift
/// `ModbusClient` and of a plain C loop over libmodbus, against the same C libmodbus TCP server on
/// loopback, in one run.
///
/// The machine may be busy with other work, so the two clients alternate in many short rounds
/// (a few tens of milliseconds each, taking turns to go first); Swift/C is the median of each
/// round's ratio to the round next to it, and the client thread's CPU time per transaction is shown beside the rates because the
/// scheduler does not disturb it.
enum ModbusBenchmark {
    static let help = """
    usage: fieldbench modbus [--transactions N] [--rounds R] [--registers 10,125]

      --transactions N   transactions per client per round (default 500)
      --rounds R         rounds per register count (default 101)
      --registers LIST   registers per read, 1–125 (default 10,125)
    """

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One round of one client: wall-clock rate and the client thread's CPU time.
    struct Round {
        var perSecond: Double
        var cpuMicroseconds: Double
    }

    static func run(_ arguments: [String]) throws {
        let parsed = try ParsedArguments(arguments, valued: ["transactions", "rounds", "registers"], flags: ["help"])
        if parsed.flags.contains("help") {
            print(help)
            return
        }
        guard parsed.positionals.isEmpty else { throw UsageError("unexpected \"\(parsed.positionals[0])\"\n\n\(help)") }
        let transactions = try positive(parsed.options["transactions"] ?? "500", "--transactions")
        let rounds = try positive(parsed.options["rounds"] ?? "101", "--rounds")
        let counts = try (parsed.options["registers"] ?? "10,125").split(separator: ",").map { word in
            let n = try positive(String(word), "--registers")
            guard n <= ModbusLimits.readRegisters else { throw UsageError("--registers: \(n) is over 125") }
            return n
        }

        guard let server = mb_baseline_server_new("127.0.0.1", 0, 4, 1000) else {
            throw Failure(description: "cannot start the C server: \(String(cString: strerror(errno)))")
        }
        defer { mb_baseline_server_free(server) }
        guard mb_baseline_server_start(server) == 0 else {
            throw Failure(description: "cannot start the C server thread: \(String(cString: strerror(errno)))")
        }
        defer { mb_baseline_server_stop(server) }
        let port = Int(mb_baseline_server_port(server))

        guard let cClient = mb_baseline_client_connect("127.0.0.1", Int32(port), 1, 1000) else {
            throw Failure(description: "C client cannot connect: \(String(cString: strerror(errno)))")
        }
        defer { mb_baseline_client_free(cClient) }
        let swiftClient = try ModbusClient(ModbusSettings(
            bus: "bench", link: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: port)),
            timeouts: ModbusTimeouts(response: .seconds(1))))
        try swiftClient.connect()

        print("fieldbench modbus: read holding registers, Modbus TCP on loopback, libmodbus \(ModbusClient.libraryVersion)")
        print("server: CModbusBaseline C loop on its own thread, 127.0.0.1:\(port); \(rounds) rounds × \(transactions) transactions per client")
        print("")
        print("registers   C loop tx/s   Swift tx/s   Swift/C   C CPU µs/tx   Swift CPU µs/tx")
        for count in counts {
            let c = { () throws -> Round in try measure(transactions) { try cLoop(cClient, count: count, transactions: $0) } }
            let swift = { () throws -> Round in try measure(transactions) { try swiftLoop(swiftClient, count: count, transactions: $0) } }
            _ = try c()
            _ = try swift()
            var cRounds: [Round] = [], swiftRounds: [Round] = []
            for round in 0..<rounds {
                if round % 2 == 0 {
                    cRounds.append(try c())
                    swiftRounds.append(try swift())
                } else {
                    swiftRounds.append(try swift())
                    cRounds.append(try c())
                }
            }
            let ratio = median(zip(swiftRounds, cRounds).map { $0.perSecond / $1.perSecond })
            print(pad(String(count), 9) + pad(grouped(median(cRounds.map(\.perSecond))), 14)
                  + pad(grouped(median(swiftRounds.map(\.perSecond))), 13) + pad(String(format: "%.3f", ratio), 10)
                  + pad(String(format: "%.2f", median(cRounds.map(\.cpuMicroseconds))), 14)
                  + pad(String(format: "%.2f", median(swiftRounds.map(\.cpuMicroseconds))), 18))
        }
    }

    static func measure(_ transactions: Int, _ loop: (Int) throws -> Void) throws -> Round {
        let cpu = threadCPUNanoseconds()
        let wall = monotonicNanoseconds()
        try loop(transactions)
        let wallNs = Double(monotonicNanoseconds() - wall)
        let cpuNs = Double(threadCPUNanoseconds() - cpu)
        return Round(perSecond: Double(transactions) * 1e9 / wallNs, cpuMicroseconds: cpuNs / 1000 / Double(transactions))
    }

    static func cLoop(_ client: OpaquePointer, count: Int, transactions: Int) throws {
        guard mb_baseline_client_read_holding(client, 0, Int32(count), transactions) == 0 else {
            throw Failure(description: "C client: \(String(cString: strerror(errno)))")
        }
    }

    static func swiftLoop(_ client: ModbusClient, count: Int, transactions: Int) throws {
        var sum = 0
        for _ in 0..<transactions {
            sum &+= Int(try client.readHoldingRegisters(unit: 1, address: 0, count: count)[0])
        }
        guard sum == 0 else { throw Failure(description: "Swift client read \(sum), expected register 0 = 0") }
    }

    static func threadCPUNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func positive(_ text: String, _ option: String) throws -> Int {
        guard let n = Int(text), n > 0 else { throw UsageError("\(option): \"\(text)\" is not a positive whole number") }
        return n
    }

    static func grouped(_ x: Double) -> String {
        let digits = String(Int(x.rounded()))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(" ") }
            out.append(ch)
        }
        return out
    }

    static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }
}
