import FieldCore

/// A pole's daily energy and burning hours, from its lamp heads' derived values
/// (`energy-today`, `burning-hours-today`, `energy-yesterday`, `burning-hours-yesterday`), which
/// the runtime delivers to subscribers like any point's readings.
///
/// Energy is the sum over the lamps; burning hours are the longest of them (how long the pole
/// was lit). Today's figures count only lamps that reported today, so a lamp offline since
/// yesterday does not add yesterday's energy.
struct PoleTotals: Sendable {
    let lamps: [String]
    let utcOffsetMinutes: Int
    let subscriptions: Set<PointRef>
    private var values: [PointRef: Reading] = [:]
    private var lastTodayPublish: Timestamp?
    private var todayChanged = false
    private var yesterdayChangedAt: Timestamp?

    static let publishInterval = Duration.seconds(60)
    /// Lamps roll their day over within seconds of each other: wait this long for the last one.
    static let yesterdayQuiet = Duration.seconds(30)

    init(lamps: [String], utcOffsetMinutes: Int) {
        self.lamps = lamps
        self.utcOffsetMinutes = utcOffsetMinutes
        let names = ["energy-today", "burning-hours-today", "energy-yesterday", "burning-hours-yesterday"]
        subscriptions = Set(lamps.flatMap { lamp in names.map { PointRef(device: lamp, point: $0) } })
    }

    mutating func record(_ ref: PointRef, _ reading: Reading, now: Timestamp) {
        guard subscriptions.contains(ref), reading.goodNumber != nil else { return }
        values[ref] = reading
        if ref.point.hasSuffix("-yesterday") {
            yesterdayChangedAt = now
        } else {
            todayChanged = true
        }
    }

    mutating func publish(now: Timestamp) -> [AppEffect] {
        var effects: [AppEffect] = []
        if todayChanged, lastTodayPublish.map({ now - $0 >= Self.publishInterval }) ?? true {
            let today = localDate(now)
            effects += sums("today", now: now) { localDate($0.time) == today }
            todayChanged = false
            lastTodayPublish = now
        }
        if let changed = yesterdayChangedAt, now - changed >= Self.yesterdayQuiet {
            let newest = values.filter { $0.key.point.hasSuffix("-yesterday") }.map(\.value.time).max() ?? now
            effects += sums("yesterday", now: now) { newest - $0.time < .hours(1) }
            yesterdayChangedAt = nil
        }
        return effects
    }

    private func sums(_ suffix: String, now: Timestamp, include: (Reading) -> Bool) -> [AppEffect] {
        func current(_ lamp: String, _ name: String) -> Double? {
            values[PointRef(device: lamp, point: "\(name)-\(suffix)")].flatMap { include($0) ? $0.goodNumber : nil }
        }
        var effects: [AppEffect] = []
        let energy = lamps.compactMap { current($0, "energy") }
        if !energy.isEmpty {
            let kwh = (energy.reduce(0, +) * 1000).rounded() / 1000
            effects.append(.derived(name: "pole-energy-\(suffix)", .number(kwh, at: now), unit: "kWh"))
        }
        if let hours = lamps.compactMap({ current($0, "burning-hours") }).max() {
            effects.append(.derived(name: "pole-burning-hours-\(suffix)", .number(hours, at: now), unit: "h"))
        }
        return effects
    }

    private func localDate(_ t: Timestamp) -> Int { CivilTime(t, offsetMinutes: utcOffsetMinutes).daysSinceEpoch }
}
