#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import Foundation

/// A real `mosquitto` on 127.0.0.1 for a scenario (or a test), with a `mosquitto_sub` that records
/// every message published to it: where the gateway's uplink goes (`fieldgate run --mqtt URL`)
/// and what MQTT expectations are checked against. Both processes stop with the value.
package final class MQTTBroker {
    /// One message as the observer received it.
    package struct Message: Sendable, Hashable {
        package var topic: String
        /// The payload as JSON when it is JSON, else as a string.
        package var payload: JSONValue
        package var retained: Bool
    }

    package private(set) var port: Int
    private let directory: String
    private var broker: ChildProcess?
    private var observer: ChildProcess?
    private var consumed = 0

    /// `mqtt://127.0.0.1:PORT`.
    package var url: String { "mqtt://127.0.0.1:\(port)" }

    /// Starts the broker on a free port (another if a parallel run takes it first) and the
    /// observer, and returns once the observer sees its own probe message.
    ///
    /// - Throws: `ChildProcessError` when mosquitto is missing or does not come up within 10 s.
    package init(directory: String) throws {
        self.directory = directory
        port = 0
        var attempts = 3
        while true {
            port = try Waiting.freePort()
            try config().write(toFile: directory + "/mosquitto.conf", atomically: true, encoding: .utf8)
            let b = try ChildProcess(executable: try Self.tool("mosquitto"), arguments: ["-c", directory + "/mosquitto.conf"],
                                     logPath: directory + "/mosquitto.log")
            if Waiting.until(timeout: .seconds(10), { b.isRunning ? (b.logTail(lines: 200).contains(" running") ? true : nil) : false }) == true {
                broker = b
                break
            }
            b.terminate()
            attempts -= 1
            guard attempts > 0, b.logTail(lines: 200).contains("Address already in use") else {
                throw ChildProcessError("mosquitto did not start:\n\(b.logTail())")
            }
        }
        observer = try ChildProcess(executable: try Self.tool("mosquitto_sub"),
                                    arguments: ["-h", "127.0.0.1", "-p", String(port), "-t", "#", "-q", "1", "-F", "%j"],
                                    logPath: directory + "/messages.jsonl")
        let probe = "fieldsim/probe"
        let seen = Waiting.until(timeout: .seconds(10), interval: .milliseconds(100)) { () -> Bool? in
            _ = try? ChildProcess(executable: try Self.tool("mosquitto_pub"),
                                  arguments: ["-h", "127.0.0.1", "-p", String(port), "-t", probe, "-m", "probe"],
                                  logPath: directory + "/probe.log").waitForExit(timeout: .seconds(5))
            return read().contains { $0.topic == probe } ? true : nil
        }
        guard seen == true else { throw ChildProcessError("mosquitto_sub does not see the broker:\n\(observer?.logTail() ?? "")") }
    }

    deinit { stop() }

    package func stop() {
        observer?.terminate(grace: .seconds(1))
        broker?.terminate(grace: .seconds(2))
        observer = nil
        broker = nil
    }

    /// Messages received since the last call (the probe excluded).
    package func newMessages() -> [Message] {
        read().filter { $0.topic != "fieldsim/probe" }
    }

    private func read() -> [Message] {
        guard let data = FileManager.default.contents(atPath: directory + "/messages.jsonl"), data.count > consumed else { return [] }
        // Only whole lines: mosquitto_sub may be half-way through one.
        guard let end = data.lastIndex(of: UInt8(ascii: "\n")), end >= consumed else { return [] }
        let chunk = data[consumed...end]
        consumed = end + 1
        return chunk.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let m = try? JSONValue.parse(Data(line)), let topic = m["topic"]?.stringValue else { return nil }
            let text = m["payload"]?.stringValue ?? ""
            let payload = (try? JSONValue.parse(text)) ?? .string(text)
            return Message(topic: topic, payload: payload, retained: m["retain"]?.numberValue == 1)
        }
    }

    private func config() -> String {
        [
            // As root mosquitto would switch to its own user, who cannot write our directory.
            "user \(NSUserName())",
            "listener \(port) 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "log_dest stderr",
            "log_type error", "log_type warning", "log_type notice", "log_type information",
        ].joined(separator: "\n") + "\n"
    }

    static func tool(_ name: String) throws -> String {
        for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        throw ChildProcessError("\(name) is not installed (apt-get install mosquitto mosquitto-clients)")
    }
}

/// MQTT topic filter matching: `+` one level, `#` the rest.
func topicMatches(_ filter: String, _ topic: String) -> Bool {
    let f = filter.split(separator: "/", omittingEmptySubsequences: false)
    let t = topic.split(separator: "/", omittingEmptySubsequences: false)
    for (i, level) in f.enumerated() {
        if level == "#" { return true }
        guard i < t.count, level == "+" || level == t[i] else { return false }
    }
    return f.count == t.count
}

/// Whether `actual` holds everything `expected` says: objects by key (recursively), arrays by
/// each expected element matching some actual element, numbers within 1e-9.
func jsonContains(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
    switch (actual, expected) {
    case (.object(let a), .object(let e)):
        return e.allSatisfy { key, value in a[key].map { jsonContains($0, value) } ?? false }
    case (.array(let a), .array(let e)):
        return e.allSatisfy { value in a.contains { jsonContains($0, value) } }
    case (.number(let a), .number(let e)):
        return abs(a - e) < 1e-9
    default:
        return actual == expected
    }
}
