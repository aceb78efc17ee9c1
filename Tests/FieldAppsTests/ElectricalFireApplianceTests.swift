import Testing
import FieldCore
@testable import FieldApps

/// Loads on a circuit: each adds active and reactive power while it runs. The box's total power
/// factor is P / √(P² + Q²) of the sum, as a meter measures it.
struct CircuitLoads {
    struct Load {
        var name: String
        var watts: Double
        var powerFactor: Double
        var on = false
    }

    var loads: [Load]
    var noise = SplitMix64(seed: 20)

    init(_ loads: [Load]) { self.loads = loads }

    subscript(_ name: String) -> Bool {
        get { loads.first { $0.name == name }?.on ?? false }
        set { if let i = loads.firstIndex(where: { $0.name == name }) { loads[i].on = newValue } }
    }

    /// Total (P, PF) with ±`jitter` W of measurement noise.
    mutating func measure(jitter: Double = 20) -> (Double, Double) {
        var p = 0.0, q = 0.0
        for l in loads where l.on {
            p += l.watts
            q += l.watts * (1 - l.powerFactor * l.powerFactor).squareRoot() / l.powerFactor
        }
        let u = Double(noise.next() >> 11) / Double(UInt64(1) << 53)
        p = max(0, p + (u - 0.5) * 2 * jitter)
        return (p, p < 1 ? 1 : p / (p * p + q * q).squareRoot())
    }

    func apply(to box: inout DistributionBox, _ m: (Double, Double)) {
        box.power = m.0
        box.powerFactor = m.1
    }
}

/// Prohibited-appliance detection beside each load that resembles a heater and is not one.
@Suite struct ElectricalFireApplianceTests {
    let night = beijingTime("2026-12-01T23:20")
    static let settings: JSONValue = ["appliance": ["step": 1000, "hours": ["23:00", "06:00"]]]

    /// A dormitory circuit at night: lights, chargers, a fridge, plus what each test switches on.
    func circuit() -> CircuitLoads {
        CircuitLoads([
            .init(name: "lights", watts: 180, powerFactor: 0.95, on: true),
            .init(name: "chargers", watts: 120, powerFactor: 0.6, on: true),
            .init(name: "fridge", watts: 150, powerFactor: 0.7, on: true),
            .init(name: "heater", watts: 2000, powerFactor: 1.0),
            .init(name: "kettle", watts: 1800, powerFactor: 1.0),
            .init(name: "air-conditioner", watts: 1300, powerFactor: 0.78),
        ])
    }

    func run(_ r: inout BoxRig, _ c: inout CircuitLoads, for duration: Duration) {
        r.run(for: duration) { box, _ in c.apply(to: &box, c.measure()) }
    }

    @Test func aHeaterSwitchedOnAtNightIsReportedAfterItsHold() throws {
        var r = try BoxRig(Self.settings, at: night)
        var c = circuit()
        run(&r, &c, for: .minutes(5))
        c["heater"] = true
        run(&r, &c, for: .minutes(4) + .seconds(50))
        #expect(!r.isActive("prohibited-appliance"))
        run(&r, &c, for: .seconds(20))
        let raised = try #require(r.raises("prohibited-appliance").first)
        #expect(raised.id.rawValue == "box-1.power/prohibited-appliance" && raised.severity == .major)
        // 2000 W give or take the meter's noise.
        #expect(raised.message.hasPrefix("resistive load of 20") && raised.message.contains(" W (power factor of the step 1) switched on at 23:25 and on for 5m"),
                "\(raised.message)")
        // Its thermostat pauses it for 4 min: still one alarm.
        c["heater"] = false
        run(&r, &c, for: .minutes(4))
        c["heater"] = true
        run(&r, &c, for: .minutes(10))
        #expect(r.raises("prohibited-appliance").count == 1 && r.isActive("prohibited-appliance"))
        // Taken away: clears 10 min after.
        c["heater"] = false
        run(&r, &c, for: .minutes(9))
        #expect(r.isActive("prohibited-appliance"))
        run(&r, &c, for: .minutes(2))
        #expect(!r.isActive("prohibited-appliance"))
    }

    @Test func aKettleBoilsWithinTheHold() throws {
        var r = try BoxRig(Self.settings, at: night)
        var c = circuit()
        run(&r, &c, for: .minutes(5))
        c["kettle"] = true
        run(&r, &c, for: .minutes(3) + .seconds(30))
        c["kettle"] = false
        run(&r, &c, for: .minutes(30))
        #expect(r.events.isEmpty, "\(r.events)")
    }

    @Test func aMotorLoadIsNotResistive() throws {
        // An air conditioner (PF 0.78) with its compressor's start (3 s at 4×) runs for an hour.
        var r = try BoxRig(Self.settings, at: night)
        var c = circuit()
        run(&r, &c, for: .minutes(5))
        c.loads[5].watts = 5200
        c["air-conditioner"] = true
        run(&r, &c, for: .seconds(3))
        c.loads[5].watts = 1300
        run(&r, &c, for: .hours(1))
        #expect(r.events.isEmpty, "\(r.events)")
        // A heater switched on while it runs is still a heater: the step's own PF is ≈ 1.
        c["heater"] = true
        run(&r, &c, for: .minutes(6))
        #expect(r.raises("prohibited-appliance").count == 1)
    }

    @Test func aLoadThatGrowsSlowlyIsNoStep() throws {
        // Thirty people coming back one by one: 2400 W more over 40 minutes, resistive (lamps, kettles' neighbours).
        var r = try BoxRig(Self.settings, at: night)
        var c = circuit()
        c.loads.append(.init(name: "growth", watts: 0, powerFactor: 1.0, on: true))
        run(&r, &c, for: .minutes(5))
        r.run(for: .minutes(40)) { box, _ in
            c.loads[6].watts += 1
            c.apply(to: &box, c.measure())
        }
        run(&r, &c, for: .minutes(20))
        #expect(r.events.isEmpty, "\(r.events)")
    }

    @Test func measurementNoiseAloneRaisesNothing() throws {
        var r = try BoxRig(["appliance": ["step": 300, "hours": ["23:00", "06:00"]]], at: night)
        var c = circuit()
        r.run(for: .hours(2)) { box, _ in c.apply(to: &box, c.measure(jitter: 120)) }
        #expect(r.events.isEmpty, "\(r.events)")
    }

    @Test func theSameHeaterByDayIsOutsideTheHours() throws {
        var r = try BoxRig(Self.settings, at: beijingTime("2026-12-01T14:00"))
        var c = circuit()
        run(&r, &c, for: .minutes(5))
        c["heater"] = true
        run(&r, &c, for: .hours(1))
        #expect(r.events.isEmpty, "\(r.events)")
        // Without hours, all day.
        var allDay = try BoxRig(["appliance": ["step": 1000]], at: beijingTime("2026-12-01T14:00"))
        var d = circuit()
        run(&allDay, &d, for: .minutes(5))
        d["heater"] = true
        run(&allDay, &d, for: .minutes(6))
        #expect(allDay.raises("prohibited-appliance").count == 1)
    }

    @Test func theStepsPowerFactorIsTheIncrements() {
        // 2 kW resistive on top of 1.3 kW at PF 0.78: the total PF is 0.95, the step's is 1.
        let q = ApplianceDetector.reactive(power: 1300, pf: 0.78)
        let total = 3300 / (3300 * 3300 + q * q).squareRoot()
        #expect(abs(total - 0.953) < 0.001)
        let dQ = ApplianceDetector.reactive(power: 3300, pf: total) - q
        #expect(abs(dQ) < 1)
    }
}
