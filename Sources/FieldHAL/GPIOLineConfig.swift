/// Whether the gateway reads a line or drives it.
package enum GPIODirection: String, Hashable, Sendable, CaseIterable {
    /// A contact the gateway reads: door switch, pump-run contact, alarm button.
    case input
    /// A line the gateway drives: relay, LED, buzzer.
    case output
}

/// Which changes of an input produce edge events. Edges are in logical terms: with active-low,
/// `rising` is the line becoming active (the pin going from high to low).
package enum GPIOEdgeDetection: String, Hashable, Sendable, CaseIterable {
    case none, rising, falling, both

    func reports(_ edge: GPIOEdge) -> Bool {
        switch self {
        case .none: false
        case .both: true
        case .rising: edge == .rising
        case .falling: edge == .falling
        }
    }
}

/// One GPIO line as the board file describes it, ready to be requested from a `GPIOBackend`.
///
/// Values are logical throughout FieldHAL: `true` means active. With `activeLow`, active is a low
/// pin; libgpiod, the simulated chip and the simulator's socket all apply the inversion themselves.
package struct GPIOLineConfig: Hashable, Sendable {
    /// The board's name for the line (`relay-1`, `door-contact`): used in events and errors.
    package var name: String
    /// The chip: a name (`gpiochip1`), a label (`pinctrl-bcm2835`), a path (`/dev/gpiochip1`) or a
    /// number (`1`), as libgpiod's `gpiod_chip_open_lookup` accepts them.
    package var chip: String
    /// The line's offset on the chip (0-based).
    package var offset: Int
    package var direction: GPIODirection
    /// Edge events wanted from an input; `.none` for outputs and for inputs that are only read.
    package var edge: GPIOEdgeDetection
    /// The line is active when the pin is low (a contact to ground with a pull-up, say).
    package var activeLow: Bool
    /// Software debounce of an input: a new level must hold this long before its edge is
    /// reported. `.zero` reports every change.
    package var debounce: Duration
    /// The logical value an output takes when it is requested.
    package var initialValue: Bool

    package init(
        name: String, chip: String, offset: Int, direction: GPIODirection, edge: GPIOEdgeDetection = .none,
        activeLow: Bool = false, debounce: Duration = .zero, initialValue: Bool = false
    ) {
        self.name = name
        self.chip = chip
        self.offset = offset
        self.direction = direction
        self.edge = edge
        self.activeLow = activeLow
        self.debounce = debounce
        self.initialValue = initialValue
    }

    /// An input line, with edge events and debounce if asked for.
    package static func input(
        _ name: String, chip: String, offset: Int, edge: GPIOEdgeDetection = .both, activeLow: Bool = false,
        debounce: Duration = .zero
    ) -> GPIOLineConfig {
        GPIOLineConfig(name: name, chip: chip, offset: offset, direction: .input, edge: edge, activeLow: activeLow, debounce: debounce)
    }

    /// An output line and the logical value it starts at.
    package static func output(
        _ name: String, chip: String, offset: Int, activeLow: Bool = false, initialValue: Bool = false
    ) -> GPIOLineConfig {
        GPIOLineConfig(name: name, chip: chip, offset: offset, direction: .output, activeLow: activeLow, initialValue: initialValue)
    }

    /// `gpiochip1:17`, the way a technician finds the pin in a schematic.
    package var location: String { "\(chip):\(offset)" }

    /// Whether the line needs a pollable event source (both edges are watched whatever `edge` asks,
    /// so debounce can follow the level).
    var watchesEdges: Bool { direction == .input && edge != .none }
}

extension GPIOLineConfig {
    /// Checks a set of lines before anything is requested: names unique and non-empty, each chip
    /// offset once, no edge or debounce on outputs, no negative debounce, debounce only with edges.
    static func validate(_ lines: [GPIOLineConfig]) throws(GPIOError) {
        var names = Set<String>()
        var locations = Set<String>()
        for line in lines {
            guard !line.name.isEmpty else {
                throw GPIOError.invalidConfig(line: line.location, reason: "the line has no name")
            }
            guard names.insert(line.name).inserted else {
                throw GPIOError.invalidConfig(line: line.name, reason: "the name is used twice in one request")
            }
            guard line.offset >= 0 else {
                throw GPIOError.invalidConfig(line: line.name, reason: "offset \(line.offset) is negative")
            }
            guard locations.insert(line.location).inserted else {
                throw GPIOError.invalidConfig(line: line.name, reason: "\(line.location) is requested twice")
            }
            guard line.debounce >= .zero else {
                throw GPIOError.invalidConfig(line: line.name, reason: "debounce \(line.debounce) is negative")
            }
            if line.direction == .output && line.edge != .none {
                throw GPIOError.invalidConfig(line: line.name, reason: "an output has no edge events (edge \(line.edge.rawValue))")
            }
            if line.debounce > .zero && !line.watchesEdges {
                throw GPIOError.invalidConfig(line: line.name, reason: "debounce needs an input with edge detection")
            }
        }
    }
}
