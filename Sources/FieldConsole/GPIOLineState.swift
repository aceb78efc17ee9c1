import FieldCore

/// A named line of the board file.
public struct GPIOLineInfo: Hashable, Sendable {
    public var name: String
    public var isOutput: Bool
    /// `gpiochip1:17`, for the wiring check.
    public var location: String
    /// What the site wires to the line: `cabinet-1.cable-loop` (device and signal); nil when unused.
    public var wiredTo: String?

    public init(name: String, isOutput: Bool, location: String, wiredTo: String? = nil) {
        (self.name, self.isOutput, self.location, self.wiredTo) = (name, isOutput, location, wiredTo)
    }
}

/// The state of a board line (logical: active-low lines already inverted).
public struct GPIOLineState: Hashable, Sendable {
    public var name: String
    public var active: Bool
    public var isOutput: Bool
    /// When a test value set with `--for` reverts by itself.
    public var revertsAt: Timestamp?

    public init(name: String, active: Bool, isOutput: Bool, revertsAt: Timestamp? = nil) {
        (self.name, self.active, self.isOutput, self.revertsAt) = (name, active, isOutput, revertsAt)
    }
}
