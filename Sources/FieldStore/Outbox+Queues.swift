import FieldCore
import Synchronization

extension Outbox {
    /// A telemetry record that lives in memory only.
    struct MemoryRecord {
        var message: OutboxMessage
        var posted: Timestamp
    }

    /// The outbox thread's queues beside the file: telemetry in memory, records the file could
    /// not take yet, and the timers armed for them. Attached to the connection like the store.
    final class Queues {
        var memory: [MemoryRecord] = []
        var memoryInFlight: [Int32: MemoryRecord] = [:]
        var held: [(kind: OutboxClass, messages: [OutboxMessage], durable: Bool)] = []
        var retryDelay: Duration = .zero
        var retryArmed = false
        var spillArmed = false
        /// The storage failure being retried, logged once when it starts and once when it ends.
        var trouble: String?

        var memoryByteCount: Int {
            memory.reduce(0) { $0 + $1.message.storedSize } + memoryInFlight.values.reduce(0) { $0 + $1.message.storedSize }
        }
        var heldCount: Int { held.reduce(0) { $0 + $1.messages.count } }
    }
}

/// What the outbox found when it opened its file (a damaged file recovered), handed from the
/// set-up on the outbox's thread to `Outbox.init`.
final class OpeningIncidents: Sendable {
    let list = Mutex<[OutboxIncident]>([])
}
