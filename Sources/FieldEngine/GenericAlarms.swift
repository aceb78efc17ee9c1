import FieldCore
import FieldDevices

/// The generic alarm rules of one device (its site `alarms` list), as a pure state machine over
/// the device's readings and time.
package struct GenericAlarms: Sendable {
    private enum Rule: Sendable {
        case threshold(ThresholdRule)
        case rate(RateOfChangeRule)
        case digital(DigitalRule)
        case quality(QualityRule)
        case stale(StaleRule)
    }

    private struct Entry: Sendable {
        var spec: AlarmSpec
        var id: AlarmID
        var rule: Rule
        var lastGood: Timestamp?
    }

    private var entries: [Entry]
    private let startedAt: Timestamp

    package init(device: String, specs: [AlarmSpec], units: [String: String], startedAt: Timestamp) {
        self.startedAt = startedAt
        entries = specs.map { spec in
            let unit = units[spec.point] ?? ""
            let id = AlarmID(point: PointRef(device: device, point: spec.point), type: spec.type)
            let rule: Rule
            switch spec.kind {
            case .high(let limit, let h):
                rule = .threshold(ThresholdRule(.high, limit: limit, hysteresis: h, onDelay: spec.onDelay, offDelay: spec.offDelay, name: spec.point, unit: unit))
            case .low(let limit, let h):
                rule = .threshold(ThresholdRule(.low, limit: limit, hysteresis: h, onDelay: spec.onDelay, offDelay: spec.offDelay, name: spec.point, unit: unit))
            case .drop(let change, let window):
                rule = .rate(RateOfChangeRule(.low, change: change, window: window, offDelay: max(spec.offDelay, window), name: spec.point, unit: unit))
            case .rise(let change, let window):
                rule = .rate(RateOfChangeRule(.high, change: change, window: window, offDelay: max(spec.offDelay, window), name: spec.point, unit: unit))
            case .state(let value):
                rule = .digital(DigitalRule(alarmWhen: value, debounce: spec.onDelay, offDelay: spec.offDelay,
                                            message: spec.message.isEmpty ? "\(spec.point) is \(value)" : spec.message))
            case .sensorFault:
                // A point stuck out of range (NE43's ambiguous bands) is as broken as a failure signal.
                rule = .quality(QualityRule([.sensorFault, .outOfRange], onDelay: spec.onDelay, offDelay: spec.offDelay,
                                            message: spec.message.isEmpty ? "\(spec.point): sensor fault" : spec.message))
            case .stale(let age):
                rule = .stale(StaleRule(maxAge: age, message: spec.message.isEmpty ? "\(spec.point): no fresh reading" : spec.message))
            }
            return Entry(spec: spec, id: id, rule: rule)
        }
    }

    /// The points the rules watch.
    package var points: Set<String> { Set(entries.map(\.spec.point)) }

    /// No rules: readings need not be fed.
    package var isEmpty: Bool { entries.isEmpty }

    /// Feeds a reading of `point`; returns the alarm changes.
    package mutating func evaluate(point: String, _ reading: Reading, now: Timestamp) -> [(AlarmID, Severity, AlarmSignal)] {
        entries.indices.filter { entries[$0].spec.point == point }.compactMap { evaluate(entry: $0, reading, now: now) }
    }

    /// Time passed: stale rules run, and the latest reading is fed again so that on/off delays
    /// expire without waiting for a new sample.
    package mutating func tick(now: Timestamp, latest: (String) -> Reading?) -> [(AlarmID, Severity, AlarmSignal)] {
        var out: [(AlarmID, Severity, AlarmSignal)] = []
        for i in entries.indices {
            if case .stale(var r) = entries[i].rule {
                if let s = r.evaluate(lastUpdate: entries[i].lastGood, startedAt: startedAt, now: now) {
                    out.append((entries[i].id, entries[i].spec.severity, s))
                }
                entries[i].rule = .stale(r)
            } else if let reading = latest(entries[i].spec.point), let change = evaluate(entry: i, reading, now: now) {
                out.append(change)
            }
        }
        return out
    }

    private mutating func evaluate(entry i: Int, _ reading: Reading, now: Timestamp) -> (AlarmID, Severity, AlarmSignal)? {
        if reading.quality.isGood { entries[i].lastGood = max(entries[i].lastGood ?? reading.time, reading.time) }
        var signal: AlarmSignal?
        switch entries[i].rule {
        case .threshold(var r):
            signal = r.evaluate(reading, now: now)
            entries[i].rule = .threshold(r)
        case .rate(var r):
            signal = r.evaluate(reading, now: now)
            entries[i].rule = .rate(r)
        case .digital(var r):
            signal = r.evaluate(reading, now: now)
            entries[i].rule = .digital(r)
        case .quality(var r):
            signal = r.evaluate(reading, now: now)
            entries[i].rule = .quality(r)
        case .stale:
            signal = nil
        }
        return signal.map { (entries[i].id, entries[i].spec.severity, withMessage($0, entries[i].spec)) }
    }

    private func withMessage(_ s: AlarmSignal, _ spec: AlarmSpec) -> AlarmSignal {
        guard case .raise(let v, _) = s, !spec.message.isEmpty else { return s }
        return .raise(value: v, message: spec.message)
    }
}
