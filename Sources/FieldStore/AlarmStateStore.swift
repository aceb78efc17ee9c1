import FieldCore

/// The alarms the platform was last told are active, kept in the state database (table
/// `alarm_state` of `outbox.db`), so a restarted gateway can bring the platform back to its own
/// alarm state (docs/uplink.md, "Alarms after a restart").
///
/// The table follows the outbox's alarm events through an SQLite trigger: a `raise` stored in
/// the outbox inserts the alarm, a `clear` deletes it, an `acknowledge` marks it, in the same
/// transaction as the event itself. So whatever `kill -9` or a power cut interrupts, the table
/// and the events the platform will receive never disagree (two writes could be split by the
/// crash: a raise sent but not remembered would never be cleared).
package final class AlarmStateStore: Sendable {
    package let database: SQLiteWorker

    /// Creates the table and the trigger in the outbox's database if they are missing.
    /// - Throws: `SQLiteError` when they cannot be created (the outbox table must exist).
    package init(database: SQLiteWorker) throws(SQLiteError) {
        self.database = database
        let alarm = OutboxClass.alarm.rawValue
        // The payload is the alarm topic's JSON (UplinkEncoder.alarm); its telemetry mirror has
        // no "event" and is left alone. CAST: SQLite ≥ 3.45 would read a BLOB as JSONB.
        try database.perform { db throws(SQLiteError) in
            try db.execute("""
                CREATE TABLE IF NOT EXISTS alarm_state (
                    id TEXT PRIMARY KEY,
                    raise_event TEXT NOT NULL,
                    acknowledge_event TEXT
                ) WITHOUT ROWID;
                CREATE TRIGGER IF NOT EXISTS alarm_state_follows_outbox AFTER INSERT ON outbox
                WHEN NEW.class = \(alarm) AND json_valid(CAST(NEW.payload AS TEXT))
                    AND json_extract(CAST(NEW.payload AS TEXT), '$.event') IS NOT NULL
                BEGIN
                    INSERT OR REPLACE INTO alarm_state (id, raise_event, acknowledge_event)
                        SELECT json_extract(CAST(NEW.payload AS TEXT), '$.alarm'), CAST(NEW.payload AS TEXT), NULL
                        WHERE json_extract(CAST(NEW.payload AS TEXT), '$.event') = 'raise';
                    DELETE FROM alarm_state
                        WHERE json_extract(CAST(NEW.payload AS TEXT), '$.event') = 'clear'
                        AND id = json_extract(CAST(NEW.payload AS TEXT), '$.alarm');
                    UPDATE alarm_state SET acknowledge_event = CAST(NEW.payload AS TEXT)
                        WHERE json_extract(CAST(NEW.payload AS TEXT), '$.event') = 'acknowledge'
                        AND id = json_extract(CAST(NEW.payload AS TEXT), '$.alarm');
                END;
                """)
        }
    }

    /// The alarms active at the platform as of the last stored event, oldest first. A row that
    /// cannot be read (a hand-edited file) is skipped and reported in `problems`.
    package func load() throws(SQLiteError) -> (alarms: [AlarmRecord], problems: [String]) {
        let rows = try database.perform { db throws(SQLiteError) in
            try db.query("SELECT id, raise_event, acknowledge_event FROM alarm_state ORDER BY id") { s in
                (s.text(0), s.text(1), s.isNull(2) ? nil : s.text(2))
            }
        }
        var records: [AlarmRecord] = []
        var problems: [String] = []
        for (id, raise, acknowledge) in rows {
            guard let record = AlarmStateStore.record(raise: raise, acknowledge: acknowledge) else {
                problems.append("alarm_state row \(id): not an alarm event")
                continue
            }
            records.append(record)
        }
        return (records.sorted { ($0.raisedAt, $0.id) < ($1.raisedAt, $1.id) }, problems)
    }

    /// The record a stored raise (and acknowledgement) describe.
    static func record(raise: String, acknowledge: String?) -> AlarmRecord? {
        guard let r = try? JSONValue.parse(raise), let id = r["alarm"]?.stringValue,
              let severity = r["severity"]?.stringValue.flatMap(Severity.init(rawValue:)),
              let ts = r["ts"]?.numberValue, ts.isFinite, abs(ts) < 1e15 else { return nil }
        let value: PointValue? = switch r["value"] {
        case .number(let n)?: .number(n)
        case .bool(let b)?: .bool(b)
        case .string(let s)?: .text(s)
        default: nil
        }
        var record = AlarmRecord(id: AlarmID(rawValue: id), severity: severity, active: true,
                                 raisedAt: Timestamp(milliseconds: Int64(ts)), valueAtRaise: value,
                                 message: r["message"]?.stringValue ?? "", clearedAt: nil, acknowledgedAt: nil, acknowledgedBy: nil)
        if let acknowledge, let a = try? JSONValue.parse(acknowledge), let at = a["ts"]?.numberValue, at.isFinite, abs(at) < 1e15 {
            record.acknowledgedAt = Timestamp(milliseconds: Int64(at))
            record.acknowledgedBy = a["by"]?.stringValue
        }
        return record
    }
}
