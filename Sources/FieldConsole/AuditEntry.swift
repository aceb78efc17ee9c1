import FieldCore

/// One audited change: who, when, from where, what, old → new.
public struct AuditEntry: Hashable, Sendable, Codable {
    public var time: Timestamp
    public var user: String
    /// Where it came from: `console ttyS1`, `console socket`, `platform`.
    public var channel: String
    /// The command: `config set`, `modbus write`, `gpio set`, `login`, …
    public var action: String
    /// What it acted on: a config key, `rs485-1 unit 3 holding 0x0010`, a line, an alarm id.
    public var target: String
    public var old: String?
    public var new: String?

    public init(time: Timestamp, user: String, channel: String, action: String, target: String, old: String? = nil, new: String? = nil) {
        (self.time, self.user, self.channel, self.action, self.target, self.old, self.new) = (time, user, channel, action, target, old, new)
    }
}
