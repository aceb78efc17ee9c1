import FieldCore

/// A pole cabinet's `settings` object in the site file.
package struct PoleCabinetSettings: Hashable, Sendable {
    /// The door contact must agree this long (both ways).
    package var doorDebounce: Duration = .seconds(2)
    /// Water must be seen this long: splashes and condensation bridge a probe for a moment.
    package var waterDebounce: Duration = .seconds(10)
    /// The anti-theft loop must be open this long: short, a thief is quick.
    package var cableDebounce: Duration = .seconds(1)
    package var manholeDebounce: Duration = .seconds(2)
    /// How long a `maintenance start` without `for` lasts.
    package var maintenanceDuration: Duration = .hours(1)
    /// The pole's lamp heads (device ids), whose energy the cabinet sums into pole totals.
    package var lamps: [String] = []

    package init() {}

    package static func read(_ s: JSONObjectReader) -> PoleCabinetSettings {
        var x = PoleCabinetSettings()
        let debounce = Duration.zero ... .minutes(10)
        if let v = s.duration("door-debounce", range: debounce) { x.doorDebounce = v }
        if let v = s.duration("water-debounce", range: debounce) { x.waterDebounce = v }
        if let v = s.duration("cable-debounce", range: debounce) { x.cableDebounce = v }
        if let v = s.duration("manhole-debounce", range: debounce) { x.manholeDebounce = v }
        if let v = s.duration("maintenance-duration", range: .minutes(1) ... .hours(24)) { x.maintenanceDuration = v }
        if let v = s.array("lamps", { v, p -> String? in
            guard let id = v.stringValue, isIdentifier(id) else {
                s.reader.report(p, "expected a lamp head's device id, got \(v.kindDescription)")
                return nil
            }
            return id
        }) { x.lamps = v }
        return x
    }
}
