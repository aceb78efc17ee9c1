/// How urgent an alarm is. `critical` alarms (trapped passenger, leakage current on a pole, alarm
/// button) go out first.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case critical, major, minor, warning

    /// 0 for critical … 3 for warning: lower goes first.
    public var rank: Int {
        switch self {
        case .critical: 0
        case .major: 1
        case .minor: 2
        case .warning: 3
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// The stable id of an alarm (DESIGN rule 6): `source/type`, where the source is a device id or a
/// `device.point`, e.g. `hydrant-main.pressure/low-pressure` or `lift-1/trapped-passenger`.
/// The same condition on the same source always has the same id, across restarts.
public struct AlarmID: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(device: String, type: String) { rawValue = "\(device)/\(type)" }
    public init(point: PointRef, type: String) { rawValue = "\(point)/\(type)" }

    public var description: String { rawValue }

    /// The device part of the id.
    public var device: String {
        let source = rawValue.prefix { $0 != "/" }
        return String(source.prefix { $0 != "." })
    }

    /// The alarm type part of the id (after the last `/`).
    public var type: String { String(rawValue.split(separator: "/").last ?? "") }

    public static func < (a: AlarmID, b: AlarmID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// What an alarm rule or an app says about one alarm condition.
public enum AlarmSignal: Hashable, Sendable {
    /// The condition is present: raise (no-op if already active).
    case raise(value: PointValue?, message: String)
    /// The condition is gone: clear (no-op if not active).
    case clear(value: PointValue?)
}

/// A change of an alarm's state, as stored in the outbox and sent to the platform.
public struct AlarmEvent: Hashable, Sendable, Codable {
    public enum Kind: String, Codable, Sendable {
        case raise, clear, acknowledge
    }

    public var kind: Kind
    public var id: AlarmID
    public var severity: Severity
    public var time: Timestamp
    /// The value that raised or cleared the alarm, when there is one.
    public var value: PointValue?
    /// A one-line explanation for the operator, e.g. "pressure 0.08 MPa below 0.14 MPa".
    public var message: String
    /// Who acknowledged (console user or "platform"), for `acknowledge` events.
    public var by: String?

    public init(kind: Kind, id: AlarmID, severity: Severity, time: Timestamp, value: PointValue?, message: String, by: String? = nil) {
        (self.kind, self.id, self.severity, self.time) = (kind, id, severity, time)
        (self.value, self.message, self.by) = (value, message, by)
    }
}

/// The live state of one alarm in the alarm table.
public struct AlarmRecord: Hashable, Sendable, Codable {
    public var id: AlarmID
    public var severity: Severity
    public var active: Bool
    public var raisedAt: Timestamp
    public var valueAtRaise: PointValue?
    public var message: String
    public var clearedAt: Timestamp?
    public var acknowledgedAt: Timestamp?
    public var acknowledgedBy: String?

    public var acknowledged: Bool { acknowledgedAt != nil }

    public init(id: AlarmID, severity: Severity, active: Bool, raisedAt: Timestamp, valueAtRaise: PointValue?, message: String,
                clearedAt: Timestamp? = nil, acknowledgedAt: Timestamp? = nil, acknowledgedBy: String? = nil) {
        (self.id, self.severity, self.active, self.raisedAt, self.valueAtRaise) = (id, severity, active, raisedAt, valueAtRaise)
        (self.message, self.clearedAt, self.acknowledgedAt, self.acknowledgedBy) = (message, clearedAt, acknowledgedAt, acknowledgedBy)
    }
}

/// Every alarm that is active, or cleared but not yet acknowledged (the usual annunciator rule:
/// an operator sees a fleeting alarm even after it cleared). Pure state: the runtime owns one.
public struct AlarmTable: Sendable {
    public private(set) var records: [AlarmID: AlarmRecord] = [:]

    public init() {}

    /// Applies a signal for alarm `id`; returns the event to publish, or nil when nothing changed.
    public mutating func apply(_ signal: AlarmSignal, id: AlarmID, severity: Severity, now: Timestamp) -> AlarmEvent? {
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
    public mutating func restore(_ restored: [AlarmRecord]) {
        for r in restored where r.active { records[r.id] = r }
    }

    /// Acknowledges alarm `id`; nil when there is no such alarm or it was already acknowledged.
    public mutating func acknowledge(_ id: AlarmID, by user: String, now: Timestamp) -> AlarmEvent? {
        guard var r = records[id], !r.acknowledged else { return nil }
        r.acknowledgedAt = now
        r.acknowledgedBy = user
        if r.active { records[id] = r } else { records[id] = nil }
        return AlarmEvent(kind: .acknowledge, id: id, severity: r.severity, time: now, value: nil, message: r.message, by: user)
    }

    /// Active alarms, most severe first, then oldest first.
    public var active: [AlarmRecord] {
        records.values.filter(\.active).sorted { ($0.severity.rank, $0.raisedAt, $0.id) < ($1.severity.rank, $1.raisedAt, $1.id) }
    }

    /// Every record, most severe first, then oldest first.
    public var all: [AlarmRecord] {
        records.values.sorted { ($0.severity.rank, $0.raisedAt, $0.id) < ($1.severity.rank, $1.raisedAt, $1.id) }
    }
}
