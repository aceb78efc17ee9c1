import FieldCore
import FieldTestSupport
import Foundation

/// The platform's side of ThingsBoard's firmware update, on a real mosquitto: it assigns a
/// package (the `fw_*` shared attributes, also as the answer to the gateway's attribute request)
/// and serves it chunk by chunk as the gateway asks (`v2/fw/request/<id>/chunk/<n>`, payload the
/// chunk size; answered on `v2/fw/response/<id>/chunk/<n>` with the bytes, each published by
/// `mosquitto_pub -f`). It can serve a corrupted byte, or stop answering after some chunks (an
/// outage mid-download). What the gateway reports (`fw_state`) is read from the rig's observer.
final class FirmwarePlatform: @unchecked Sendable {
    let broker: MosquittoBroker
    let image: [UInt8]
    let title: String
    let version: String
    let checksum: String
    private let requests: MosquittoSubscriber
    private let attributeRequests: MosquittoSubscriber
    private let lock = NSLock()
    private var served = 0
    private var answeredRequests = 0
    private var answeredAttributeRequests = 0
    private var stopped = false
    /// Chunk indexes asked for, in order.
    private var asked: [Int] = []
    /// Serve byte `corrupt` flipped (the checksum still names the real image).
    var corrupt: Int?
    /// Answer no chunk after this many (nil: all).
    var answerLimit: Int?
    private let scratch: TemporaryDirectory

    init(broker: MosquittoBroker, image: [UInt8], title: String = "fieldgate", version: String) async throws {
        self.broker = broker
        self.image = image
        self.title = title
        self.version = version
        checksum = SHA256.hex(of: image)
        scratch = try TemporaryDirectory("fw-platform")
        requests = try MosquittoSubscriber(port: broker.port, filter: "v2/fw/request/+/chunk/+")
        try await requests.start()
        attributeRequests = try MosquittoSubscriber(port: broker.port, filter: "v1/devices/me/attributes/request/+")
        try await attributeRequests.start()
        Thread { [self] in serve() }.start()
    }

    deinit { stop() }

    func stop() {
        lock.withLock { stopped = true }
        requests.stop()
        attributeRequests.stop()
    }

    var offer: JSONValue {
        ["fw_title": .string(title), "fw_version": .string(version), "fw_size": .number(Double(image.count)),
         "fw_checksum": .string(checksum), "fw_checksum_algorithm": "SHA256"]
    }

    /// Assigns the package: the shared attributes change, as ThingsBoard pushes them.
    func assign() throws {
        try broker.publish(topic: "v1/devices/me/attributes", payload: offer.serialized())
    }

    var chunksAsked: [Int] { lock.withLock { asked } }
    var chunksServed: Int { lock.withLock { served } }

    private func serve() {
        while !lock.withLock({ stopped }) {
            let pending = requests.messages
            let attributePending = attributeRequests.messages
            let (fromRequest, fromAttribute) = lock.withLock { (answeredRequests, answeredAttributeRequests) }
            for m in attributePending.dropFirst(fromAttribute) {
                let id = m.topic.split(separator: "/").last.map(String.init) ?? "0"
                try? broker.publish(topic: "v1/devices/me/attributes/response/\(id)", payload: JSONValue.object(["shared": offer]).serialized())
            }
            for m in pending.dropFirst(fromRequest) { answer(m) }
            lock.withLock {
                answeredRequests = pending.count
                answeredAttributeRequests = attributePending.count
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    private func answer(_ m: MosquittoSubscriber.Message) {
        let parts = m.topic.split(separator: "/")
        guard parts.count == 6, let n = Int(parts[5]), let size = Int(m.payload.trimmingCharacters(in: .whitespaces)), size > 0 else { return }
        let go: Bool = lock.withLock {
            asked.append(n)
            if let limit = answerLimit, served >= limit { return false }
            served += 1
            return true
        }
        guard go else { return }
        let start = min(n * size, image.count)
        var chunk = Array(image[start ..< min(start + size, image.count)])
        if let c = corrupt, c >= start, c < start + chunk.count { chunk[c - start] ^= 0xff }
        let file = scratch.file("chunk-\(parts[3])-\(n)")
        FileManager.default.createFile(atPath: file, contents: Data(chunk))
        _ = try? MosquittoBroker.runTool("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1",
                                                           "-t", "v2/fw/response/\(parts[3])/chunk/\(n)", "-f", file])
        try? FileManager.default.removeItem(atPath: file)
    }
}
