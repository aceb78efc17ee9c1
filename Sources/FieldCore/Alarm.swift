/// How urgent an alarm is. `critical` alarms (trapped passenger, leakage current on a pole, alarm
/// button) go out first.
package enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case critical, major, minor, warning

    /// 0 for critical … 3 for warning: lower goes first.
    package var rank: Int {
        switch self {
        case .critical: 0
        case .major: 1
        case .minor: 2
        case .warning: 3
        }
    }

    package static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// The stable id of an alarm (DESIGN rule 6): `source/type`, where the source is a device id or a
/// `device.point`, e.g. `hydrant-main.pressure/low-pressure` or `lift-1/trapped-passenger`.
/// The same condition on the same source always has the same id, across restarts.
package struct AlarmID: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    package var rawValue: String

    package init(rawValue: String) { self.rawValue = rawValue }
    package init(device: String, type: String) { rawValue = "\(device)/\(type)" }
    package init(point: PointRef, type: String) { rawValue = "\(point)/\(type)" }

    package var description: String { rawValue }

    /// The device part of the id.
    package var device: String {
        let source = rawValue.prefix { $0 != "/" }
        return String(source.prefix { $0 != "." })
    }

    /// The alarm type part of the id (after the last `/`).
    package var type: String { String(rawValue.split(separator: "/").last ?? "") }

    package static func < (a: AlarmID, b: AlarmID) -> Bool { a.rawValue < b.rawValue }

    package init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// What an alarm rule or an app says about one alarm condition.
package enum AlarmSignal: Hashable, Sendable {
    /// The condition is present: raise (no-op if already active).
    case raise(value: PointValue?, message: String)
    /// The condition is gone: clear (no-op if not active).
    case clear(value: PointValue?)
}

/// A change of an alarm's state, as stored in the outbox and sent to the platform.
package struct AlarmEvent: Hashable, Sendable, Codable {
    package enum Kind: String, Codable, Sendable {
        case raise, clear, acknowledge
    }

    package var kind: Kind
    package var id: AlarmID
    package var severity: Severity
    package var time: Timestamp
    /// The value that raised or cleared the alarm, when there is one.
    package var value: PointValue?
    /// A one-line explanation for the operator, e.g. "pressure 0.08 MPa below 0.14 MPa".
    package var message: String
    /// Who acknowledged (console user or "platform"), for `acknowledge` events.
    package var by: String?

    package init(kind: Kind, id: AlarmID, severity: Severity, time: Timestamp, value: PointValue?, message: String, by: String? = nil) {
        (self.kind, self.id, self.severity, self.time) = (kind, id, severity, time)
        (self.value, self.message, self.by) = (value, message, by)
    }
}

/// The live state of one alarm in the alarm table.
package struct AlarmRecord: Hashable, Sendable, Codable {
    package var id: AlarmID
    package var severity: Severity
    package var active: Bool
    package var raisedAt: Timestamp
    package var valueAtRaise: PointValue?
    package var message: String
    package var clearedAt: Timestamp?
    package var acknowledgedAt: Timestamp?
    package var acknowledgedBy: String?

    package var acknowledged: Bool { acknowledgedAt != nil }

    package init(id: AlarmID, severity: Severity, active: Bool, raisedAt: Timestamp, valueAtRaise: PointValue?, message: String,
                clearedAt: Timestamp? = nil, acknowledgedAt: Timestamp? = nil, acknowledgedBy: String? = nil) {
        (self.id, self.severity, self.active, self.raisedAt, self.valueAtRaise) = (id, severity, active, raisedAt, valueAtRaise)
        (self.message, self.clearedAt, self.acknowledgedAt, self.acknowledgedBy) = (message, clearedAt, acknowledgedAt, acknowledgedBy)
    }
}

/// Every alarm that is active, or cleared but not yet acknowledged (the usual annunciator rule:
/// an operator sees a fleeting alarm even after it cleared). Pure state: the runtime owns one.
package struct AlarmTable: Sendable {
    package private(set) var records: [AlarmID: AlarmRecord] = [:]

    package init() {}

    /// Applies a signal for alarm `id`; returns the event to publish, or nil when nothing changed.
    package mutating func apply(_ signal: AlarmSignal, id: AlarmID, severity: Severity, now: Timestamp) -> AlarmEvent? {
        switch signal {
        case .raise(let value, let message):
            if let r = records[id], r.active { return nil }
            records[id] = AlarmRecord(id: id, severity: severity, active: true, raisedAt: now, valueAtRaise: value,
                                      message: message, clearedAt: nil, acknowledgedAt: nil, acknowledgedBy: nil)
            return AlarmEvent(kind: .raise, id: id, severity: severity, time: now, value: value, message: message)
        case .clear(let value):
            guard var r = records[id], r.active else { return nil }
            r.active = false
            r.clearedAt = now
            if r.acknowledged { records[id] = nil } else { records[id] = r }
            return AlarmEvent(kind: .clear, id: id, severity: r.severity, time: now, value: value, message: r.message)
        }
    }

    /// Puts back alarms that were active before a restart (no events: the platform has them).
    package mutating func restore(_ restored: [AlarmRecord]) {
        for r in restored where r.active { records[r.id] = r }
    }

    /// Acknowledges alarm `id`; nil when there is no such alarm or it was already acknowledged.
    package mutating func acknowledge(_ id: AlarmID, by user: String, now: Timestamp) -> AlarmEvent? {
        guard var r = records[id], !r.acknowledged else { return nil }
        r.acknowledgedAt = now
        r.acknowledgedBy = user
        if r.active { records[id] = r } else { records[id] = nil }
        return AlarmEvent(kind: .acknowledge, id: id, severity: r.severity, time: now, value: nil, message: r.message, by: user)
    }

    /// Active alarms, most severe first, then oldest first.
    package var active: [AlarmRecord] {
        records.values.filter(\.active).sorted { ($0.severity.rank, $0.raisedAt, $0.id) < ($1.severity.rank, $1.raisedAt, $1.id) }
    }

    /// Every record, most severe first, then oldest first.
    package var all: [AlarmRecord] {
        records.values.sorted { ($0.severity.rank, $0.raisedAt, $0.id) < ($1.severity.rank, $1.raisedAt, $1.id) }
    }
}
