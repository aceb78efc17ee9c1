import FieldCore

/// A lamp's energy and burning time for the current local day, from the controller's energy
/// counter (Wh, which survives the gateway's restarts and polls missed) or from time × power.
///
/// The app's state is not persisted: after a gateway restart the day's totals start again from
/// the first reading (the counter's own value is kept by the controller).
struct DailyEnergy: Hashable, Sendable {
    /// Local date (days since the epoch) the running totals belong to.
    private var day: Int?
    private var energyWh = 0.0
    private var burningSeconds = 0.0
    private var lastCounter: Double?

    /// A day's totals.
    struct Totals: Hashable, Sendable {
        var energyKWh: Double
        var burningHours: Double
    }

    /// Starts a new day when `localDate` moved on; returns the finished day's totals.
    mutating func roll(to localDate: Int) -> Totals? {
        guard let day else {
            self.day = localDate
            return nil
        }
        guard localDate != day else { return nil }
        let done = today
        self.day = localDate
        energyWh = 0
        burningSeconds = 0
        return done
    }

    var today: Totals {
        Totals(energyKWh: energyWh / 1000, burningHours: burningSeconds / 3600)
    }

    /// A reading of the controller's cumulative energy counter (Wh). A counter that went
    /// backwards was reset or replaced: count from its new value.
    mutating func counter(_ wh: Double) {
        if let last = lastCounter, wh >= last { energyWh += wh - last }
        lastCounter = wh
    }

    mutating func add(energyWh wh: Double) { energyWh += wh }

    mutating func add(burning d: Duration) { burningSeconds += d.inSeconds }
}
