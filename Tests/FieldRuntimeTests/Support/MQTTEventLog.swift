import FieldRuntime
import FieldTestSupport
import Foundation
import Synchronization

/// Collects an `MQTTClient`'s events for a test to wait on.
final class MQTTEventLog: Sendable {
    private let events = Mutex<[MQTTEvent]>([])

    func record(_ e: MQTTEvent) { events.withLock { $0.append(e) } }

    var all: [MQTTEvent] { events.withLock { $0 } }

    var connections: Int { all.filter { if case .connected = $0 { true } else { false } }.count }

    var acknowledged: [Int32] { all.compactMap { if case .published(let id) = $0 { id } else { nil } } }

    var messages: [MQTTMessage] { all.compactMap { if case .message(let m) = $0 { m } else { nil } } }

    var failures: [MQTTError] {
        all.compactMap {
            switch $0 {
            case .connectFailed(let e), .connectionLost(let e): e
            default: nil
            }
        }
    }

    var losses: Int { all.filter { if case .connectionLost = $0 { true } else { false } }.count }

    func waitFor(timeout: Duration = .seconds(10), _ condition: (MQTTEventLog) -> Bool) async -> Bool {
        await eventually(timeout: timeout) { condition(self) }
    }
}

extension MQTTClientOptions {
    /// Options for a test client of the broker on 127.0.0.1:`port` that retries quickly.
    static func test(port: Int, id: String = "test-\(UUID().uuidString.prefix(8))") -> MQTTClientOptions {
        MQTTClientOptions(clientID: id, host: "127.0.0.1", port: port, keepalive: .seconds(5),
                          reconnectDelay: .milliseconds(50) ... .milliseconds(400))
    }
}
