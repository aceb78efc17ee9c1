/// How a lift's landings are numbered: landing index 0 is the bottom, numbered `bottomFloor`;
/// with `skipZero` a building with basements goes from -1 straight to 1 (most Chinese buildings
/// have no floor 0). The lift app counts floors with it and the simulator's lift model answers
/// with it, so both read a site's `floors`, `bottom-floor` and `skip-zero` the same way.
package struct FloorNumbering: Hashable, Sendable {
    package var bottomFloor: Int
    package var skipZero: Bool
    /// Landings served; nil when not known (any index at or above 0 is then a landing).
    package var landings: Int?

    package init(bottomFloor: Int, skipZero: Bool, landings: Int?) {
        self.bottomFloor = bottomFloor
        self.skipZero = skipZero
        self.landings = landings
    }

    /// The floor number people use for landing `index` (0 = bottom).
    package func label(ofIndex index: Int) -> Int {
        let n = bottomFloor + index
        return skipZero && bottomFloor < 0 && n >= 0 ? n + 1 : n
    }

    /// The landing index of floor number `label`; nil for a floor the lift does not serve.
    package func index(ofLabel label: Int) -> Int? {
        var i = label - bottomFloor
        if skipZero && bottomFloor < 0 {
            if label == 0 { return nil }
            if label > 0 { i -= 1 }
        }
        guard let landings else { return i >= 0 ? i : nil }
        return (0..<landings).contains(i) ? i : nil
    }
}
