import FieldCore

/// A named line of the board file.
package struct GPIOLineInfo: Hashable, Sendable {
    package var name: String
    package var isOutput: Bool
    /// `gpiochip1:17`, for the wiring check.
    package var location: String
    /// What the site wires to the line: `cabinet-1.cable-loop` (device and signal); nil when unused.
    package var wiredTo: String?

    package init(name: String, isOutput: Bool, location: String, wiredTo: String? = nil) {
        (self.name, self.isOutput, self.location, self.wiredTo) = (name, isOutput, location, wiredTo)
    }
}

/// The state of a board line (logical: active-low lines already inverted).
package struct GPIOLineState: Hashable, Sendable {
    package var name: String
    package var active: Bool
    package var isOutput: Bool
    /// When a test value set with `--for` reverts by itself.
    package var revertsAt: Timestamp?

    package init(name: String, active: Bool, isOutput: Bool, revertsAt: Timestamp? = nil) {
        (self.name, self.active, self.isOutput, self.revertsAt) = (name, active, isOutput, revertsAt)
    }
}
