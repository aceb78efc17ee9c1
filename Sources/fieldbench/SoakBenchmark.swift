#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldHAL
import FieldRuntime
import Foundation

/// The whole gateway left running on the demo site (fieldsim, fieldgate, mosquitto) with the
/// clients a site sees all day: `fieldgate status --watch` (a new local-API connection per
/// request, three requests per refresh) and console socket sessions opening and closing. Samples
/// the gateway's resident memory, threads and open file descriptors, and fits a line through
/// them after the warm-up: the slope per hour is the leak (goal: flat within noise).
enum SoakBenchmark {
    static let help = """
    usage: fieldbench soak [--minutes 10] [--refresh 2s] [--console-every 10s] [--sample 30s] [--warmup 60s]

      --minutes N          how long to run after the warm-up (default 10; the longer, the tighter the slope)
      --refresh D          the status client's refresh: status, alarms and devices, each on a new connection (default 2s)
      --console-every D    a console socket session opened, taken to the login prompt and closed (default 10s)
      --sample D           how often RSS, threads and fds are read (default 30s)
      --warmup D           not counted: start-up, first polls, allocator settling (default 60s)
    """

    struct Sample {
        var seconds: Double
        var rssKB: Double
        var threads: Double
        var fds: Double
    }

    static func run(_ arguments: [String]) throws {
        let parsed = try ParsedArguments(arguments, valued: ["minutes", "refresh", "console-every", "sample", "warmup"], flags: ["help"])
        if parsed.flags.contains("help") {
            print(help)
            return
        }
        let o = parsed.options
        let minutes = try SimBenchmark.number(o["minutes"] ?? "10", "--minutes")
        let refresh = try RuntimeBenchmark.duration(o["refresh"] ?? "2s", "--refresh")
        let consoleEvery = try RuntimeBenchmark.duration(o["console-every"] ?? "10s", "--console-every")
        let sampleEvery = try RuntimeBenchmark.duration(o["sample"] ?? "30s", "--sample")
        let warmUp = try RuntimeBenchmark.duration(o["warmup"] ?? "60s", "--warmup")

        let rig = try LatencyBenchmark.Rig()
        try rig.startBroker()
        try rig.startSimulator()
        try rig.startGateway()
        guard let pid = rig.gatewayPID else { throw UsageError("the gateway did not start") }
        let api = rig.gatewayDirectory + "/fieldgate.sock", console = rig.gatewayDirectory + "/console.sock"
        print("soak: demo site, status refresh every \(formatDuration(refresh)), a console session every \(formatDuration(consoleEvery)), "
              + "\(formatNumber(minutes)) min after \(formatDuration(warmUp)) warm-up")

        let start = monotonicMilliseconds()
        let end = start + warmUp.milliseconds + Int64(minutes * 60_000)
        var nextRefresh = start, nextConsole = start, nextSample = start + warmUp.milliseconds
        var samples: [Sample] = []
        var requests = 0, sessions = 0, failures = 0
        while monotonicMilliseconds() < end {
            let now = monotonicMilliseconds()
            if now >= nextRefresh {
                nextRefresh += refresh.milliseconds
                for op in ["status", "alarms", "devices"] {
                    do {
                        _ = try LocalAPIClient(path: api).call(["op": .string(op)])
                        requests += 1
                    } catch {
                        failures += 1
                    }
                }
            }
            if now >= nextConsole {
                nextConsole += consoleEvery.milliseconds
                if consoleSession(console) { sessions += 1 } else { failures += 1 }
            }
            if now >= nextSample {
                nextSample += sampleEvery.milliseconds
                guard let s = sample(pid, seconds: Double(now - start) / 1000) else { throw UsageError("the gateway exited:\n\(rig.gatewayLog.suffix(2000))") }
                samples.append(s)
                print(String(format: "  %6.0f s  RSS %7.1f MB  threads %3.0f  fds %3.0f", s.seconds, s.rssKB / 1024, s.threads, s.fds))
            }
            usleep(20_000)
        }
        guard samples.count >= 3 else { throw UsageError("too few samples: run longer or sample more often") }
        let hours = samples.map { $0.seconds / 3600 }
        let rss = slope(hours, samples.map { $0.rssKB / 1024 }), threads = slope(hours, samples.map(\.threads)), fds = slope(hours, samples.map(\.fds))
        print("soak: \(requests) local-API requests (\(requests) connections), \(sessions) console sessions, \(failures) failed")
        print(String(format: "soak: RSS %.1f → %.1f MB, slope %+.2f MB/h; threads %.0f → %.0f, slope %+.2f /h; fds %.0f → %.0f, slope %+.2f /h",
                     samples.first!.rssKB / 1024, samples.last!.rssKB / 1024, rss,
                     samples.first!.threads, samples.last!.threads, threads, samples.first!.fds, samples.last!.fds, fds))
    }

    /// Least-squares slope of `y` over `x`.
    static func slope(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxx = zip(x, x).map { ($0 - mx) * ($1 - mx) }.reduce(0, +)
        let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        return sxx == 0 ? 0 : sxy / sxx
    }

    static func sample(_ pid: Int32, seconds: Double) -> Sample? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let rss = Double(line.split(separator: " ").dropFirst().first ?? ""),
              let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"),
              let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return nil }
        return Sample(seconds: seconds, rssKB: rss, threads: Double(tasks.count), fds: Double(fds.count))
    }

    /// Connects to the console socket, waits for the login prompt (the session thread is up),
    /// and hangs up.
    static func consoleSession(_ path: String) -> Bool {
        guard let fd = try? FileDescriptor.unixConnection(path: path) else { return false }
        defer { try? fd.close() }
        var text = ""
        let deadline = monotonicMilliseconds() + 5000
        while !text.contains("login: "), monotonicMilliseconds() < deadline {
            guard let ready = try? FileDescriptor.poll(fd, for: .readable, timeout: .milliseconds(200)), !ready.isEmpty else { continue }
            guard let chunk = try? fd.read(upTo: 4096), !chunk.isEmpty else { return false }
            text += String(decoding: chunk, as: UTF8.self)
            // The session asks an ANSI terminal where its cursor is; a plain client does not answer.
        }
        return text.contains("login: ")
    }
}
