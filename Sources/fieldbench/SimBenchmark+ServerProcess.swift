import FieldSim
import Foundation

extension SimBenchmark {
    /// A server in a child process, so that its RSS and CPU time are its own: this binary with a
    /// `--serve-…` option (it says `ready RSS UNITS PORT,PORT,…` and serves until its stdin
    /// closes), or `fieldsim run` itself (`ServerProcess.fieldsim`).
    final class ServerProcess {
        let pid: Int32
        let ports: [Int]
        /// Unit ids 1…units answer on every port.
        let units: Int
        /// kB, before the server made anything; nil for `fieldsim run`, which says nothing of it.
        let rssBeforeDevices: Double?
        private let finish: () -> Void

        init(_ arguments: [String]) throws {
            let process = Process()
            let input = Pipe()
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            process.arguments = arguments
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            var line = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                line.append(byte)
            }
            let words = String(decoding: line, as: UTF8.self).split(separator: " ")
            guard words.count == 4, words[0] == "ready", let rss = Double(words[1]), let units = Int(words[2]) else {
                process.terminate()
                throw Failure(description: "\(arguments.joined(separator: " ")) did not start: \"\(String(decoding: line, as: UTF8.self))\"")
            }
            pid = process.processIdentifier
            rssBeforeDevices = rss
            self.units = units
            ports = words[3].split(separator: ",").compactMap { Int($0) }
            finish = {
                try? input.fileHandleForWriting.close()
                process.waitUntilExit()
            }
        }

        private init(pid: Int32, ports: [Int], units: Int, finish: @escaping () -> Void) {
            self.pid = pid
            self.ports = ports
            self.units = units
            rssBeforeDevices = nil
            self.finish = finish
        }

        /// `fieldsim run` (the sibling executable) on a generated site: `devices` `fg-pressure-tx`
        /// transmitters, 247 to a Modbus TCP bus, on one hydrant main whose physics the simulator
        /// runs as it does for any site. Ready when it has written `endpoints.json`.
        static func fieldsim(devices: Int) throws -> ServerProcess {
            let directory = try Waiting.temporaryDirectory(prefix: "fieldbench-fleet")
            let cleanUp = { _ = try? FileManager.default.removeItem(atPath: directory) }
            do {
                let busCount = (devices + unitsPerListener - 1) / unitsPerListener
                var buses: [[String: Any]] = []
                for n in 1...busCount {
                    buses.append(["name": "tcp-\(n)", "type": "tcp", "host": "127.0.0.1", "port": try Waiting.freePort()])
                }
                let list: [[String: Any]] = (0..<devices).map { i in
                    ["id": "pt-\(i + 1)", "profile": "fg-pressure-tx", "bus": "tcp-\(i / unitsPerListener + 1)",
                     "address": i % unitsPerListener + 1, "settings": ["category": "municipal-hydrant"]]
                }
                let site: [String: Any] = ["site": ["id": "fieldbench-fleet"], "board": "sim", "buses": buses, "devices": list]
                let sitePath = directory + "/site.json"
                try JSONSerialization.data(withJSONObject: site).write(to: URL(fileURLWithPath: sitePath))
                let state = directory + "/sim"
                let child = try ChildProcess(executable: try LatencyBenchmark.Rig.executable("fieldsim"),
                                             arguments: ["run", "--site", sitePath, "--state-dir", state],
                                             environment: ["FIELDGATE_BOARDS": try LatencyBenchmark.Rig.repository() + "/boards"],
                                             logPath: directory + "/fieldsim.log")
                let endpoints = state + "/endpoints.json"
                let ready = Waiting.until(timeout: .seconds(120), interval: .milliseconds(100)) { () -> Bool? in
                    FileManager.default.fileExists(atPath: endpoints) || !child.isRunning ? true : nil
                }
                guard ready != nil, child.isRunning,
                      let data = FileManager.default.contents(atPath: endpoints),
                      let served = try? JSONDecoder().decode(SimulatorEndpoints.self, from: data) else {
                    let tail = child.logTail()
                    child.terminate()
                    throw Failure(description: "fieldsim run did not come up with \(devices) devices:\n\(tail)")
                }
                // The load reaches unit n on every port: only whole buses of 247.
                let ports = served.tcp.sorted { $0.bus.localizedStandardCompare($1.bus) == .orderedAscending }.map(\.port)
                return ServerProcess(pid: child.pid, ports: ports, units: min(devices, unitsPerListener)) {
                    child.terminate()
                    cleanUp()
                }
            } catch {
                cleanUp()
                throw error
            }
        }

        static func sayReady(rss: Double, units: Int, ports: [Int]) {
            FileHandle.standardOutput.write(Data("ready \(rss) \(units) \(ports.map(String.init).joined(separator: ","))\n".utf8))
        }

        func memory() throws -> ProcessMemory { try ProcessMemory.read(pid: pid) }

        /// User + system CPU time of the whole process so far (µs, in clock ticks of 10 ms).
        func cpuMicroseconds() throws -> Int {
            let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
            guard let close = stat.lastIndex(of: ")") else { throw Failure(description: "unreadable /proc/\(pid)/stat") }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else {
                throw Failure(description: "unreadable /proc/\(pid)/stat")
            }
            return (user + system) * 1_000_000 / sysconf(Int32(_SC_CLK_TCK))
        }

        func stop() { finish() }
    }

    /// VmRSS and VmHWM of a process, in kB.
    struct ProcessMemory {
        var rss: Double
        var peak: Double

        static func read(pid: Int32) throws -> ProcessMemory {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            func field(_ name: String) -> Double {
                let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                return line.flatMap { Double($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
            }
            return ProcessMemory(rss: field("VmRSS"), peak: field("VmHWM"))
        }
    }
}
