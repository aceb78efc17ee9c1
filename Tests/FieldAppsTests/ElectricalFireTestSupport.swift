import Testing
import FieldCore
@testable import FieldApps

/// A distribution box as an `fg-efd` detector reports it, one poll at a time: the values a test
/// sets, with the detector's alarm and fault bits and each temperature channel's quality.
struct DistributionBox {
    var residual = 40.0
    var temperatures = [32.0, 31.0, 33.0, 30.0]
    var temperatureQuality: [Quality] = [.good, .good, .good, .good]
    var voltages = [221.0, 220.0, 222.0]
    var currents = [4.0, 3.5, 3.8]
    var power = 2400.0
    var powerFactor = 0.92
    var alarmFlags = 0
    var faultFlags = 0

    static let device = "box-1"

    static let points: [String: AppPointInfo] = {
        var p: [String: AppPointInfo] = ["residual-current": AppPointInfo(unit: "mA"), "power": AppPointInfo(unit: "W"),
                                         "power-factor": AppPointInfo(), "alarm-flags": AppPointInfo(), "fault-flags": AppPointInfo()]
        for n in 1...4 { p["t\(n)"] = AppPointInfo(unit: "°C") }
        for x in ["a", "b", "c"] {
            p["voltage-" + x] = AppPointInfo(unit: "V")
            p["current-" + x] = AppPointInfo(unit: "A")
        }
        return p
    }()

    static func ref(_ point: String) -> PointRef { PointRef(device: device, point: point) }

    /// One poll's readings, as the runtime hands them to the app.
    func report(_ rig: inout LampFireRig<ElectricalFireApp>) {
        rig.reading(Self.ref("residual-current"), .number(residual))
        for n in 0..<4 {
            let q = temperatureQuality[n]
            rig.reading(Self.ref("t\(n + 1)"), q == .sensorFault ? nil : .number(temperatures[n]), quality: q)
        }
        for (i, x) in ["a", "b", "c"].enumerated() {
            rig.reading(Self.ref("voltage-" + x), .number(voltages[i]))
            rig.reading(Self.ref("current-" + x), .number(currents[i]))
        }
        rig.reading(Self.ref("power"), .number(power))
        rig.reading(Self.ref("power-factor"), .number(powerFactor))
        rig.reading(Self.ref("alarm-flags"), .number(Double(alarmFlags)))
        rig.reading(Self.ref("fault-flags"), .number(Double(faultFlags)))
    }
}

/// A detector's app fed by a box, a poll a second.
struct BoxRig {
    var rig: LampFireRig<ElectricalFireApp>
    var box = DistributionBox()

    init(_ settings: JSONValue? = nil, at start: Timestamp) throws {
        let made = makeApp(ElectricalFireAppFactory(), appContext(DistributionBox.device, profile: "fg-efd", points: DistributionBox.points),
                           settings: settings)
        #expect(made.issues.isEmpty, "\(made.issues)")
        rig = LampFireRig(try #require(made.app as? ElectricalFireApp), at: start)
    }

    mutating func run(for duration: Duration, step: Duration = .seconds(1), each: (inout DistributionBox, Timestamp) -> Void = { _, _ in }) {
        let end = rig.now + duration
        while rig.now < end {
            rig.now += step
            each(&box, rig.now)
            box.report(&rig)
            rig.tick()
        }
    }

    var events: [AlarmEvent] { rig.events }
    func isActive(_ type: String) -> Bool { rig.isActive(type) }
    func raises(_ type: String) -> [AlarmEvent] { rig.raises(type) }
    func active(_ id: String) -> Bool { rig.alarms.active.contains { $0.id.rawValue == id } }
}
