import FieldCore

/// The derived values an app last published (the air terminal's air quality, the lift's floor
/// and counters), so that each goes out only when it changes. nil is published as "no value"
/// (quality `insufficient-data`).
struct DerivedValues: Sendable {
    private var last: [String: Reading] = [:]

    /// The effect that publishes `value` as `name`, or nothing when it is the last one published.
    mutating func changed(_ name: String, _ value: PointValue?, unit: String = "", now: Timestamp) -> [AppEffect] {
        let reading = Reading(value, quality: value == nil ? .insufficientData : .good, at: now)
        if let previous = last[name], previous.value == reading.value, previous.quality == reading.quality { return [] }
        last[name] = reading
        return [.derived(name: name, reading, unit: unit)]
    }
}
