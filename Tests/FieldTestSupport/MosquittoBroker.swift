import FieldSim
import Foundation

/// A real `mosquitto` broker for tests: its own temp directory and config, 127.0.0.1 and an
/// ephemeral port, optional password file and TLS listener. `start()` returns once the port
/// accepts connections; the broker is stopped and its directory removed when the value goes
/// away (also when a test fails). `stop()` and `start()` again simulate an outage on the same
/// port. Shared by the runtime's broker tests and the end-to-end tests.
package final class MosquittoBroker: @unchecked Sendable {
    /// TLS listener files (PEM).
    package struct TLS: Sendable {
        package var caFile: String
        package var certFile: String
        package var keyFile: String
        /// Refuse clients without a certificate signed by the CA.
        package var requireClientCertificate = true

        package init(caFile: String, certFile: String, keyFile: String, requireClientCertificate: Bool = true) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.requireClientCertificate = requireClientCertificate
        }
    }

    package struct Options: Sendable {
        /// User name → password; when not empty, anonymous clients are refused.
        package var users: [String: String] = [:]
        package var tls: TLS?
        /// Keep sessions and queued messages across a stop and start (an observer with a
        /// persistent session then misses nothing published while it reconnects).
        package var persistent = false

        package init(users: [String: String] = [:], tls: TLS? = nil, persistent: Bool = false) {
            self.users = users
            self.tls = tls
            self.persistent = persistent
        }
    }

    package enum Failure: Error, CustomStringConvertible {
        case notInstalled
        case didNotStart(String)
        case tool(String)

        package var description: String {
            switch self {
            case .notInstalled: "mosquitto is not installed (apt-get install mosquitto mosquitto-clients)"
            case .didNotStart(let log): "mosquitto did not start:\n\(log)"
            case .tool(let s): s
            }
        }
    }

    package let options: Options
    package let directory: TemporaryDirectory
    package private(set) var port: Int
    private let lock = NSLock()
    private var process: SpawnedProcess?

    package init(_ options: Options = Options()) throws {
        self.options = options
        directory = try TemporaryDirectory("mosquitto")
        port = try Waiting.freePort()
    }

    deinit {
        stop()
    }

    /// `mqtt://127.0.0.1:PORT` (or `mqtts://`), for the gateway's `--mqtt` option.
    package var url: String { "\(options.tls == nil ? "mqtt" : "mqtts")://127.0.0.1:\(port)" }

    /// What the broker wrote to its log so far.
    package var log: String { (try? String(contentsOfFile: directory.file("mosquitto.log"), encoding: .utf8)) ?? "" }

    /// Starts the broker and waits until it accepts TCP connections (up to 10 s). On the first
    /// start only, a port someone else took in the meantime is replaced by a new one.
    package func start() async throws {
        var retries = everStarted ? 0 : 3
        while true {
            try writeConfig()
            let logStart = log.utf8.count
            let p = try launch()
            if await waitForListener(process: p, logStart: logStart) {
                everStarted = true
                return
            }
            stop()
            guard retries > 0, log.contains("Address already in use") else { throw Failure.didNotStart(log) }
            retries -= 1
            port = try Waiting.freePort()
        }
    }

    private var everStarted = false

    /// Stops the broker (SIGTERM) and waits for it to exit. Clients see the connection drop.
    package func stop() {
        let p = lock.withLock { () -> SpawnedProcess? in
            defer { process = nil }
            return process
        }
        p?.terminate()
    }

    package var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    private func launch() throws -> SpawnedProcess {
        guard let binary = MosquittoBroker.executable("mosquitto") else { throw Failure.notInstalled }
        let p = try SpawnedProcess.withSafetyTimeout(binary, ["-c", directory.file("mosquitto.conf")], output: .file(directory.file("mosquitto.log")))
        lock.withLock { process = p }
        return p
    }

    private func writeConfig() throws {
        var lines = [
            // As root, mosquitto would switch to the `mosquitto` user, who cannot read the
            // test's files; as anyone else this line is ignored.
            "user \(NSUserName())",
            options.persistent ? "persistence true\npersistence_location \(directory.path)/\nmax_queued_messages 0" : "persistence false",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "listener \(port) 127.0.0.1",
            // Latency figures should be the gateway's, not Nagle's on the broker's side.
            "set_tcp_nodelay true",
        ]
        if options.users.isEmpty {
            lines.append("allow_anonymous true")
        } else {
            let file = directory.file("passwords")
            try Data().write(to: URL(fileURLWithPath: file))
            for (user, password) in options.users.sorted(by: { $0.key < $1.key }) {
                try MosquittoBroker.runTool("mosquitto_passwd", ["-b", file, user, password])
            }
            lines += ["allow_anonymous false", "password_file \(file)"]
        }
        if let tls = options.tls {
            lines += ["cafile \(tls.caFile)", "certfile \(tls.certFile)", "keyfile \(tls.keyFile)",
                      "require_certificate \(tls.requireClientCertificate)"]
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory.file("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    /// Waits until this launch says it is running and the port accepts a connection, or the
    /// process dies, or 10 s pass. The log matters: another test's broker may have won the
    /// race for the same port and be the one accepting.
    private func waitForListener(process: SpawnedProcess, logStart: Int) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let mine = String(decoding: log.utf8.dropFirst(logStart), as: UTF8.self)
            if mine.contains(" running"), process.isRunning, Waiting.accepts(port: port) { return true }
            if !process.isRunning { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// The path of a mosquitto tool (`mosquitto` lives in /usr/sbin, often not on PATH).
    package static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"]
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a tool to completion; throws with its output when it fails.
    @discardableResult
    package static func runTool(_ name: String, _ arguments: [String]) throws -> String {
        guard let binary = executable(name) else { throw Failure.tool("\(name) is not installed") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else { throw Failure.tool("\(name) \(arguments.joined(separator: " ")) failed (\(p.terminationStatus)):\n\(text)") }
        return text
    }

    /// Publishes one message with `mosquitto_pub` (QoS 1), as a platform would.
    package func publish(topic: String, payload: String, retain: Bool = false, extra: [String] = []) throws {
        try MosquittoBroker.runTool("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(port)", "-q", "1", "-t", topic, "-m", payload]
            + (retain ? ["-r"] : []) + extra)
    }
}
