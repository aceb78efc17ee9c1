/// Counts the car's position from door-zone edges and the run direction, for lifts whose
/// controller does not give the floor.
///
/// Positions are in half floors: `2i` is landing i's door zone, `2i + 1` is between landings i
/// and i + 1, `-1` is below the bottom landing's zone and `2N - 1` above the top one's (overrun).
/// Every door-zone edge moves the car half a floor in the run's direction. The counter keeps the
/// *range* of positions the car may be at, so it needs no terminal-floor input:
/// - at start-up the car could be at any landing; each edge shifts the range and clamps it to the
///   shaft, so a run that reaches the top (or bottom) landing collapses it to one position: the
///   count re-synchronises at the terminal floors by itself;
/// - an edge that cannot happen anywhere in the range (a zone entered above the top landing) shows
///   the count was wrong: the counter takes the nearest possible position and reports a
///   contradiction (`floor-position-lost`);
/// - an edge without a known direction (the car moved with no run signal) widens the range by half
///   a floor each way.
struct FloorCounter: Hashable, Sendable {
    let floors: Int
    private(set) var low: Int
    private(set) var high: Int

    /// What an edge told the counter.
    enum Outcome: Hashable, Sendable {
        case counted
        /// The edge was impossible for the count: it was corrected.
        case contradiction
    }

    /// A counter that does not know where the car is yet.
    init(floors: Int, inZone: Bool) {
        self.floors = floors
        (low, high) = inZone ? (0, 2 * floors - 2) : (1, 2 * floors - 3)
    }

    var isKnown: Bool { low == high }

    /// The landing whose zone the car is in, when known.
    var landing: Int? { isKnown && low % 2 == 0 ? low / 2 : nil }

    /// The landing the car is at or last passed below it (between 3 and 4: 3), when known and
    /// inside the shaft's landings.
    var nearestLandingBelow: Int? {
        guard isKnown, low >= 0, low <= 2 * floors - 2 else { return nil }
        return low / 2
    }

    var isBeyondTop: Bool { isKnown && low == 2 * floors - 1 }
    var isBeyondBottom: Bool { isKnown && low == -1 }

    /// The car entered (`entered`) or left a door zone going `step` (+1 up, −1 down, nil unknown).
    mutating func edge(entered: Bool, step: Int?) -> Outcome {
        var l = low + (step ?? -1), h = high + (step ?? 1)
        var outcome = Outcome.counted
        if (l % 2 == 0) != entered {
            // Two edges the same way in a row: one was missed, the car moved a step further.
            if let step { (l, h) = (l + step, h + step) } else { (l, h) = (l - 1, h + 1) }
            outcome = .contradiction
        }
        let (minimum, maximum) = entered ? (0, 2 * floors - 2) : (-1, 2 * floors - 1)
        guard l <= maximum, h >= minimum else {
            let nearest = l > maximum ? maximum : minimum
            (low, high) = (nearest, nearest)
            return .contradiction
        }
        (low, high) = (max(l, minimum), min(h, maximum))
        return outcome
    }

    /// The door-zone contact's state disagrees with the count (its first reading, or after its
    /// readings were bad): keep the positions of the right kind nearest the range.
    mutating func reconcile(inZone: Bool) {
        if (low % 2 == 0) == inZone { return }
        let (minimum, maximum) = inZone ? (0, 2 * floors - 2) : (-1, 2 * floors - 1)
        (low, high) = (max(minimum, low - 1), min(maximum, high + 1))
    }

    /// Sets the position to landing `index`'s zone (a controller floor, a technician's `set-floor`).
    mutating func set(landing index: Int) {
        (low, high) = (2 * index, 2 * index)
    }
}
