import FieldCore

extension LampHeadApp {
    package var settingsInForce: [String: JSONValue] { settings.inForce }
}

extension LampHeadSettings {
    /// Every setting under its site-file key (`LampHeadSettings.read` reads them back the same).
    var inForce: [String: JSONValue] {
        [
            "dusk-offset": .signedDuration(duskOffset),
            "dawn-offset": .signedDuration(dawnOffset),
            "dimming": dimming.inForce,
            "special-days": .array(specialDays.map(\.inForce)),
            "light-sensor": .optional(lightSensor, JSONValue.point),
            "light-on-lux": .number(lightOnLux),
            "light-off-lux": .number(lightOffLux),
            "light-sensor-delay": .duration(lightSensorDelay),
            "light-sensor-dawn-level": .optional(lightSensorDawnLevel, JSONValue.int),
            "twilight": .string(twilight.rawValue),
            "fail-safe-level": .int(failSafeLevel),
            "override-duration": .duration(overrideDuration),
            "default-dim": .int(defaultDim),
            "fallback-timeout": .duration(fallbackTimeout),
            "settle-time": .duration(settleTime),
            "lamp-failure-current": .number(lampFailureCurrent),
            "day-burner-current": .number(dayBurnerCurrent),
            "rated-power": .optional(ratedPower, JSONValue.number),
            "power-tolerance": .number(powerTolerance),
            "power-factor-min": .number(powerFactorMin),
            "voltage-high": .number(voltageHigh),
            "voltage-low": .number(voltageLow),
            "leakage-limit": .number(leakageLimit),
            "fault-delay": .duration(faultDelay),
            "stale-after": .duration(staleAfter),
        ]
    }
}

extension DimmingProfile {
    /// `[{"at": "dusk", "level": 100}, {"at": "00:00", "level": 50}]`
    var inForce: JSONValue {
        .array(steps.map { step in
            .object(["at": .string(step.minuteOfDay.map(twoDigitTime) ?? "dusk"), "level": .int(step.level)])
        })
    }
}

extension SpecialDay {
    var inForce: JSONValue {
        var o: [String: JSONValue] = ["dimming": profile.inForce]
        switch when {
        case .date(let y, let m, let d): o["date"] = .string("\(y)-\(twoDigits(m))-\(twoDigits(d))")
        case .everyYear(let m, let d): o["date"] = .string("\(twoDigits(m))-\(twoDigits(d))")
        }
        if let name { o["name"] = .string(name) }
        return .object(o)
    }
}

private func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

/// Minutes after midnight as `HH:MM`.
private func twoDigitTime(_ minutes: Int) -> String { twoDigits(minutes / 60) + ":" + twoDigits(minutes % 60) }
