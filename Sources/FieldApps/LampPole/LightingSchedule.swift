import FieldCore

/// What a lamp should do at one instant, and on whose authority.
package struct LightingDecision: Hashable, Sendable {
    package enum Mode: String, Sendable, CaseIterable {
        /// The astronomical clock and the dimming profile.
        case schedule
        /// The light sensor saw darkness outside the scheduled night.
        case lightSensor = "light-sensor"
        /// A `lamp` command (console or platform) until it expires.
        case manual
        /// The schedule cannot be evaluated (clock unset, no location): on, or on when dark.
        case failSafe = "fail-safe"
    }

    /// Dim level in percent; 0 is off.
    package var level: Int
    package var mode: Mode
    /// Why the schedule could not be evaluated, in fail-safe mode.
    package var problem: String?

    package init(level: Int, mode: Mode, problem: String? = nil) {
        self.level = level
        self.mode = mode
        self.problem = problem
    }
}

/// The lamp's night: astronomical dusk and dawn with offsets, a dimming profile, special days,
/// and the fail-safe when the schedule cannot be evaluated. Pure; caches the last two solar days.
package struct LightingSchedule: Sendable {
    /// A clock before this year is taken as unset (an RTC without battery starts in 1970 or 2000).
    package static let earliestTrustedYear = 2020

    package var location: GeoLocation?
    package var utcOffsetMinutes: Int
    /// Added to sunset: positive switches on later.
    package var duskOffset: Duration
    /// Added to sunrise: positive switches off later.
    package var dawnOffset: Duration
    package var profile: DimmingProfile
    package var specialDays: [SpecialDay]
    /// Level when the schedule cannot be evaluated.
    package var failSafeLevel: Int
    /// What "dusk" and "dawn" are: sunset and sunrise, or the ends of civil twilight.
    package var twilight: Twilight
    /// The light sensor's level in the morning (nil: the level the night's profile ends with, or
    /// the dusk level where the profile ends dark).
    package var sensorDawnLevel: Int?
    private var cache: [Int: SolarDay] = [:]

    /// The astronomical events the lamps switch at.
    package enum Twilight: String, Sendable, CaseIterable {
        /// Sunset and sunrise (the sun's upper limb on the horizon, zenith 90.833°).
        case sunset
        /// The end of evening and the start of morning civil twilight (the sun 6° below).
        case civil

        var zenith: Double { self == .sunset ? AstronomicalClock.horizonZenith : AstronomicalClock.civilTwilightZenith }
    }

    package init(location: GeoLocation?, utcOffsetMinutes: Int, duskOffset: Duration = .zero, dawnOffset: Duration = .zero,
                profile: DimmingProfile = .standard, specialDays: [SpecialDay] = [], failSafeLevel: Int = 100,
                twilight: Twilight = .sunset, sensorDawnLevel: Int? = nil) {
        self.location = location
        self.utcOffsetMinutes = utcOffsetMinutes
        self.duskOffset = duskOffset
        self.dawnOffset = dawnOffset
        self.profile = profile
        self.specialDays = specialDays
        self.failSafeLevel = failSafeLevel
        self.twilight = twilight
        self.sensorDawnLevel = sensorDawnLevel
    }

    /// Why the schedule cannot be evaluated at `now`, or nil when it can.
    package func problem(at now: Timestamp) -> String? {
        let local = CivilTime(now, offsetMinutes: utcOffsetMinutes)
        if local.year < Self.earliestTrustedYear {
            return "clock not set (reads \(now.iso8601(offsetMinutes: utcOffsetMinutes)))"
        }
        if location == nil { return "site has no latitude/longitude" }
        return nil
    }

    /// The decision at `now`.
    /// - Parameter sensorDark: the light sensor's verdict (with its hysteresis), nil when there is
    ///   no sensor or its reading is not good.
    package mutating func decide(at now: Timestamp, sensorDark: Bool?) -> LightingDecision {
        if let problem = problem(at: now) {
            // Without a trusted clock "night" is only known from a light sensor; without one the
            // lamps stay on: a lamp burning by day costs energy, a dark street costs safety.
            let level = sensorDark == false ? 0 : failSafeLevel
            return LightingDecision(level: level, mode: .failSafe, problem: problem)
        }
        let local = CivilTime(now, offsetMinutes: utcOffsetMinutes)
        let date = local.daysSinceEpoch
        let nightDate = local.hour < 12 ? date - 1 : date
        let nightProfile = profile(forNight: nightDate)
        if isScheduledNight(at: now, localDate: date) {
            return LightingDecision(level: nightProfile.level(at: now, nightDate: nightDate, utcOffsetMinutes: utcOffsetMinutes), mode: .schedule)
        }
        if sensorDark == true {
            // An overcast morning after the scheduled night: the level the night ended with, not the
            // evening's full dusk level.
            let level = local.hour < 12 ? morningLevel(nightProfile, at: now, nightDate: nightDate) : nightProfile.duskLevel
            return LightingDecision(level: level, mode: .lightSensor)
        }
        return LightingDecision(level: 0, mode: .schedule)
    }

    /// Sunrise and sunset themselves on a local date, whatever `twilight` the lamps switch at (what
    /// the app publishes), nil without a location.
    package func sunriseAndSunset(localDate: Int) -> SolarDay? {
        location.map { AstronomicalClock.solarDay(localDate: localDate, at: $0) }
    }

    /// The lamps' dawn and dusk on a local date (days since the epoch): sunrise and sunset, or the
    /// ends of civil twilight; nil without a location.
    package mutating func solarDay(localDate: Int) -> SolarDay? {
        guard let location else { return nil }
        if let d = cache[localDate] { return d }
        let d = AstronomicalClock.solarDay(localDate: localDate, at: location, zenith: twilight.zenith)
        if cache.count >= 4 { cache.removeAll() }
        cache[localDate] = d
        return d
    }

    private mutating func isScheduledNight(at now: Timestamp, localDate: Int) -> Bool {
        switch solarDay(localDate: localDate) {
        case .polarNight, nil: true
        case .polarDay: false
        case .risesAndSets(let sunrise, let sunset): now < sunrise + dawnOffset || now >= sunset + duskOffset
        }
    }

    /// The light sensor's level on a dark morning: `sensorDawnLevel`, else what the night's
    /// profile is at now (its last step), else — where the profile ends dark — the dusk level.
    private func morningLevel(_ profile: DimmingProfile, at now: Timestamp, nightDate: Int) -> Int {
        if let sensorDawnLevel { return sensorDawnLevel }
        let end = profile.level(at: now, nightDate: nightDate, utcOffsetMinutes: utcOffsetMinutes)
        return end > 0 ? end : profile.duskLevel
    }

    private func profile(forNight nightDate: Int) -> DimmingProfile {
        let (y, m, d) = CivilTime.civil(fromDays: nightDate)
        let date = CivilTime(year: y, month: m, day: d)
        // A fixed date wins over a yearly one on the same night.
        let matching = specialDays.filter { $0.matches(date) }
        let special = matching.first { if case .date = $0.when { true } else { false } } ?? matching.first
        return special?.profile ?? profile
    }
}

extension DimmingProfile {
    /// The level at dusk: the dusk step's, else 100 %.
    package var duskLevel: Int { steps.first { $0.minuteOfDay == nil }?.level ?? 100 }
}
