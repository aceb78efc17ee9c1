import FieldDevices

/// What the board's status LEDs (board file `leds`, docs/boards.md) show, as a pure function of
/// the gateway's state and the time: the GPIO worker asks twice a second and drives the lines.
///
/// - `run`: steady while the gateway starts or stops, blinking at 1 Hz (0.5 s on, 0.5 s off) while
///   it runs — a frozen gateway leaves it steady or dark, never blinking;
/// - `alarm`: on while any alarm of severity major or critical is active;
/// - `comm`: on while any Modbus device is offline;
/// - `uplink`: not driven yet (the uplink lives in the daemon, outside the gateway's state): the
///   line stays in its safe state.
package struct StatusLEDs: Sendable {
    /// What the gateway reports to its LEDs.
    package struct Indication: Sendable, Hashable {
        package var running: Bool
        package var majorAlarm: Bool
        package var deviceOffline: Bool

        package init(running: Bool = false, majorAlarm: Bool = false, deviceOffline: Bool = false) {
            (self.running, self.majorAlarm, self.deviceOffline) = (running, majorAlarm, deviceOffline)
        }
    }

    /// Half the run LED's blink period.
    package static let blinkHalfPeriodMilliseconds: Int64 = 500

    package let leds: [BoardLED]

    package init(leds: [BoardLED]) { self.leds = leds }

    /// The level of each LED line at `monotonicMilliseconds`.
    package func levels(_ indication: Indication, at monotonicMilliseconds: Int64) -> [String: Bool] {
        var out: [String: Bool] = [:]
        for led in leds {
            switch led.role {
            case .run:
                let phaseOn = (monotonicMilliseconds / Self.blinkHalfPeriodMilliseconds) % 2 == 0
                out[led.line] = indication.running ? phaseOn : true
            case .alarm: out[led.line] = indication.majorAlarm
            case .comm: out[led.line] = indication.deviceOffline
            case .uplink: break
            }
        }
        return out
    }

    /// When the levels may next change by themselves (the next blink edge).
    package static func nextEdge(after monotonicMilliseconds: Int64) -> Int64 {
        (monotonicMilliseconds / blinkHalfPeriodMilliseconds + 1) * blinkHalfPeriodMilliseconds
    }
}
