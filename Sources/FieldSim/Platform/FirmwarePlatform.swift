#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldSystem
import Foundation
import Synchronization

/// The platform's side of ThingsBoard's firmware update for one gateway device, on any MQTT
/// broker, written only with mosquitto's own clients (no gateway code): it assigns a package
/// (the `fw_*` shared attributes on `v1/devices/me/attributes`, and as the answer to the
/// gateway's attribute request), serves it chunk by chunk as the gateway asks
/// (`v2/fw/request/<id>/chunk/<n>`, payload the chunk size; answered on
/// `v2/fw/response/<id>/chunk/<n>` with the bytes, each by `mosquitto_pub -f`), and records every
/// `fw_state` (with its `fw_error`) the gateway reports in its telemetry or client attributes.
/// It can serve one byte flipped, or stop answering after some chunks (an outage mid-download).
///
/// One `mosquitto_sub` child process receives everything; a thread the platform owns reads its
/// output and answers. `stop()` ends both.
package final class FirmwarePlatform: Sendable {
    /// One `fw_state` as the gateway reported it.
    package struct Report: Sendable, Hashable {
        package var state: String
        package var error: String?
        /// `monotonicMilliseconds()` when it was read.
        package var at: Int64
    }

    package enum Outcome: Sendable, Hashable {
        case updated
        case failed(String)
    }

    package let host: String
    package let port: Int
    package let image: [UInt8]
    package let title: String
    package let version: String
    /// SHA-256 of the real image (also when a corrupted byte is served).
    package let checksum: String

    private struct State {
        var stopped = false
        var corrupt: Int?
        var answerLimit: Int?
        var served = 0
        var asked: [Int] = []
        var reports: [Report] = []
        var attributeRequests: [Int64] = []
        var problems: [String] = []
    }

    private let state = Mutex(State())
    private let directory: String
    private let publisher: String
    private let subscriber: ChildProcess
    private let thread = Mutex<WorkerThread?>(nil)
    private static let probeTopic = "fieldsim/firmware-platform/probe"

    /// Subscribes and returns once the subscription is in place (its own probe message seen).
    ///
    /// - Parameters:
    ///   - directory: an existing directory for mosquitto_sub's output and the chunk files.
    ///   - lifetime: mosquitto_sub ends itself after this long (`-W`), should this process die
    ///     without stopping it.
    /// - Throws: `ChildProcessError` when the mosquitto clients are missing or the broker does not
    ///   answer within 10 s (naming HOST:PORT).
    package init(host: String, port: Int, image: [UInt8], title: String = "fieldgate", version: String,
                directory: String, lifetime: Duration = .seconds(3600)) throws {
        self.host = host
        self.port = port
        self.image = image
        self.title = title
        self.version = version
        self.directory = directory
        checksum = SHA256.hex(of: image)
        publisher = try MQTTBroker.tool("mosquitto_pub")
        let topics = ["v2/fw/request/+/chunk/+", "v1/devices/me/attributes/request/+", "v1/devices/me/telemetry",
                      "v1/devices/me/attributes", Self.probeTopic]
        subscriber = try ChildProcess(
            executable: try MQTTBroker.tool("mosquitto_sub"),
            arguments: ["-h", host, "-p", String(port), "-q", "1", "-F", "%j", "-W", String(max(1, lifetime.components.seconds)),
                        "-i", "fieldsim-fw-\(getpid())-\(monotonicMilliseconds() % 100_000)"] + topics.flatMap { ["-t", $0] },
            logPath: directory + "/platform-messages.jsonl")
        var offset = 0
        let seen = Waiting.until(timeout: .seconds(10), interval: .milliseconds(200)) { () -> Bool? in
            guard subscriber.isRunning else { return false }
            try? publish(Self.probeTopic, message: "probe")
            return Self.read(directory + "/platform-messages.jsonl", from: &offset).contains { $0.topic == Self.probeTopic } ? true : nil
        }
        guard seen == true else {
            subscriber.terminate(grace: .seconds(1))
            throw ChildProcessError("the firmware platform cannot subscribe on \(host):\(port): \(subscriber.logTail(lines: 5))")
        }
        // The thread holds the platform until `stop()`: it answers for as long as it is not stopped.
        let started = try WorkerThread.start("fw-platform") { [self] in
            var consumed = 0
            while !state.withLock({ $0.stopped }) {
                poll(&consumed)
                usleep(20_000)
            }
        }
        thread.withLock { $0 = started }
    }

    /// Stops answering and recording (call it: the platform's thread holds it until then); safe
    /// to call more than once.
    package func stop() {
        state.withLock { $0.stopped = true }
        subscriber.terminate(grace: .seconds(1))
        let t = thread.withLock { t in defer { t = nil }; return t }
        t?.join()
    }

    /// Serve byte `corrupt` (an offset in the image) flipped; the checksum still names the real image.
    package var corrupt: Int? {
        get { state.withLock { $0.corrupt } }
        set { state.withLock { $0.corrupt = newValue } }
    }

    /// Answer no chunk after this many (nil: all).
    package var answerLimit: Int? {
        get { state.withLock { $0.answerLimit } }
        set { state.withLock { $0.answerLimit = newValue } }
    }

    /// The shared attributes that assign this package.
    package var offer: JSONValue {
        ["fw_title": .string(title), "fw_version": .string(version), "fw_size": .number(Double(image.count)),
         "fw_checksum": .string(checksum), "fw_checksum_algorithm": "SHA256"]
    }

    /// Assigns the package: the shared attributes change, as ThingsBoard pushes them.
    package func assign() throws {
        try publish("v1/devices/me/attributes", message: offer.serialized())
    }

    /// Chunk indexes asked for, in order.
    package var chunksAsked: [Int] { state.withLock { $0.asked } }
    package var chunksServed: Int { state.withLock { $0.served } }
    /// Every `fw_state` the gateway reported, in order.
    package var reports: [Report] { state.withLock { $0.reports } }
    package var states: [String] { reports.map(\.state) }
    /// Publishing failures (a chunk mosquitto_pub could not send), for failure messages.
    package var problems: [String] { state.withLock { $0.problems } }

    /// The update's outcome once known: UPDATED after UPDATING; FAILED after UPDATING (a rollback);
    /// FAILED before it unless the gateway asked for its attributes within 3 s of it, which is a
    /// reconnecting gateway repeating its last update's outcome. A FAILED is taken once 3 s old.
    package var outcome: Outcome? {
        let (reports, requests) = state.withLock { ($0.reports, $0.attributeRequests) }
        let now = monotonicMilliseconds()
        var updating = false
        for r in reports {
            switch r.state {
            case "UPDATING": updating = true
            case "UPDATED" where updating: return .updated
            case "FAILED" where updating: return .failed(r.error ?? "")
            case "FAILED":
                let replayed = requests.contains { abs($0 - r.at) <= 3000 }
                if !replayed {
                    if now - r.at >= 3000 { return .failed(r.error ?? "") }
                    return nil
                }
            default: break
            }
        }
        return nil
    }

    // MARK: - On the platform's thread

    private func poll(_ consumed: inout Int) {
        for m in Self.read(directory + "/platform-messages.jsonl", from: &consumed) {
            if m.topic.hasPrefix("v2/fw/request/") {
                answer(m)
            } else if m.topic.hasPrefix("v1/devices/me/attributes/request/") {
                state.withLock { $0.attributeRequests.append(monotonicMilliseconds()) }
                let id = m.topic.split(separator: "/").last.map(String.init) ?? "0"
                attempt { try publish("v1/devices/me/attributes/response/\(id)", message: JSONValue.object(["shared": offer]).serialized()) }
            } else if m.topic == "v1/devices/me/telemetry" || m.topic == "v1/devices/me/attributes" {
                guard let doc = try? JSONValue.parse(m.payload) else { continue }
                let values = doc["values"] ?? doc
                guard let s = values["fw_state"]?.stringValue else { continue }
                state.withLock { $0.reports.append(Report(state: s, error: values["fw_error"]?.stringValue, at: monotonicMilliseconds())) }
            }
        }
    }

    private func answer(_ m: (topic: String, payload: String)) {
        let parts = m.topic.split(separator: "/")
        guard parts.count == 6, let n = Int(parts[5]), (0...1_000_000).contains(n),
              let size = Int(m.payload.trimmingCharacters(in: .whitespaces)), (1...16_777_216).contains(size) else {
            state.withLock { $0.problems.append("a chunk request I cannot read: \(m.topic) \"\(m.payload.prefix(40))\"") }
            return
        }
        let (go, corrupt): (Bool, Int?) = state.withLock { s in
            s.asked.append(n)
            if let limit = s.answerLimit, s.served >= limit { return (false, nil) }
            s.served += 1
            return (true, s.corrupt)
        }
        guard go else { return }
        let start = min(n * size, image.count)
        var chunk = Array(image[start ..< min(start + size, image.count)])
        if let c = corrupt, c >= start, c < start + chunk.count { chunk[c - start] ^= 0xff }
        let file = directory + "/chunk-\(parts[3])-\(n)"
        attempt {
            try Data(chunk).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            try publish("v2/fw/response/\(parts[3])/chunk/\(n)", file: file)
        }
    }

    private func attempt(_ body: () throws -> Void) {
        do { try body() } catch { state.withLock { $0.problems.append("\(error)") } }
    }

    private func publish(_ topic: String, message: String? = nil, file: String? = nil) throws {
        let payload = file.map { ["-f", $0] } ?? ["-m", message ?? ""]
        let p = try ChildProcess(executable: publisher, arguments: ["-h", host, "-p", String(port), "-q", "1", "-t", topic] + payload,
                                 logPath: directory + "/platform-publish.log")
        guard let status = p.waitForExit(timeout: .seconds(10)), status == 0 else {
            p.terminate(grace: .seconds(1))
            throw ChildProcessError("mosquitto_pub to \(host):\(port) on \(topic) failed: \(p.logTail(lines: 3))")
        }
    }

    /// The whole lines mosquitto_sub (`-F %j`) wrote after `offset`, as topic and payload text.
    private static func read(_ path: String, from offset: inout Int) -> [(topic: String, payload: String)] {
        guard let data = FileManager.default.contents(atPath: path), data.count > offset,
              let end = data.lastIndex(of: UInt8(ascii: "\n")), end >= offset else { return [] }
        let lines = data[offset...end].split(separator: UInt8(ascii: "\n"))
        offset = end + 1
        return lines.compactMap { line in
            guard let m = try? JSONValue.parse(Data(line)), let topic = m["topic"]?.stringValue else { return nil }
            let payload = m["payload"].map { $0.stringValue ?? $0.serialized() } ?? ""
            return (topic, payload)
        }
    }
}
