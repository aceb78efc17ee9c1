import FieldCore

/// What kind of message a record is. The raw value is the delivery priority (lower goes first)
/// and the `class` column of the `outbox` table.
package enum OutboxClass: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Alarm events (raise, clear, acknowledge) and their telemetry mirrors: stored with fsync,
    /// sent first, dropped last.
    case alarm = 0
    /// Answers to platform commands (RPC replies).
    case command = 1
    /// Telemetry batches and gateway health: sent after alarms and commands, dropped first.
    case telemetry = 2

    package var description: String {
        switch self {
        case .alarm: "alarm"
        case .command: "command"
        case .telemetry: "telemetry"
        }
    }

    package static func < (a: OutboxClass, b: OutboxClass) -> Bool { a.rawValue < b.rawValue }
}

/// One MQTT message as the outbox keeps it: the full topic and the payload bytes.
package struct OutboxMessage: Sendable, Hashable {
    package var topic: String
    package var payload: [UInt8]

    package init(topic: String, payload: [UInt8]) {
        self.topic = topic
        self.payload = payload
    }

    package init(topic: String, payload: String) {
        self.init(topic: topic, payload: Array(payload.utf8))
    }

    /// The payload as text (payloads are UTF-8 JSON).
    package var text: String { String(decoding: payload, as: UTF8.self) }

    /// What the record counts against the outbox's bound: topic and payload plus a fixed
    /// allowance for the row, its index entry and page overhead.
    var storedSize: Int { topic.utf8.count + payload.count + OutboxMessage.rowOverhead }

    static let rowOverhead = 48
}

/// A stored message with its place in the outbox.
package struct OutboxRecord: Sendable, Hashable {
    /// Increases with every record ever stored in this file (SQLite AUTOINCREMENT), so it orders
    /// records within a class and never repeats.
    package var sequence: Int64
    package var kind: OutboxClass
    /// When the record was stored.
    package var stored: Timestamp
    package var message: OutboxMessage

    package init(sequence: Int64, kind: OutboxClass, stored: Timestamp, message: OutboxMessage) {
        self.sequence = sequence
        self.kind = kind
        self.stored = stored
        self.message = message
    }
}
