import FieldCore

/// The direction of a change, in logical terms (`rising`: the line became active).
public enum GPIOEdge: String, Hashable, Sendable {
    case rising, falling

    /// The logical level after this edge.
    public var value: Bool { self == .rising }

    init(to value: Bool) { self = value ? .rising : .falling }
}

/// A debounced change of an input line.
public struct GPIOEdgeEvent: Hashable, Sendable, CustomStringConvertible {
    /// The board's name of the line (`GPIOLineConfig.name`).
    public var line: String
    public var edge: GPIOEdge
    /// When the level settled: the time of the last raw change before it held for the debounce
    /// time (for an undebounced line, the time of the change itself). Wall clock.
    public var time: Timestamp

    public init(line: String, edge: GPIOEdge, time: Timestamp) {
        self.line = line
        self.edge = edge
        self.time = time
    }

    /// The logical level of the line after the edge.
    public var value: Bool { edge.value }

    public var description: String { "\(line) \(edge.rawValue) at \(time)" }
}
