import FieldCore
import FieldDevices
import FieldHAL
import FieldRuntime
import FieldSim
import Foundation

extension RuntimeBenchmark {
    /// A `fieldgate run` process on a generated site and the simulator board, measured from
    /// outside through /proc: the gateway as it runs on a board, its own process, the release
    /// build next to this one. This process serves the board's GPIO lines on the simulator's
    /// socket (the sim board's outputs must be there for the gateway to start); the test's
    /// Modbus servers are the caller's.
    final class GatewayUnderTest {
        let directory: String
        let process: ChildProcess
        private let gpio: GPIOSocketServer

        /// Writes `site` to a new temporary directory and starts the gateway on it; returns when
        /// every Modbus device of the site answers.
        ///
        /// - Parameters:
        ///   - directory: made by the caller (`FIELDSIM_DIR`: ptys and the GPIO socket go here).
        init(site: String, directory: String, fieldgate: String) throws {
            self.directory = directory
            let sitePath = directory + "/site.json"
            try site.write(toFile: sitePath, atomically: true, encoding: .utf8)
            let environment = ["FIELDGATE_BOARDS": boards, "FIELDSIM_DIR": directory, "STATE_DIR": directory + "/gw"]
            let board = try Board.load(path: boards + "/sim.json", environment: environment)
            guard case .simulator(let socket) = board.gpio else { throw Failure(description: "boards/sim.json: not a simulator board") }
            var names = (0...(board.lines.map(\.offset).max() ?? 0)).map { "unused-\($0)" }
            for line in board.lines { names[line.offset] = line.name }
            gpio = try GPIOSocketServer(socketPath: socket, chip: try SimulatedGPIOChip(name: "fieldsim", lines: names))
            Self.dropFromPageCache(fieldgate)
            process = try ChildProcess(executable: fieldgate, arguments: ["run", "--site", sitePath, "--state-dir", directory + "/gw"],
                                       environment: environment, logPath: directory + "/gateway.log")
            let devices = Waiting.until(timeout: .seconds(60), interval: .milliseconds(250)) { () -> [JSONValue]? in
                guard let all = try? call(["op": "devices"]).arrayValue else { return nil }
                let modbus = all.filter { $0["online"] != nil }
                return modbus.allSatisfy { $0["online"] == .bool(true) } ? modbus : nil
            }
            guard devices != nil else {
                let log = process.logTail()
                stop()
                throw Failure(description: "the gateway did not get every device online within 60 s:\n\(log)")
            }
        }

        /// Starts the gateway from a binary whose pages are not cached, as after a boot: a file just
        /// built or copied sits in the page cache in large folios, and a page fault then maps the
        /// whole folio, which adds megabytes of file pages to its RSS (scripts/measure-rss.sh does
        /// the same).
        static func dropFromPageCache(_ path: String) {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return }
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            close(fd)
        }

        /// A request to the gateway's local API.
        func call(_ request: JSONValue) throws -> JSONValue {
            try LocalAPIClient(path: directory + "/gw/fieldgate.sock").call(request)
        }

        /// SIGTERM; its exit status.
        @discardableResult
        func stop() -> Int32 {
            let status = process.terminate(grace: .seconds(10))
            gpio.stop()
            return status
        }

        /// The process's CPU time so far (user + system, µs) and that of each of its threads by
        /// name (threads of the same name summed).
        func cpu() throws -> (user: Int, system: Int, threads: [String: Int]) {
            let (user, system, _) = try Self.stat("/proc/\(process.pid)/stat")
            var threads: [String: Int] = [:]
            for task in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.pid)/task")) ?? [] {
                guard let (u, s, name) = try? Self.stat("/proc/\(process.pid)/task/\(task)/stat") else { continue }
                threads[name, default: 0] += u + s
            }
            return (user, system, threads)
        }

        /// utime and stime (µs) and the command name from a /proc stat file.
        static func stat(_ path: String) throws -> (user: Int, system: Int, name: String) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            // The name is in parentheses and may hold spaces; utime and stime are fields 14 and
            // 15, the 12th and 13th after it.
            guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { throw Failure(description: "unreadable \(path)") }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { throw Failure(description: "unreadable \(path)") }
            let tick = 1_000_000 / sysconf(Int32(_SC_CLK_TCK))
            return (user * tick, system * tick, String(text[text.index(after: open)..<close]))
        }

        /// VmRSS, VmHWM, RssAnon, RssFile (kB) and the thread count from /proc/PID/status.
        func memory() throws -> (rss: Double, peak: Double, anonymous: Double, file: Double, threads: Int) {
            let status = try String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)
            func field(_ name: String) -> Double {
                let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                return line.flatMap { Double($0.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") } ?? 0
            }
            return (field("VmRSS"), field("VmHWM"), field("RssAnon"), field("RssFile"), Int(field("Threads")))
        }
    }

    /// A device profile of `registers` holding registers (u16) in one block, in the site file's
    /// format.
    static func blockProfile(registers: Int) -> String {
        let points = (0..<registers).map { #"{"name": "r\#($0)", "table": "holding", "address": \#($0), "type": "u16"}"# }
        return #"{"id": "bench-\#(registers)", "family": "generic", "description": "\#(registers) holding registers", "points": [\#(points.joined(separator: ", "))]}"#
    }

    /// The repository's board files (the gateway looks for `sim.json` there).
    static var boards: String { repositoryRoot + "/boards" }

    /// The repository, from this file's place in it.
    static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The `fieldgate` built next to this binary (the same configuration: build both with
    /// `-c release`).
    static func fieldgatePath(_ option: String?) throws -> String {
        let path = option ?? (URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path + "/fieldgate")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "no fieldgate at \(path): build it first (swift build -c release --product fieldgate) or give --fieldgate PATH")
        }
        return path
    }
}
