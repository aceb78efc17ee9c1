import FieldCore

/// Start or end a maintenance window: door alarms are suppressed while it is open, and the
/// platform is told.
package enum MaintenanceAction: Hashable, Sendable {
    /// `scope` nil: the whole site; otherwise one device. `duration` nil: until `end`.
    case start(scope: String?, duration: Duration?)
    case end(scope: String?)
}

/// An open maintenance window.
package struct MaintenanceWindow: Hashable, Sendable {
    /// A device id, or nil for the whole site.
    package var scope: String?
    package var startedBy: String
    package var since: Timestamp
    /// nil: until ended by hand.
    package var until: Timestamp?

    package init(scope: String?, startedBy: String, since: Timestamp, until: Timestamp?) {
        (self.scope, self.startedBy, self.since, self.until) = (scope, startedBy, since, until)
    }
}
