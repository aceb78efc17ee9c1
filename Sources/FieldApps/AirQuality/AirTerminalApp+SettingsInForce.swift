import FieldCore

extension AirTerminalApp {
    package var settingsInForce: [String: JSONValue] { settings.inForce }
}

extension AirTerminalSettings {
    /// Every setting under its site-file key (`AirTerminalSettings(context:settings:)` reads them
    /// back the same); a pollutant the terminal does not monitor is "none".
    var inForce: [String: JSONValue] {
        var x: [String: JSONValue] = [
            "indicator": .object(["window": .duration(indicatorWindow), "min-coverage": .number(indicatorMinCoverage),
                                  "hysteresis": .number(indicatorHysteresis)]),
            "buzzer": .object(["enabled": .bool(buzzerEnabled), "delay": .duration(buzzerDelay)]),
            "fan": .object(["min-on": .duration(fanMinOn), "min-off": .duration(fanMinOff), "mode": .string(fanMode.rawValue),
                            "driven-by": .array(AirPollutant.allCases.filter(fanDrivers.contains).map { .string($0.rawValue) })]),
            "max-sample-gap": .duration(maxSampleGap),
            "publish-interval": .duration(publishInterval),
            "sensor-fault-delay": .duration(sensorFaultDelay),
        ]
        for p in AirPollutant.allCases {
            x[p.rawValue] = pollutants[p].map { .object($0.inForce) } ?? "none"
        }
        return x
    }
}

extension AirTerminalSettings.Pollutant {
    var inForce: [String: JSONValue] {
        [
            "source": .point(source),
            "unit": .string(sourceUnit.rawValue),
            "window": .duration(window),
            "limit": .number(limit),
            "min-coverage": .number(minCoverage),
            "hysteresis": .number(hysteresis),
            "delay": .duration(delay),
            "severity": .string(severity.rawValue),
            "moderate-above": .number(moderateAbove),
            "poor-above": .number(poorAbove),
            "fan-on": .number(fanOn),
            "fan-off": .number(fanOff),
            "warm-up": .duration(warmUp),
        ]
    }
}
