import FieldCore

/// A manual command to a lamp head.
public enum LampCommand: Hashable, Sendable {
    case on, off
    /// Dim level in percent, 0–100.
    case dim(Int)
    /// Back to the schedule (astronomical clock and dimming profile).
    case auto
}

/// A lamp head after a command.
public struct LampState: Hashable, Sendable {
    public var head: String
    public var on: Bool?
    /// Dim level in percent.
    public var dim: Int?
    /// When a manual override ends (nil: no override, or until `auto`).
    public var manualUntil: Timestamp?

    public init(head: String, on: Bool?, dim: Int?, manualUntil: Timestamp? = nil) {
        (self.head, self.on, self.dim, self.manualUntil) = (head, on, dim, manualUntil)
    }
}
