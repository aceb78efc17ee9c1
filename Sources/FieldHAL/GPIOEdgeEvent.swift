import FieldCore

/// The direction of a change, in logical terms (`rising`: the line became active).
package enum GPIOEdge: String, Hashable, Sendable {
    case rising, falling

    /// The logical level after this edge.
    package var value: Bool { self == .rising }

    init(to value: Bool) { self = value ? .rising : .falling }
}

/// A debounced change of an input line.
package struct GPIOEdgeEvent: Hashable, Sendable, CustomStringConvertible {
    /// The board's name of the line (`GPIOLineConfig.name`).
    package var line: String
    package var edge: GPIOEdge
    /// When the level settled: the time of the last raw change before it held for the debounce
    /// time (for an undebounced line, the time of the change itself). Wall clock.
    package var time: Timestamp

    package init(line: String, edge: GPIOEdge, time: Timestamp) {
        self.line = line
        self.edge = edge
        self.time = time
    }

    /// The logical level of the line after the edge.
    package var value: Bool { edge.value }

    package var description: String { "\(line) \(edge.rawValue) at \(time)" }
}
