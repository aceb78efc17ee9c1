import FieldCore

/// A debounced change of one of the lift's contacts, at the moment it took effect.
struct ContactChange: Hashable, Sendable {
    var signal: LiftSignal
    /// The contact's state; nil when its readings went bad (unknown).
    var value: Bool?
    var at: Timestamp
    /// The contact's first good reading (at start or after its readings were bad): a state, not
    /// an edge.
    var isFirst: Bool
}

/// The lift's contacts, debounced: a contact's state changes only after its raw reading has held
/// the new state for the contact's debounce (the PIR: on at once, off after the hold), so a door
/// lock that chatters does not look like doors opening. The faults built on them then need no
/// debounce of their own (DOMAIN: debounce the contact, not the fault).
struct LiftContacts: Sendable {
    private var raw: [LiftSignal: Bool] = [:]
    private var debounced: [LiftSignal: DelayedCondition] = [:]
    private let onDelay: [LiftSignal: Duration]
    private let offDelay: [LiftSignal: Duration]

    init(settings: LiftSettings) {
        onDelay = settings.debounce
        var off = settings.debounce
        off[.occupancy] = settings.pirHold
        offDelay = off
    }

    /// The debounced state; nil before the first good reading and while readings are bad.
    subscript(_ signal: LiftSignal) -> Bool? { debounced[signal]?.isActive }

    /// The latest raw state.
    func raw(_ signal: LiftSignal) -> Bool? { raw[signal] }

    /// When the earliest pending debounce takes effect.
    var nextChange: Timestamp? { debounced.values.compactMap(\.pendingUntil).min() }

    /// Changes that took effect by `now` with the raw states held since the last reading.
    mutating func advance(to now: Timestamp) -> [ContactChange] {
        var changes: [ContactChange] = []
        for signal in LiftSignal.allCases {
            guard let r = raw[signal], var c = debounced[signal], r != c.isActive || c.pendingUntil != nil else { continue }
            changes += c.changes(r, now: now).map { ContactChange(signal: signal, value: $0.isActive, at: $0.at, isFirst: false) }
            debounced[signal] = c
        }
        return changes.count > 1 ? changes.sorted { $0.at < $1.at } : changes
    }

    /// Takes a reading of `signal`; returns every change up to `now` in time order.
    mutating func record(_ signal: LiftSignal, _ reading: Reading, now: Timestamp) -> [ContactChange] {
        var changes = advance(to: now)
        guard let value = reading.goodBool else {
            raw[signal] = nil
            if debounced.removeValue(forKey: signal) != nil {
                changes.append(ContactChange(signal: signal, value: nil, at: now, isFirst: false))
            }
            return changes
        }
        raw[signal] = value
        if var c = debounced[signal] {
            changes += c.changes(value, now: now).map { ContactChange(signal: signal, value: $0.isActive, at: $0.at, isFirst: false) }
            debounced[signal] = c
        } else {
            debounced[signal] = DelayedCondition(onDelay: onDelay[signal] ?? .zero, offDelay: offDelay[signal] ?? .zero, isActive: value)
            changes.append(ContactChange(signal: signal, value: value, at: now, isFirst: true))
        }
        return changes
    }
}
