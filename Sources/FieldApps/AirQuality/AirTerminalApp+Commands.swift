import FieldCore

extension AirTerminalApp {
    /// The commands the terminal takes (docs/indoor-air.md):
    /// - `fan` `{"mode": "on"|"off"|"auto", "for": "1h"}`: run the fan by hand, for a while or until
    ///   set back to `auto`;
    /// - `silence` `{"for": "30m"}` silences the buzzer for a while, `{}` until the poor spell ends,
    ///   `{"cancel": true}` lets it sound again;
    /// - `status`: the averages, coverage, LED band, fan and buzzer.
    mutating func perform(_ command: AppCommand, now: Timestamp) throws(AppError) -> JSONValue {
        let args = CommandFields(command)
        switch command.name {
        case "fan":
            try args.only("mode", "for")
            guard let mode = try args.string("mode", main: true, oneOf: FanMode.allCases.map(\.rawValue)).flatMap(FanMode.init) else {
                throw AppError("fan: say on, off or auto")
            }
            let duration = try args.duration("for")
            if mode == .auto, duration != nil { throw AppError("fan: auto takes no duration") }
            fan.set(mode, for: duration, now: now)
            _ = fan.update(demand: monitors.contains { settings.fanDrivers.contains($0.pollutant) && $0.wantsFan }, now: now)
            return fanStatus()
        case "silence":
            try args.only("for", "cancel")
            if try args.bool("cancel") == true {
                buzzer.unsilence()
            } else if let duration = try args.duration("for") {
                buzzer.silence(for: duration, now: now)
            } else {
                guard buzzer.isSustained else { throw AppError("silence: the buzzer is not sounding (give \"for\" to silence it ahead)") }
                buzzer.silence(for: nil, now: now)
            }
            return buzzerStatus(now: now)
        case "status":
            try args.only()
            return status(now: now)
        default:
            throw AppError("unknown command \"\(command.name)\" (the air terminal takes: fan, silence, status)")
        }
    }

    func status(now: Timestamp) -> JSONValue {
        var pollutants: [String: JSONValue] = [:]
        for m in monitors {
            let (avg, coverage) = m.averageReading(at: now)
            let short = m.shortReading(at: now, minCoverage: settings.indicatorMinCoverage).reading
            pollutants[m.pollutant.rawValue] = .object([
                "source": .string(m.settings.source.description),
                "unit": .string(m.pollutant.unit.rawValue),
                "latest": m.latest?.goodNumber.map { .number($0) } ?? .null,
                "latest-quality": .string(m.latest?.quality.rawValue ?? "no reading"),
                "window": .string(PollutantMonitor.label(m.settings.window)),
                "average": avg.goodNumber.map { .number($0) } ?? .null,
                "average-quality": .string(avg.quality.rawValue),
                "coverage": .number((coverage * 1000).rounded() / 10),
                "limit": .number(m.settings.limit),
                "limit-source": .string(m.settings.limit == m.pollutant.defaultLimit
                    ? (m.pollutant.limitConfirmed ? "GB/T 18883-2022" : "default, not confirmed from GB/T 18883-2022") : "site setting"),
                "exceeded": .bool(m.exceedance.isActive),
                "short-average": short.goodNumber.map { .number($0) } ?? .null,
                "band": m.band.map { .string($0.rawValue) } ?? .null,
            ])
        }
        return .object([
            "air-quality": level.map { .string($0.rawValue) } ?? "unknown",
            "worst": worst.map { .string($0.rawValue) } ?? .null,
            "pollutants": .object(pollutants),
            "fan": fanStatus(),
            "buzzer": buzzerStatus(now: now),
        ])
    }

    private func fanStatus() -> JSONValue {
        .object([
            "mode": .string(fan.mode.rawValue),
            "on": .bool(fan.isOn),
            "manual-until": fan.manualUntil.map { .string($0.iso8601(offsetMinutes: context.site.utcOffsetMinutes)) } ?? .null,
        ])
    }

    private func buzzerStatus(now: Timestamp) -> JSONValue {
        let until: JSONValue
        if buzzer.silencedUntilClear {
            until = "until the air is no longer poor"
        } else if let t = buzzer.silencedUntil {
            until = .string(t.iso8601(offsetMinutes: context.site.utcOffsetMinutes))
        } else {
            until = .null
        }
        return .object(["sounding": .bool(buzzer.isSounding(at: now)), "silenced": .bool(buzzer.isSilenced(at: now)), "silenced-until": until])
    }
}
