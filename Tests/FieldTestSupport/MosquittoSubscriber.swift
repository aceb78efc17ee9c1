import Foundation

/// An independent observer on a test broker: `mosquitto_sub` subscribed to a topic filter,
/// collecting every message it prints (JSON output format, `-F %j`). `start()` returns once the
/// broker acknowledged the subscription. Stopped when the value goes away.
package final class MosquittoSubscriber: @unchecked Sendable {
    package struct Message: Hashable, CustomStringConvertible, Sendable {
        package var topic: String
        package var payload: String
        package var retained: Bool

        package var description: String { "\(topic) \(payload)\(retained ? " (retained)" : "")" }
    }

    private var process: SpawnedProcess?
    private let arguments: [String]
    private let binary: String
    private let lock = NSLock()
    private var received: [Message] = []
    private var subscribed = false
    private var output = ""
    private var pendingLine = Data()

    /// - Parameters:
    ///   - persistent: a persistent session (`-c`): with a persistent broker, messages published
    ///     while the observer reconnects after an outage are kept for it.
    ///   - extra: more `mosquitto_sub` options (TLS files, user name and password).
    package init(port: Int, filter: String = "#", persistent: Bool = false, extra: [String] = []) throws {
        guard let sub = MosquittoBroker.executable("mosquitto_sub") else { throw MosquittoBroker.Failure.notInstalled }
        // Line-buffered stdout: mosquitto_sub flushes after each message but not after its
        // SUBACK line, which says the subscription is in place.
        binary = "/usr/bin/stdbuf"
        // -W: it ends itself after 30 minutes should a crashed test runner leave it behind.
        arguments = ["-oL", sub, "-W", "1800", "-h", "127.0.0.1", "-p", "\(port)", "-t", filter, "-q", "1", "-d", "-F", "%j",
                     "-i", "observer-\(UUID().uuidString.prefix(8))"] + (persistent ? ["-c"] : []) + extra
    }

    deinit {
        stop()
    }

    /// Starts `mosquitto_sub` and waits for its SUBACK (up to 10 s).
    package func start() async throws {
        process = try SpawnedProcess(binary, arguments, output: .pipe { [weak self] data in self?.consume(data) })
        let ok = await eventually { lock.withLock { subscribed } }
        guard ok else { throw MosquittoBroker.Failure.tool("mosquitto_sub did not subscribe:\n\(transcript)") }
    }

    /// Kills it: mosquitto_sub's SIGTERM handler can hang while it reconnects to a stopped broker.
    package func stop() {
        process?.send(SIGKILL)
        process?.wait()
    }

    /// Every message so far, in arrival order.
    package var messages: [Message] { lock.withLock { received } }

    /// Messages on `topic` so far.
    package func messages(on topic: String) -> [Message] { messages.filter { $0.topic == topic } }

    /// What `mosquitto_sub` printed (debug lines included), for failure messages.
    package var transcript: String { lock.withLock { output } }

    /// Waits until `condition` holds for the messages so far (up to `timeout`).
    package func wait(timeout: Duration = .seconds(10), until condition: ([Message]) -> Bool) async -> Bool {
        await eventually(timeout: timeout) { condition(messages) }
    }

    private func consume(_ data: Data) {
        lock.withLock {
            pendingLine.append(data)
            while let newline = pendingLine.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pendingLine[pendingLine.startIndex..<newline], as: UTF8.self)
                pendingLine.removeSubrange(pendingLine.startIndex...newline)
                output += line + "\n"
                if line.hasPrefix("Subscribed (mid") { subscribed = true }
                guard line.hasPrefix("{"), let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let topic = json["topic"] as? String else { continue }
                let payload = json["payload"] as? String ?? ""
                received.append(Message(topic: topic, payload: payload, retained: (json["retain"] as? Int ?? 0) != 0))
            }
        }
    }
}
