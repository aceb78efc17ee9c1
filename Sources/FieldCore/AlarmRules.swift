/// A condition that must hold for `onDelay` before it counts, and be gone for `offDelay` before it
/// stops counting. The building block of every alarm rule and of input debouncing.
///
/// Feed it the raw condition on every reading or tick; `isActive` is the delayed state.
package struct DelayedCondition: Hashable, Sendable {
    package var onDelay: Duration
    package var offDelay: Duration
    package private(set) var isActive = false
    private var pendingSince: Timestamp?

    package init(onDelay: Duration = .zero, offDelay: Duration = .zero) {
        self.onDelay = onDelay
        self.offDelay = offDelay
    }

    /// Starts in `isActive` (e.g. a contact's first reading, taken as it is without waiting).
    package init(onDelay: Duration = .zero, offDelay: Duration = .zero, isActive: Bool) {
        self.init(onDelay: onDelay, offDelay: offDelay)
        self.isActive = isActive
    }

    /// One change of `isActive` and the moment it took effect.
    package struct Change: Hashable, Sendable {
        package var isActive: Bool
        package var at: Timestamp

        package init(isActive: Bool, at: Timestamp) {
            self.isActive = isActive
            self.at = at
        }
    }

    /// Updates with the raw condition at `now`; returns true when `isActive` changed.
    package mutating func update(_ condition: Bool, now: Timestamp) -> Bool {
        let before = isActive
        _ = changes(condition, now: now)
        return isActive != before
    }

    /// Updates with the raw condition at `now` and returns every change of `isActive`, in time order,
    /// with the moment each took effect.
    ///
    /// The raw condition is taken to have held since the previous update, so a pending change whose
    /// delay ran out between two updates takes effect at `pendingUntil`, even when the condition
    /// seen now has already gone back: a 150 ms door-zone pulse reported only by its two edges still
    /// passes a 50 ms debounce (two changes), where a 20 ms glitch does not (none).
    package mutating func changes(_ condition: Bool, now: Timestamp) -> [Change] {
        var result: [Change] = []
        if let due = pendingUntil, due <= now {
            isActive.toggle()
            pendingSince = nil
            result.append(Change(isActive: isActive, at: due))
        }
        guard condition != isActive else {
            pendingSince = nil
            return result
        }
        let since = pendingSince ?? now
        pendingSince = since
        if now - since >= (condition ? onDelay : offDelay) {
            isActive = condition
            pendingSince = nil
            result.append(Change(isActive: condition, at: now))
        }
        return result
    }

    /// Takes `active` as the state now, forgetting any pending change (a contact read again after a
    /// communication loss: there is nothing to debounce against).
    package mutating func reset(to active: Bool) {
        isActive = active
        pendingSince = nil
    }

    /// When the pending change (if any) will take effect, for schedulers that want to wake up.
    package var pendingUntil: Timestamp? {
        pendingSince.map { $0 + (isActive ? offDelay : onDelay) }
    }

    /// Forgets a pending change (e.g. when the input's quality went bad).
    package mutating func hold() { pendingSince = nil }
}

/// Which side of a limit is the alarm side.
package enum LimitDirection: String, Codable, Sendable {
    case high, low
}

/// A high or low limit with hysteresis and on/off delays, on good-quality numbers only.
///
/// Raises when the value is beyond `limit` for `onDelay`; clears when it is back inside by
/// `hysteresis` for `offDelay`. A reading of bad quality neither raises nor clears: that is the
/// job of `QualityRule` and `StaleRule`.
package struct ThresholdRule: Hashable, Sendable {
    package var direction: LimitDirection
    package var limit: Double
    package var hysteresis: Double
    package var unit: String
    package var name: String
    private var condition: DelayedCondition

    /// - Parameters:
    ///   - name: what is measured, for the message ("pressure").
    ///   - unit: the value's unit, for the message ("MPa").
    package init(_ direction: LimitDirection, limit: Double, hysteresis: Double = 0, onDelay: Duration = .zero,
                offDelay: Duration = .zero, name: String = "value", unit: String = "") {
        self.direction = direction
        self.limit = limit
        self.hysteresis = abs(hysteresis)
        self.name = name
        self.unit = unit
        condition = DelayedCondition(onDelay: onDelay, offDelay: offDelay)
    }

    package var isActive: Bool { condition.isActive }

    /// Evaluates a reading; returns a signal only when the alarm state changes.
    package mutating func evaluate(_ reading: Reading, now: Timestamp) -> AlarmSignal? {
        guard let v = reading.goodNumber else {
            condition.hold()
            return nil
        }
        let beyond: Bool
        switch direction {
        case .high: beyond = condition.isActive ? v > limit - hysteresis : v > limit
        case .low: beyond = condition.isActive ? v < limit + hysteresis : v < limit
        }
        guard condition.update(beyond, now: now) else { return nil }
        if condition.isActive {
            let u = unit.isEmpty ? "" : " " + unit
            let word = direction == .high ? "above" : "below"
            return .raise(value: .number(v), message: "\(name) \(formatNumber(v, decimals: 3))\(u) \(word) \(formatNumber(limit, decimals: 3))\(u)")
        }
        return .clear(value: .number(v))
    }

    /// Forgets a pending raise or clear, keeping the alarm state, for a rule that does not apply
    /// for a while (a lamp's power check while the lamp is off).
    package mutating func hold() { condition.hold() }

    /// Forgets the alarm state and anything pending, for a rule that stopped applying (a flowing
    /// pressure limit once the water stops): the caller reports the clear.
    package mutating func reset() { condition.reset(to: false) }
}

/// A fast change: the value moved by at least `change` within `window` *and* away from its normal
/// level (e.g. a pressure drop of 0.05 MPa in 10 s: a burst or an opened hydrant). Good-quality
/// numbers only.
///
/// Two measures must both reach `change`:
/// - **fast**: from the extreme of the last `window` to the value now (the highest value for a drop):
///   the value moved within the window, so a slow leak of the same size is not rapid;
/// - **away from normal**: from the median of the samples of the last `reference` (before this one)
///   to the value now. A median is not moved by a short surge (a check valve slamming, a jockey
///   pump stopping: a second or a few above normal), so a surge that comes back to normal has not
///   "fallen" — the value never went below normal — while a real fall leaves the median at the level
///   it fell from for half the reference, far longer than any confirmation.
/// With a `standby` reference (the fire-water pressure app uses an hour), "normal" is also no higher
/// than the standby level — the median of per-minute medians over that stretch — so a fire pump
/// stopped after a run (its head falling back to the jockey pump's band) has not "fallen below
/// normal" either, however long it ran (up to half the standby reference).
/// The cost, chosen knowingly: a fall from a raised level (a fire pump running) counts only as far
/// as it goes below the standby level; a fall below a pressure limit is the threshold rule's job
/// anyway.
package struct RateOfChangeRule: Hashable, Sendable {
    package var direction: LimitDirection
    package var change: Double
    package var window: Duration
    /// How far back the normal level (the median) looks; at least `window`.
    package var reference: Duration
    /// How far back the standby level (median of per-minute medians) looks; nil: not used.
    package var standby: Duration?
    package var unit: String
    package var name: String
    private var samples: [Sample] = []
    /// The medians of the finished minutes within `standby`, and the samples of the current minute.
    private var minuteMedians: [Sample] = []
    private var minute: Minute?

    private struct Minute: Hashable, Sendable {
        var index: Int64
        var values: [Double]
    }
    private var condition: DelayedCondition

    private struct Sample: Hashable, Sendable {
        var time: Timestamp
        var value: Double
    }

    /// The most samples kept; older ones go first.
    static let sampleLimit = 4096

    /// - Parameters:
    ///   - direction: `.low` for a drop, `.high` for a rise.
    ///   - change: the size of the change (positive) that counts as fast within `window`.
    ///   - reference: how far back the normal level is taken from (default 6 × `window`).
    ///   - standby: how far back the standby level is taken from (nil: no standby level).
    ///   - onDelay: how long the change must persist before it counts, so that a pressure wave
    ///     (a dip that recovers within a second or two) does not raise. Keep it under half of
    ///     `reference`.
    ///   - offDelay: how long the value must be steady before the alarm clears.
    package init(_ direction: LimitDirection, change: Double, window: Duration, reference: Duration? = nil, standby: Duration? = nil,
                onDelay: Duration = .zero, offDelay: Duration = .seconds(60), name: String = "value", unit: String = "") {
        self.standby = standby
        self.direction = direction
        self.change = abs(change)
        self.window = window
        self.reference = max(reference ?? window * 6, window)
        self.name = name
        self.unit = unit
        condition = DelayedCondition(onDelay: onDelay, offDelay: offDelay)
    }

    package var isActive: Bool { condition.isActive }

    package mutating func evaluate(_ reading: Reading, now: Timestamp) -> AlarmSignal? {
        guard let v = reading.goodNumber else {
            return nil
        }
        samples.removeAll { now - $0.time > reference }
        let recent = samples.filter { now - $0.time <= window }.map(\.value)
        var normal = median(samples.map(\.value))
        if let standby {
            let level = standbyLevel(adding: v, at: now, over: standby)
            // The lower level for a drop, the higher for a rise: a raised (or lowered) level that
            // comes back to standby has not left normal.
            if let level, let n = normal { normal = direction == .low ? min(n, level) : max(n, level) }
        }
        samples.append(Sample(time: now, value: v))
        if samples.count > Self.sampleLimit { samples.removeFirst(samples.count - Self.sampleLimit) }
        // Signed so that a move the other way is negative: a surge is never a drop.
        let sign: Double = direction == .low ? 1 : -1
        var moved = 0.0, fromNormal = 0.0
        if let normal, let extreme = direction == .low ? recent.max() : recent.min() {
            moved = sign * (extreme - v)
            fromNormal = sign * (normal - v)
        }
        guard condition.update(moved >= change && fromNormal >= change, now: now) else { return nil }
        if condition.isActive {
            let u = unit.isEmpty ? "" : " " + unit
            let word = direction == .low ? "fell" : "rose"
            let level = formatNumber(normal ?? v, decimals: 3)
            return .raise(value: .number(v), message: "\(name) \(word) \(formatNumber(moved, decimals: 3))\(u) within \(formatNumber(window.inSeconds)) s "
                            + "to \(formatNumber(v, decimals: 3))\(u) (normal \(level)\(u))")
        }
        return .clear(value: .number(v))
    }

    /// The standby level before this sample (the median of the finished minutes' medians), then
    /// takes the sample into its minute.
    private mutating func standbyLevel(adding v: Double, at now: Timestamp, over span: Duration) -> Double? {
        let index = now.milliseconds / 60_000
        if let m = minute, m.index != index, let closed = median(m.values) {
            minuteMedians.append(Sample(time: Timestamp(milliseconds: m.index * 60_000), value: closed))
            minute = nil
        }
        minuteMedians.removeAll { now - $0.time > span }
        let level = median(minuteMedians.map(\.value))
        if minute == nil { minute = Minute(index: index, values: []) }
        minute?.values.append(v)
        return level
    }

    private func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// A digital input in its alarm state for `debounce` (e.g. a signal valve closed, a cabinet door
/// open). Good-quality states only.
package struct DigitalRule: Hashable, Sendable {
    package var alarmWhen: Bool
    package var message: String
    private var condition: DelayedCondition

    package init(alarmWhen: Bool = true, debounce: Duration = .zero, offDelay: Duration = .zero, message: String) {
        self.alarmWhen = alarmWhen
        self.message = message
        condition = DelayedCondition(onDelay: debounce, offDelay: offDelay)
    }

    package var isActive: Bool { condition.isActive }

    package mutating func evaluate(_ reading: Reading, now: Timestamp) -> AlarmSignal? {
        guard let b = reading.goodBool else {
            condition.hold()
            return nil
        }
        guard condition.update(b == alarmWhen, now: now) else { return nil }
        return condition.isActive ? .raise(value: .bool(b), message: message) : .clear(value: .bool(b))
    }
}

/// A point whose quality has been one of `qualities` for `onDelay`: a sensor fault, or
/// communication lost. Clears when a good reading has been seen for `offDelay`.
package struct QualityRule: Hashable, Sendable {
    package var qualities: Set<Quality>
    package var message: String
    private var condition: DelayedCondition

    package init(_ qualities: Set<Quality>, onDelay: Duration = .zero, offDelay: Duration = .zero, message: String) {
        self.qualities = qualities
        self.message = message
        condition = DelayedCondition(onDelay: onDelay, offDelay: offDelay)
    }

    package static func sensorFault(onDelay: Duration = .seconds(5), message: String = "sensor fault") -> QualityRule {
        QualityRule([.sensorFault], onDelay: onDelay, message: message)
    }

    package static func commLost(onDelay: Duration = .zero, message: String = "communication lost") -> QualityRule {
        QualityRule([.commError], onDelay: onDelay, message: message)
    }

    package var isActive: Bool { condition.isActive }

    package mutating func evaluate(_ reading: Reading, now: Timestamp) -> AlarmSignal? {
        guard condition.update(qualities.contains(reading.quality), now: now) else { return nil }
        return condition.isActive ? .raise(value: reading.value, message: message) : .clear(value: reading.value)
    }
}

/// No fresh reading for `maxAge`: call `evaluate(lastUpdate:now:)` on every tick.
package struct StaleRule: Hashable, Sendable {
    package var maxAge: Duration
    package var message: String
    package private(set) var isActive = false

    package init(maxAge: Duration, message: String = "no fresh reading") {
        self.maxAge = maxAge
        self.message = message
    }

    /// - Parameter lastUpdate: when the point last had a good reading (nil if never).
    package mutating func evaluate(lastUpdate: Timestamp?, startedAt: Timestamp, now: Timestamp) -> AlarmSignal? {
        let stale = now - (lastUpdate ?? startedAt) > maxAge
        guard stale != isActive else { return nil }
        isActive = stale
        return stale ? .raise(value: nil, message: "\(message) for more than \(formatNumber(maxAge.inSeconds)) s") : .clear(value: nil)
    }
}
