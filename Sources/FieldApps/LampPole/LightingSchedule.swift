import FieldCore

/// What a lamp should do at one instant, and on whose authority.
public struct LightingDecision: Hashable, Sendable {
    public enum Mode: String, Sendable, CaseIterable {
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
    public var level: Int
    public var mode: Mode
    /// Why the schedule could not be evaluated, in fail-safe mode.
    public var problem: String?

    public init(level: Int, mode: Mode, problem: String? = nil) {
        self.level = level
        self.mode = mode
        self.problem = problem
    }
}

/// The lamp's night: astronomical dusk and dawn with offsets, a dimming profile, special days,
/// and the fail-safe when the schedule cannot be evaluated. Pure; caches the last two solar days.
public struct LightingSchedule: Sendable {
    /// A clock before this year is taken as unset (an RTC without battery starts in 1970 or 2000).
    public static let earliestTrustedYear = 2020

    public var location: GeoLocation?
    public var utcOffsetMinutes: Int
    /// Added to sunset: positive switches on later.
    public var duskOffset: Duration
    /// Added to sunrise: positive switches off later.
    public var dawnOffset: Duration
    public var profile: DimmingProfile
    public var specialDays: [SpecialDay]
    /// Level when the schedule cannot be evaluated.
    public var failSafeLevel: Int
    private var cache: [Int: SolarDay] = [:]

    public init(location: GeoLocation?, utcOffsetMinutes: Int, duskOffset: Duration = .zero, dawnOffset: Duration = .zero,
                profile: DimmingProfile = .standard, specialDays: [SpecialDay] = [], failSafeLevel: Int = 100) {
        self.location = location
        self.utcOffsetMinutes = utcOffsetMinutes
        self.duskOffset = duskOffset
        self.dawnOffset = dawnOffset
        self.profile = profile
        self.specialDays = specialDays
        self.failSafeLevel = failSafeLevel
    }

    /// Why the schedule cannot be evaluated at `now`, or nil when it can.
    public func problem(at now: Timestamp) -> String? {
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
    public mutating func decide(at now: Timestamp, sensorDark: Bool?) -> LightingDecision {
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
            return LightingDecision(level: nightProfile.duskLevel, mode: .lightSensor)
        }
        return LightingDecision(level: 0, mode: .schedule)
    }

    /// Sunrise and sunset on a local date (days since the epoch), nil without a location.
    public mutating func solarDay(localDate: Int) -> SolarDay? {
        guard let location else { return nil }
        if let d = cache[localDate] { return d }
        let d = AstronomicalClock.solarDay(localDate: localDate, at: location)
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
    public var duskLevel: Int { steps.first { $0.minuteOfDay == nil }?.level ?? 100 }
}
