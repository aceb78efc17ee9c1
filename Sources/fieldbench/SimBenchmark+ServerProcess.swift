import Foundation

extension SimBenchmark {
    /// A server in a child process (this binary with a `--serve-…` option), so that its RSS and
    /// CPU time are its own. It says `ready RSS UNITS PORT,PORT,…` and serves until its stdin closes.
    final class ServerProcess {
        let process = Process()
        private let input = Pipe()
        let ports: [Int]
        /// Unit ids 1…units answer on every port.
        let units: Int
        /// kB, before the server made anything.
        let rssBeforeDevices: Double

        init(_ arguments: [String]) throws {
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
            rssBeforeDevices = rss
            self.units = units
            ports = words[3].split(separator: ",").compactMap { Int($0) }
        }

        static func sayReady(rss: Double, units: Int, ports: [Int]) {
            FileHandle.standardOutput.write(Data("ready \(rss) \(units) \(ports.map(String.init).joined(separator: ","))\n".utf8))
        }

        func memory() throws -> ProcessMemory { try ProcessMemory.read(pid: process.processIdentifier) }

        /// User + system CPU time of the whole process so far (µs, in clock ticks of 10 ms).
        func cpuMicroseconds() throws -> Int {
            let stat = try String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)
            // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
            guard let close = stat.lastIndex(of: ")") else { throw Failure(description: "unreadable /proc/\(process.processIdentifier)/stat") }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else {
                throw Failure(description: "unreadable /proc/\(process.processIdentifier)/stat")
            }
            return (user + system) * 1_000_000 / sysconf(Int32(_SC_CLK_TCK))
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
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
