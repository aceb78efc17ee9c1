import FieldCore

// Readers for the value shapes the lamp-pole and fire-water apps' settings and commands use.

extension JSONObjectReader {
    /// Another device's point, written `device.point`.
    func pointReference(_ key: String, required: Bool = false) -> PointRef? {
        decode(key, required: required) { v, p in
            guard case .string(let s) = v, let ref = PointRef(s) else {
                reader.report(p, "expected a point as \"device.point\", got \(v.stringValue.map { "\"\($0)\"" } ?? v.kindDescription)")
                return nil
            }
            return ref
        }
    }

    /// A duration that may be negative: `"-15m"`, `"10m"`, or a number of seconds.
    func signedDuration(_ key: String, range: ClosedRange<Duration>) -> Duration? {
        decode(key) { v, p in
            var d: Duration?
            switch v {
            case .number(let n): d = Duration(checkedSeconds: n)
            case .string(let s) where s.hasPrefix("-"): d = parseDuration(String(s.dropFirst())).map { .zero - $0 }
            case .string(let s): d = parseDuration(s)
            default: d = nil
            }
            guard let d else {
                reader.report(p, "expected a duration such as \"-15m\" or \"10m\", got \(v.kindDescription)")
                return nil
            }
            guard range.contains(d) else {
                reader.report(p, "\(describeSigned(d)) is out of range (expected \(describeSigned(range.lowerBound))…\(describeSigned(range.upperBound)))")
                return nil
            }
            return d
        }
    }

    /// A dim level or other percentage, 0…100 (integer).
    func percent(_ key: String, required: Bool = false) -> Int? {
        int(key, required: required, range: 0...100)
    }
}

private func describeSigned(_ d: Duration) -> String {
    d < .zero ? "-" + formatDuration(.zero - d) : formatDuration(d)
}

/// Parses a local time of day `HH:MM` (00:00…23:59) into minutes after midnight.
func parseTimeOfDay(_ text: String) -> Int? {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let h = Int(parts[0]), let m = Int(parts[1]),
          (0..<24).contains(h), (0..<60).contains(m) else { return nil }
    return h * 60 + m
}

extension AppCommand {
    /// Reads the command's arguments (an object, or nothing) with `body`; every problem found
    /// becomes one error message naming the argument, so an operator sees all of them at once.
    func readArguments<T>(_ body: (JSONObjectReader) -> T?) -> Result<T, AppError> {
        let reader = JSONReader()
        let value: JSONValue = arguments == .null ? .object([:]) : arguments
        guard let object = reader.object(value) else {
            return .failure(AppError("\(name): arguments must be an object, got \(value.kindDescription)"))
        }
        let result = body(object)
        object.finish()
        if let result, reader.issues.isEmpty { return .success(result) }
        let problems = reader.issues.map(\.description).joined(separator: "; ")
        return .failure(AppError("\(name): \(problems.isEmpty ? "invalid arguments" : problems)"))
    }
}

extension Reading {
    /// This reading, or its value marked stale when it is older than `maxAge` at `now`. The
    /// runtime stops feeding a device that stopped answering (and raises its comm-lost alarm);
    /// the app must not go on judging the last value it saw.
    func aged(_ maxAge: Duration, now: Timestamp) -> Reading {
        guard now - time > maxAge, quality == .good else { return self }
        return Reading(value, quality: .stale, at: time)
    }
}

/// Collects an alarm rule's signal as an effect, when there is one.
func appendAlarm(_ effects: inout [AppEffect], _ id: AlarmID, _ severity: Severity, _ signal: AlarmSignal?) {
    if let signal { effects.append(.alarm(id, severity, signal)) }
}

/// Runs `make` on the settings, reports unknown keys, and returns nil when anything was wrong:
/// a half-understood setting must not run a device.
func madeChecked(_ settings: JSONObjectReader?, _ make: (JSONObjectReader?) -> (any DeviceApp)?) -> (any DeviceApp)? {
    let before = settings?.reader.issues.count ?? 0
    let app = make(settings)
    settings?.finish()
    guard (settings?.reader.issues.count ?? 0) == before else { return nil }
    return app
}
