import FieldCore

/// The purifier / fresh-air fan relay: in `auto` it follows the pollutants' votes (each with its
/// own on/off hysteresis) but never runs shorter than `minOn` nor rests shorter than `minOff`, so
/// the relay and the motor do not cycle; `on` and `off` are a person's choice, taken at once, for
/// a while or until set back to `auto`.
struct FanRelay: Sendable {
    let minOn: Duration
    let minOff: Duration
    private(set) var mode: FanMode
    /// When a manual mode goes back to `auto` (nil: it stays).
    private(set) var manualUntil: Timestamp?
    private(set) var isOn = false
    private var lastSwitch: Timestamp?

    init(mode: FanMode, minOn: Duration, minOff: Duration) {
        self.mode = mode
        self.minOn = minOn
        self.minOff = minOff
    }

    /// Sets the mode by hand; `for` bounds a manual mode.
    mutating func set(_ mode: FanMode, for duration: Duration?, now: Timestamp) {
        self.mode = mode
        manualUntil = mode == .auto ? nil : duration.map { now + $0 }
    }

    /// Decides the relay state at `now` from the pollutants' combined vote; returns true when the
    /// relay changed.
    mutating func update(demand: Bool, now: Timestamp) -> Bool {
        if let until = manualUntil, now >= until {
            mode = .auto
            manualUntil = nil
        }
        let want: Bool
        switch mode {
        case .on: want = true
        case .off: want = false
        case .auto:
            guard demand != isOn else { return false }
            let rest = isOn ? minOn : minOff
            if let last = lastSwitch, now - last < rest { return false }
            want = demand
        }
        guard want != isOn else { return false }
        isOn = want
        lastSwitch = now
        return true
    }
}
