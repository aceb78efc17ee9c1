import FieldCore

/// A pollutant the air terminal averages and judges, with the averaging period and limit of
/// GB/T 18883-2022 (indoor air quality standard) as defaults. Every default is configurable per
/// device; the ones not confirmed from the standard's text are marked so in docs/indoor-air.md.
package enum AirPollutant: String, CaseIterable, Sendable {
    case hcho, co2, tvoc, pm25, pm10

    /// As people write it in a message ("PM2.5").
    package var displayName: String {
        switch self {
        case .hcho: "HCHO"
        case .co2: "CO2"
        case .tvoc: "TVOC"
        case .pm25: "PM2.5"
        case .pm10: "PM10"
        }
    }

    /// The unit the terminal works and reports in.
    package var unit: AirUnit {
        switch self {
        case .hcho, .tvoc: .milligramsPerCubicMetre
        case .co2: .ppm
        case .pm25, .pm10: .microgramsPerCubicMetre
        }
    }

    /// Units a source may report in; readings are converted to `unit`.
    package var acceptedUnits: [AirUnit] {
        switch self {
        case .hcho: [.milligramsPerCubicMetre, .microgramsPerCubicMetre, .ppb, .ppm]
        case .co2: [.ppm, .percent]
        case .tvoc: [.milligramsPerCubicMetre, .microgramsPerCubicMetre]
        case .pm25, .pm10: [.microgramsPerCubicMetre, .milligramsPerCubicMetre]
        }
    }

    /// GB/T 18883-2022's averaging period: HCHO and CO2 1 h, TVOC 8 h, PM2.5 and PM10 24 h.
    package var defaultWindow: Duration {
        switch self {
        case .hcho, .co2: .hours(1)
        case .tvoc: .hours(8)
        case .pm25, .pm10: .hours(24)
        }
    }

    /// The limit of GB/T 18883-2022 on the average, in `unit`. HCHO 0.08 mg/m³ and TVOC 0.60 mg/m³
    /// are confirmed; PM2.5 50 µg/m³, PM10 100 µg/m³ and CO2 1000 ppm (0.10 %) are not confirmed
    /// from the standard's text.
    package var defaultLimit: Double {
        switch self {
        case .hcho: 0.08
        case .co2: 1000
        case .tvoc: 0.60
        case .pm25: 50
        case .pm10: 100
        }
    }

    /// Whether `defaultLimit` was confirmed from the standard's own text.
    package var limitConfirmed: Bool { self == .hcho || self == .tvoc }

    /// The least share of the window that valid samples must cover for the average to count:
    /// 45 min of an hour, 6 h of 8, 20 h of 24 (the data-validity rule of the ambient air standard
    /// GB 3095-2012, borrowed because GB/T 18883 gives none).
    package var defaultMinCoverage: Double {
        switch self {
        case .hcho, .co2, .tvoc: 0.75
        case .pm25, .pm10: 20.0 / 24.0
        }
    }

    /// Above this short average the status LED leaves green (our choice; see docs/indoor-air.md).
    package var defaultModerateAbove: Double {
        switch self {
        case .hcho: 0.05
        case .co2: 800
        case .tvoc: 0.30
        case .pm25: 35
        case .pm10: 50
        }
    }

    /// The fan switches on at this short average and off at `defaultFanOff` (our choice).
    package var defaultFanOn: Double { defaultModerateAbove }

    package var defaultFanOff: Double {
        switch self {
        case .hcho: 0.035
        case .co2: 650
        case .tvoc: 0.20
        case .pm25: 25
        case .pm10: 35
        }
    }

    /// Time after a source starts answering during which its readings are not trusted, for sensors
    /// that do not flag their own warm-up: electrochemical HCHO and metal-oxide TVOC cells settle
    /// over minutes, laser PM counters within half a minute; NDIR CO2 (SenseAir S8) flags it itself.
    package var defaultWarmUp: Duration {
        switch self {
        case .hcho, .tvoc: .minutes(3)
        case .pm25, .pm10: .seconds(30)
        case .co2: .zero
        }
    }

    package var defaultSeverity: Severity {
        switch self {
        case .hcho, .tvoc, .pm25: .major
        case .co2, .pm10: .minor
        }
    }
}

/// A unit an air sensor reports in.
package enum AirUnit: String, CaseIterable, Sendable {
    case milligramsPerCubicMetre = "mg/m³"
    case microgramsPerCubicMetre = "µg/m³"
    case ppm
    case ppb
    case percent = "%"

    /// Reads the spellings profiles and site files use: `mg/m³`, `mg/m3`, `µg/m³` (micro sign or
    /// Greek mu), `ug/m3`, `ppm`, `ppb`, `%`.
    package init?(spelling: String) {
        var s = spelling.lowercased()
        s = s.replacingAll("³", with: "3").replacingAll("µ", with: "u").replacingAll("μ", with: "u")
        switch s {
        case "mg/m3": self = .milligramsPerCubicMetre
        case "ug/m3": self = .microgramsPerCubicMetre
        case "ppm": self = .ppm
        case "ppb": self = .ppb
        case "%", "%vol": self = .percent
        default: return nil
        }
    }
}

extension AirPollutant {
    /// Formaldehyde's molar mass over the molar volume at 25 °C and 101.325 kPa (30.03 / 24.45):
    /// 1 ppm ≈ 1.228 mg/m³.
    package static let formaldehydeMilligramsPerPPM = 30.03 / 24.45

    /// Formaldehyde in mg/m³ as ppb at 25 °C.
    package static func formaldehydePPB(milligramsPerCubicMetre mg: Double) -> Double {
        mg / formaldehydeMilligramsPerPPM * 1000
    }

    /// `value` in `from` converted to this pollutant's working unit; nil when the unit does not
    /// apply (ppm of particles).
    package func convert(_ value: Double, from: AirUnit) -> Double? {
        guard acceptedUnits.contains(from) else { return nil }
        switch (from, unit) {
        case (let a, let b) where a == b: return value
        case (.microgramsPerCubicMetre, .milligramsPerCubicMetre): return value / 1000
        case (.milligramsPerCubicMetre, .microgramsPerCubicMetre): return value * 1000
        case (.ppm, .milligramsPerCubicMetre) where self == .hcho: return value * Self.formaldehydeMilligramsPerPPM
        case (.ppb, .milligramsPerCubicMetre) where self == .hcho: return value / 1000 * Self.formaldehydeMilligramsPerPPM
        case (.percent, .ppm): return value * 10_000
        default: return nil
        }
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
