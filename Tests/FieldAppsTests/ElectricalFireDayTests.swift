#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import FieldCore
@testable import FieldApps

/// Issue 20: an ordinary day in a dormitory's distribution box raises nothing, in simulated time
/// (the gateway's own delays are real seconds, so a real-gateway scenario cannot cover a day):
/// kettles morning and night (one at 23:40, inside the no-heater hours), a hair dryer, an air
/// conditioner starting, a fridge cycling, damp nights raising the leakage, the evening's
/// voltage sag, cables warming with the load. Beside it, the days that must raise: insulation
/// degrading (the trend warning), and a heater at night.
@Suite struct ElectricalFireDayTests {
    let t0 = beijingTime("2026-12-01T00:00")
    static let settings: JSONValue = ["over-current": 32, "appliance": ["step": 1000, "hours": ["23:00", "06:00"]]]

    /// Drives a box through days: the loads by the local clock, the leakage with the humidity.
    struct Dormitory {
        var loads = CircuitLoads([
            .init(name: "fridge", watts: 150, powerFactor: 0.7),
            .init(name: "lights", watts: 600, powerFactor: 0.95),
            .init(name: "chargers", watts: 400, powerFactor: 0.6),
            .init(name: "kettle", watts: 1800, powerFactor: 1.0),
            .init(name: "hair-dryer", watts: 1200, powerFactor: 0.99),
            .init(name: "air-conditioner", watts: 1300, powerFactor: 0.78),
            .init(name: "heater", watts: 2000, powerFactor: 1.0),
        ])
        var noise = SplitMix64(seed: 7)
        /// Leakage of the insulation in dry weather (mA), and what it gains per day of ageing.
        var leakageDry = 35.0
        var leakageGrowthPerDay = 0.0
        /// The day the insulation starts to take up water.
        var ageingFrom = 0.0
        var heaterAt: ClosedRange<Double>?
        var temperature = 24.0

        /// `(start, minutes)` by local hour: when each load runs.
        static let schedule: [String: [(Double, Double)]] = [
            "kettle": [(7.0, 3.5), (12.5, 3), (19.0, 3.5), (22.0, 3), (23 + 40.0 / 60, 3.5)],
            "hair-dryer": [(22.5, 4)],
            "air-conditioner": [(13.0, 240)],
            "lights": [(6.5, 90), (18.0, 330)],
            "chargers": [(18.0, 300), (20.0, 60)],
        ]

        func uniform(_ n: inout SplitMix64) -> Double { Double(n.next() >> 11) / Double(UInt64(1) << 53) }

        mutating func step(_ box: inout DistributionBox, at t: Timestamp, start: Timestamp) {
            let day = Double((t - start).milliseconds) / 86_400_000
            let hour = (day - day.rounded(.down)) * 24
            for (name, slots) in Self.schedule {
                loads[name] = slots.contains { hour >= $0.0 && hour < $0.0 + $0.1 / 60 }
            }
            // The fridge's compressor: 10 min on, 20 off.
            loads["fridge"] = Int(hour * 60) % 30 < 10
            loads["heater"] = heaterAt.map { $0.contains(day) } ?? false
            let (p, pf) = loads.measure()
            box.power = p
            box.powerFactor = pf
            // Damp nights: relative humidity highest at 04:00; leakage follows it.
            let phase: Double = (hour - 4) / 24 * 2 * Double.pi
            let humidity: Double = 0.5 + 0.4 * cos(phase)
            let damp: Double = leakageDry * (0.7 + 0.6 * humidity)
            let ageing: Double = leakageGrowthPerDay * max(0, day - ageingFrom)
            let jitter: Double = (uniform(&noise) - 0.5) * 4
            box.residual = max(0, damp + ageing + jitter)
            let amps = p / (220 * 3 * pf)
            box.currents = [amps * 1.2, amps, amps * 0.8]
            // The evening's sag, and a little noise.
            let sag = hour >= 18 && hour < 22 ? 8.0 : 0
            let level: Double = 223 - sag - p / 800
            box.voltages = (0..<3).map { i in level + Double(i) + (uniform(&noise) - 0.5) * 2 }
            // Cables and terminals warm with the load (a 10 min lag).
            temperature += (22 + p / 250 - temperature) * (2.0 / 600)
            box.temperatures = [temperature, temperature - 1, temperature + 1.5, temperature - 0.5]
        }
    }

    func run(_ r: inout BoxRig, _ d: inout Dormitory, for duration: Duration, poll: Duration = .seconds(2)) {
        let start = t0
        r.run(for: duration, step: poll) { box, t in d.step(&box, at: t, start: start) }
    }

    @Test func anOrdinaryDayRaisesNothing() throws {
        var r = try BoxRig(Self.settings, at: t0)
        var d = Dormitory()
        run(&r, &d, for: .hours(24))
        #expect(r.events.isEmpty, "\(r.events.map { "\($0.id): \($0.message)" })")
    }

    @Test func threeOrdinaryDaysRaiseNoLeakageTrend() throws {
        var r = try BoxRig(Self.settings, at: t0)
        var d = Dormitory()
        run(&r, &d, for: .hours(72), poll: .seconds(6))
        #expect(r.events.isEmpty, "\(r.events.map { "\($0.id): \($0.message)" })")
    }

    @Test func insulationDegradingIsAnEarlyWarningBeforeTheAlarm() throws {
        var r = try BoxRig(Self.settings, at: t0)
        var d = Dormitory()
        run(&r, &d, for: .hours(24))
        // From the second day the insulation takes up water: +50 mA a day.
        d.leakageGrowthPerDay = 50
        d.ageingFrom = 1
        run(&r, &d, for: .hours(24))
        #expect(!r.isActive("leakage-rising"), "half a day's growth in the mean is under 30 mA")
        run(&r, &d, for: .hours(12))
        let warned = try #require(r.raises("leakage-rising").first)
        #expect(warned.severity == .minor && warned.id.rawValue == "box-1.residual-current/leakage-rising")
        #expect(warned.message.hasPrefix("residual current rising: mean ") && warned.message.contains(" mA over the last 24 h, "), "\(warned.message)")
        #expect(!r.isActive("leakage"), "the warning comes before the 300 mA alarm")
    }

    @Test func aHeaterAtNightOnAnOrdinaryDay() throws {
        var r = try BoxRig(Self.settings, at: t0)
        var d = Dormitory()
        // 00:30 to 03:00 local on the first night.
        d.heaterAt = (0.5 / 24)...(3.0 / 24)
        run(&r, &d, for: .hours(24))
        #expect(r.raises("prohibited-appliance").count == 1)
        #expect(r.events.filter { $0.id.type != "prohibited-appliance" }.isEmpty, "\(r.events)")
    }
}
