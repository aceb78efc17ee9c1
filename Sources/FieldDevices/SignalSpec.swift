/// One GPIO signal of a device profile: a contact the gateway reads or an output it drives. The
/// site file binds it to a board line by name; the board says which pin and whether it is active-low.
package struct SignalSpec: Sendable, Hashable {
    package enum Direction: String, Sendable, Hashable, CaseIterable {
        case input = "in"
        case output = "out"
    }

    /// The signal's name within its device (`door`, `relay`), an identifier.
    package var name: String
    package var description: String
    package var direction: Direction
    /// How long an input must hold a new level before it counts (contact bounce).
    package var debounce: Duration
    /// What the signal's true state means, for people and the uplink ("open", "immersed").
    package var trueMeans: String
    /// What false means ("closed").
    package var falseMeans: String
    /// An output's level when the gateway starts, stops or dies (street lamps on, buzzers off);
    /// the board's safe state for the line wins when it names one.
    package var safe: Bool?
    /// An output's level once the gateway runs, before any app drives it (default: `safe`).
    package var initial: Bool?
    package var priority: PointPriority

    package init(name: String, description: String = "", direction: Direction, debounce: Duration = .zero,
                trueMeans: String = "on", falseMeans: String = "off", safe: Bool? = nil, initial: Bool? = nil,
                priority: PointPriority = .normal) {
        self.name = name
        self.description = description
        self.direction = direction
        self.debounce = debounce
        self.trueMeans = trueMeans
        self.falseMeans = falseMeans
        self.safe = safe
        self.initial = initial
        self.priority = priority
    }
}
