import FieldCore

/// Start or end a maintenance window: door alarms are suppressed while it is open, and the
/// platform is told.
public enum MaintenanceAction: Hashable, Sendable {
    /// `scope` nil: the whole site; otherwise one device. `duration` nil: until `end`.
    case start(scope: String?, duration: Duration?)
    case end(scope: String?)
}

/// An open maintenance window.
public struct MaintenanceWindow: Hashable, Sendable {
    /// A device id, or nil for the whole site.
    public var scope: String?
    public var startedBy: String
    public var since: Timestamp
    /// nil: until ended by hand.
    public var until: Timestamp?

    public init(scope: String?, startedBy: String, since: Timestamp, until: Timestamp?) {
        (self.scope, self.startedBy, self.since, self.until) = (scope, startedBy, since, until)
    }
}
