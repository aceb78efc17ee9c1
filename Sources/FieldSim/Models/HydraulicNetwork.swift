import FieldCore

/// The site's fire-water system (system `fire-water`): one main fed from a reservoir by a jockey
/// pump and a fire pump through the signal valve, losing water to leaks, hydrants and bursts.
///
/// The main's pressure `P` (MPa) moves by the volume balance over its compliance (a pressure tank
/// and the pipes' elasticity): dP/dt = (Q_jockey + Q_fire − Q_out) / compliance. Outflows are
/// orifice flows growing with √P; each pump delivers along a linear curve falling to zero at its
/// shut-off head. The jockey pump starts below its start set-point and stops above its stop
/// set-point (so a leak makes it short-cycle); the fire pump starts on demand after a star-delta
/// delay and, as GB 50974 requires, keeps running until stopped by hand — unless it fails.
final class HydraulicNetwork: SimSystem {
    let id = "fire-water"

    var pressure = 0.30
    var compliance = 400.0
    var leak = 0.005
    var demand = 0.0
    var hydrantOpen = false
    var hydrantCoefficient = 47.0
    var burst = false
    var burstCoefficient = 150.0
    var valveOpen = true
    var jockeyAuto = true
    var jockeyStart = 0.25
    var jockeyStop = 0.30
    var jockeyFlow = 2.0
    var jockeyShutoff = 0.45
    var fireAuto = true
    var fireStart = 0.18
    var fireFlow = 40.0
    var fireShutoff = 0.70
    var fireStartDelay = 5.0
    var firePumpFails = false
    var firePumpFault = false
    var tankLevel = 3.0
    var tankArea = 40.0
    var tankRefill = 3.0
    var tankFull = 3.5

    private(set) var jockeyRunning = false
    private(set) var fireRunning = false
    private(set) var jockeyStarts = 0
    /// Simulated seconds the fire pump has been asked to start and is not yet running.
    private var fireStarting: Double?
    private(set) var outflow = 0.0

    /// The longest integration step (s): a burst empties the pressure tank in about a second.
    static let maxStep = 0.05

    var knobs: [Knob] {
        [
            .number("pressure", of: self, \.pressure, unit: "MPa", range: 0...2.5, "the main's pressure now (physics carries on from it)"),
            .number("compliance", of: self, \.compliance, unit: "L/MPa", range: 1...100_000, "litres the main takes per MPa (pressure tank + pipes)"),
            .number("leak", of: self, \.leak, unit: "L/s", range: 0...100, "leak flow at 0.30 MPa (grows with √P)"),
            .number("demand", of: self, \.demand, unit: "L/s", range: 0...500, "other draw-off at 0.30 MPa (tests, flushing)"),
            .flag("hydrant", of: self, \.hydrantOpen, "a hydrant is open (≈ 26 L/s at 0.30 MPa)"),
            .number("hydrant-k", of: self, \.hydrantCoefficient, unit: "L/s/√MPa", range: 0...1000, "hydrant outflow coefficient"),
            .flag("burst", of: self, \.burst, "the main has burst (≈ 82 L/s at 0.30 MPa)"),
            .number("burst-k", of: self, \.burstCoefficient, unit: "L/s/√MPa", range: 0...10_000, "burst outflow coefficient"),
            .flag("valve-open", of: self, \.valveOpen, "the signal valve on the pumps' discharge: false isolates the pumps from the main"),
            .flag("jockey-auto", of: self, \.jockeyAuto, "the jockey pump runs on its pressure switch (false: off)"),
            .number("jockey-start", of: self, \.jockeyStart, unit: "MPa", range: 0...2, "jockey pump start set-point"),
            .number("jockey-stop", of: self, \.jockeyStop, unit: "MPa", range: 0...2, "jockey pump stop set-point"),
            .number("jockey-flow", of: self, \.jockeyFlow, unit: "L/s", range: 0...50, "jockey pump flow at zero head"),
            .number("jockey-shutoff", of: self, \.jockeyShutoff, unit: "MPa", range: 0.01...3, "jockey pump shut-off head"),
            .flag("fire-auto", of: self, \.fireAuto, "the fire pump starts on its pressure switch"),
            .number("fire-start", of: self, \.fireStart, unit: "MPa", range: 0...2, "fire pump start set-point"),
            .number("fire-flow", of: self, \.fireFlow, unit: "L/s", range: 0...500, "fire pump flow at zero head"),
            .number("fire-shutoff", of: self, \.fireShutoff, unit: "MPa", range: 0.01...3, "fire pump shut-off head"),
            .number("fire-start-delay", of: self, \.fireStartDelay, unit: "s", range: 0...600, "star-delta start time"),
            .flag("fire-pump-fails", of: self, \.firePumpFails, "the fire pump does not start and says nothing (a broken control circuit)"),
            .flag("fire-pump-fault", of: self, \.firePumpFault, "the fire pump's controller signals a fault and the pump cannot run"),
            .number("tank-level", of: self, \.tankLevel, unit: "m", range: 0...20, "the reservoir's water level"),
            .number("tank-area", of: self, \.tankArea, unit: "m²", range: 1...10_000, "the reservoir's floor area"),
            .number("tank-refill", of: self, \.tankRefill, unit: "L/s", range: 0...500, "float-valve refill while below full"),
            .number("tank-full", of: self, \.tankFull, unit: "m", range: 0...20, "level at which the float valve closes"),
        ]
    }

    var actions: [ActionInfo] {
        [
            ActionInfo(name: "hydrant", synopsis: "open|close", summary: "open or close a hydrant on the main"),
            ActionInfo(name: "burst", synopsis: "[repair]", summary: "burst the main (or repair it)"),
            ActionInfo(name: "fire-pump", synopsis: "start|stop", summary: "start or stop the fire pump by hand"),
        ]
    }

    func perform(_ action: String, _ arguments: [String], at time: StepTime) throws(ControlError) -> JSONValue {
        switch action {
        case "hydrant":
            hydrantOpen = try ActionArguments.choice(arguments, 0, ["open", "close"], action: "hydrant") == "open"
            return ["hydrant": .string(hydrantOpen ? "open" : "closed")]
        case "burst":
            burst = arguments.first != "repair"
            return ["burst": .bool(burst)]
        case "fire-pump":
            if try ActionArguments.choice(arguments, 0, ["start", "stop"], action: "fire-pump") == "start" {
                if !fireRunning, fireStarting == nil { fireStarting = 0 }
            } else {
                fireRunning = false
                fireStarting = nil
            }
            return ["fire-pump": .string(fireRunning ? "running" : fireStarting != nil ? "starting" : "stopped")]
        default:
            throw ControlError("fire-water has no action \"\(action)\" (actions: hydrant, burst, fire-pump)")
        }
    }

    func step(_ time: StepTime) {
        var remaining = time.seconds
        while remaining > 0 {
            let h = min(remaining, Self.maxStep)
            integrate(h)
            remaining -= h
        }
    }

    private func integrate(_ h: Double) {
        controlPumps(h)
        let root = pressure.squareRoot()
        let reference = 0.3.squareRoot()
        outflow = (leak + demand) * root / reference
            + (hydrantOpen ? hydrantCoefficient * root : 0)
            + (burst ? burstCoefficient * root : 0)
        let water = tankLevel > 0.05
        let feed = valveOpen && water
        let qJockey = jockeyRunning && feed ? jockeyFlow * max(0, 1 - pressure / jockeyShutoff) : 0
        let qFire = fireRunning && feed ? fireFlow * max(0, 1 - pressure / fireShutoff) : 0
        pressure = max(0, pressure + (qJockey + qFire - outflow) / compliance * h)
        let drawn = (jockeyRunning && water ? qJockey : 0) + (fireRunning && water ? qFire : 0)
        let refill = tankLevel < tankFull ? tankRefill : 0
        tankLevel = max(0, tankLevel + (refill - drawn) / 1000 / tankArea * h)
    }

    private func controlPumps(_ h: Double) {
        if jockeyAuto {
            if !jockeyRunning, pressure < jockeyStart {
                jockeyRunning = true
                jockeyStarts += 1
            } else if jockeyRunning, pressure >= jockeyStop {
                jockeyRunning = false
            }
        } else {
            jockeyRunning = false
        }
        if firePumpFault {
            fireRunning = false
            fireStarting = nil
            return
        }
        if fireAuto, !fireRunning, fireStarting == nil, pressure < fireStart { fireStarting = 0 }
        if let starting = fireStarting {
            if firePumpFails { return }
            if starting + h >= fireStartDelay {
                fireStarting = nil
                fireRunning = true
            } else {
                fireStarting = starting + h
            }
        }
    }

    func state() -> [String: JSONValue] {
        [
            "jockey-running": .bool(jockeyRunning),
            "jockey-starts": .number(Double(jockeyStarts)),
            "fire-pump": .string(fireRunning ? "running" : fireStarting != nil ? (firePumpFails ? "failed to start" : "starting") : "stopped"),
            "outflow": .number((outflow * 100).rounded() / 100),
        ]
    }
}
