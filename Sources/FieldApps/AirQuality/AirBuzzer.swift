import FieldCore

/// The buzzer: sounds when the air has been poor for `delay`, until it is no longer poor or a
/// person silences it (for a while, or until the poor spell ends).
struct AirBuzzer: Sendable {
    let enabled: Bool
    private var sustained: DelayedCondition
    private(set) var silencedUntil: Timestamp?
    private(set) var silencedUntilClear = false

    init(enabled: Bool, delay: Duration) {
        self.enabled = enabled
        sustained = DelayedCondition(onDelay: delay)
    }

    /// Whether the poor spell has lasted long enough to sound (silenced or not).
    var isSustained: Bool { sustained.isActive }

    func isSilenced(at now: Timestamp) -> Bool {
        silencedUntilClear || (silencedUntil.map { now < $0 } ?? false)
    }

    func isSounding(at now: Timestamp) -> Bool {
        enabled && sustained.isActive && !isSilenced(at: now)
    }

    mutating func update(poor: Bool, now: Timestamp) {
        _ = sustained.update(poor, now: now)
        if !sustained.isActive { silencedUntilClear = false }
        if let until = silencedUntil, now >= until { silencedUntil = nil }
    }

    /// Silences for `duration`, or until the poor spell ends when nil.
    mutating func silence(for duration: Duration?, now: Timestamp) {
        if let duration {
            silencedUntil = now + duration
        } else {
            silencedUntilClear = true
        }
    }

    /// Lets the buzzer sound again.
    mutating func unsilence() {
        silencedUntil = nil
        silencedUntilClear = false
    }
}
