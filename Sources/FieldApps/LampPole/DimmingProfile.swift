import FieldCore

/// Dim levels by time of night, e.g. 100 % from dusk, 50 % from midnight.
///
/// A night belongs to the date of its evening. A step at `HH:MM` from 12:00 on falls on that
/// evening, a step before 12:00 on the next morning, so `22:00` comes before `00:00` and `05:00`.
/// Before the first step the lamps burn at 100 %. A level of 0 switches the lamps off
/// (part-night lighting).
package struct DimmingProfile: Hashable, Sendable {
    package struct Step: Hashable, Sendable {
        /// Minutes after local midnight, or nil for "at dusk".
        package var minuteOfDay: Int?
        /// Dim level in percent, 0…100.
        package var level: Int

        package init(minuteOfDay: Int?, level: Int) {
            self.minuteOfDay = minuteOfDay
            self.level = level
        }

        /// Order in the night: dusk first, then 12:00 … 23:59, then 00:00 … 11:59.
        var nightOrder: Int {
            guard let m = minuteOfDay else { return -1 }
            return m >= 720 ? m - 720 : m + 720
        }
    }

    package private(set) var steps: [Step]

    package init(_ steps: [Step]) {
        self.steps = steps.sorted { $0.nightOrder < $1.nightOrder }
    }

    /// 100 % from dusk, 50 % from midnight (the example and our default).
    package static let standard = DimmingProfile([Step(minuteOfDay: nil, level: 100), Step(minuteOfDay: 0, level: 50)])

    /// The level at `now` during the night whose evening is `nightDate` (days since the epoch).
    package func level(at now: Timestamp, nightDate: Int, utcOffsetMinutes: Int) -> Int {
        var level = 100
        for step in steps {
            guard let m = step.minuteOfDay else {
                level = step.level
                continue
            }
            let date = m >= 720 ? nightDate : nightDate + 1
            let start = Timestamp(milliseconds: (Int64(date) * 1440 + Int64(m) - Int64(utcOffsetMinutes)) * 60_000)
            guard now >= start else { break }
            level = step.level
        }
        return level
    }
}

/// A date with its own dimming profile (a holiday lit all night, a festival, a quiet night).
package struct SpecialDay: Hashable, Sendable {
    /// The night's evening date: a fixed date, or a month and day every year.
    package enum When: Hashable, Sendable {
        case date(year: Int, month: Int, day: Int)
        case everyYear(month: Int, day: Int)
    }

    package var when: When
    package var name: String?
    package var profile: DimmingProfile

    package init(_ when: When, name: String? = nil, profile: DimmingProfile) {
        self.when = when
        self.name = name
        self.profile = profile
    }

    func matches(_ date: CivilTime) -> Bool {
        switch when {
        case .date(let y, let m, let d): (y, m, d) == (date.year, date.month, date.day)
        case .everyYear(let m, let d): (m, d) == (date.month, date.day)
        }
    }
}
