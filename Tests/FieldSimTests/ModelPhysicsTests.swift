import FieldCore
import FieldDevices
import Foundation
import Testing

@testable import FieldSim

/// The models' physics in simulated time: an hour of a leaking main, a night of a lamp, a day
/// of a classroom in milliseconds.
@Suite("Device models and physics")
struct ModelPhysicsTests {
    static let pumpRoom = """
    {"site": {"id": "pump"}, "board": "sim",
     "buses": [{"name": "bus", "type": "rtu", "port": "rs485-1"}],
     "devices": [
       {"id": "main-pt", "profile": "fg-pressure-tx", "bus": "bus", "address": 1, "settings": {"category": "municipal-hydrant"}},
       {"id": "ai-1", "profile": "fg-ai4", "bus": "bus", "address": 2,
        "points": {"ch1": {"loop": {"range": [0, 1.6], "unit": "MPa"}}, "ch2": {"loop": {"range": [0, 5], "unit": "m"}}}},
       {"id": "room", "profile": "fg-pump-room", "signals": {"valve-open": "DI5", "jockey-run": "DI6", "fire-pump-run": "DI7", "fire-pump-fault": "DI8"}}
     ]}
    """

    func network(_ world: World) throws -> HydraulicNetwork {
        try #require(world.system("fire-water") as? HydraulicNetwork)
    }

    @Test("the main's pressure falls with a leak when no pump tops it up")
    func leakDrainsTheMain() throws {
        let world = try SimTest.world(Self.pumpRoom)
        let main = try network(world)
        main.jockeyAuto = false
        main.fireAuto = false
        main.leak = 0.3
        _ = world.run(from: noonInChina, for: .seconds(60), step: .milliseconds(500))
        // dP/dt = −0.3 L/s · √(P/0.3) / 400 L/MPa ≈ −0.00071 MPa/s: about −0.042 MPa in a minute.
        #expect(main.pressure > 0.25 && main.pressure < 0.265, "pressure \(main.pressure)")
        let served = try #require(try world.device("main-pt")?.bank?.get("pressure").number)
        #expect(abs(served - main.pressure) < 0.005, "the transmitter reads the main: \(served) vs \(main.pressure)")
        let ch1 = try #require(try world.device("ai-1")?.bank?.get("ch1").number)
        #expect(abs(ch1 - (4 + main.pressure / 1.6 * 16)) < 0.05, "channel 1 drives 4–20 mA for 0–1.6 MPa: \(ch1) mA")
        let ch2 = try #require(try world.device("ai-1")?.bank?.get("ch2").number)
        #expect(abs(ch2 - (4 + main.tankLevel / 5 * 16)) < 0.05, "channel 2 measures the reservoir in m: \(ch2) mA")
        let ch3 = try #require(try world.device("ai-1")?.bank?.get("ch3").number)
        #expect(ch3 == 0, "an unwired channel reads 0 mA")
    }

    @Test("a leak makes the jockey pump short-cycle; a tight main does not")
    func jockeyShortCycles() throws {
        func startsPerHour(leak: Double) throws -> (starts: Int, low: Double, high: Double) {
            let world = try SimTest.world(Self.pumpRoom)
            let main = try network(world)
            main.leak = leak
            var low = 1.0, high = 0.0
            _ = world.run(from: noonInChina, for: .hours(1), step: .milliseconds(500)) { _ in
                low = min(low, main.pressure)
                high = max(high, main.pressure)
            }
            return (main.jockeyStarts, low, high)
        }
        let leaking = try startsPerHour(leak: 0.3)
        #expect(leaking.starts > 15, "GB 50974 sizes the pressure tank for ≤ 15 starts per hour: \(leaking.starts)")
        #expect(leaking.low > 0.24 && leaking.high < 0.31, "the jockey pump holds the main between its set-points")
        let tight = try startsPerHour(leak: 0.02)
        #expect(tight.starts >= 1 && tight.starts < 8, "\(tight.starts) starts")
    }

    @Test("a burst starts the fire pump, which cannot hold the main; a failed pump leaves it empty")
    func burst() throws {
        let world = try SimTest.world(Self.pumpRoom)
        let main = try network(world)
        main.burst = true
        _ = world.run(from: noonInChina, for: .seconds(30), step: .milliseconds(100))
        #expect(main.fireRunning)
        #expect(main.pressure > 0.03 && main.pressure < 0.1, "the fire pump against the burst: \(main.pressure) MPa")

        let failing = try SimTest.world(Self.pumpRoom)
        let dead = try network(failing)
        dead.firePumpFails = true
        dead.burst = true
        _ = failing.run(from: noonInChina, for: .seconds(30), step: .milliseconds(100))
        #expect(!dead.fireRunning)
        #expect(dead.pressure < 0.01)
    }

    static let classroom = """
    {"site": {"id": "school"}, "board": "sim",
     "buses": [{"name": "bus", "type": "rtu", "port": "rs485-1"}],
     "devices": [
       {"id": "class-1", "profile": "fg-air-terminal", "bus": "bus", "address": 1,
        "signals": {"led-green": "DO5", "led-yellow": "DO6", "led-red": "DO7", "buzzer": "DO8", "fan": "DO9"}},
       {"id": "s8", "profile": "senseair-s8", "bus": "bus", "address": 104}
     ]}
    """

    @Test("occupants raise CO2; the fresh-air fan brings it down")
    func fanLowersCO2() throws {
        let weather = Weather(latitude: nil, longitude: nil, utcOffsetMinutes: 480)
        let room = Room(id: "class-1", weather: weather)
        room.occupancy = 30
        var t = noonInChina
        func advance(_ d: Duration) {
            var left = d
            while left > .zero {
                t = t + .seconds(10)
                left -= .seconds(10)
                let time = StepTime(now: t, dt: .seconds(10), wall: t.milliseconds)
                weather.step(time)
                room.step(time)
            }
        }
        advance(.hours(1))
        let unventilated = room.co2
        #expect(unventilated > 2000, "30 pupils in a closed 180 m³ room for an hour: \(unventilated) ppm")
        room.fanOn = true
        advance(.minutes(30))
        #expect(room.co2 < 800, "8 air changes an hour: \(room.co2) ppm")
        room.fanOn = false
        room.occupancy = 0
        advance(.hours(6))
        #expect(room.co2 < 500, "an empty room airs out to outdoor CO2: \(room.co2) ppm")
    }

    @Test("a school day: CO2 builds up in lessons and falls in the lunch break and at night")
    func schoolDay() {
        let weather = Weather(latitude: nil, longitude: nil, utcOffsetMinutes: 480)
        let room = Room(id: "class-1", weather: weather)
        room.schoolDay = true
        var samples: [Int: Double] = [:]
        var t = Timestamp(iso8601: "2026-09-07T00:00:00+08:00")!  // a Monday
        for _ in 0..<(24 * 60) {
            t = t + .minutes(1)
            room.step(StepTime(now: t, dt: .minutes(1), wall: 0))
            let local = CivilTime(t, offsetMinutes: 480)
            if local.minute == 0 { samples[local.hour] = room.co2 }
        }
        #expect(samples[7]! < 500 && samples[12]! > 2000, "morning lessons: \(samples[7]!) → \(samples[12]!) ppm")
        #expect(samples[14]! < samples[12]!, "the lunch break airs the room")
        #expect(samples[17]! > samples[14]!, "afternoon lessons")
        #expect(samples[23]! < samples[17]! / 2, "the empty room at night")
        room.step(StepTime(now: Timestamp(iso8601: "2026-09-12T10:00:00+08:00")!, dt: .minutes(1), wall: 0))
        #expect(room.occupancy == 0, "no lessons on Saturday")
    }

    @Test("the sensors report their room, after their warm-up")
    func sensorsReportTheRoom() throws {
        let world = try SimTest.world(Self.classroom)
        let terminal = try #require(world.device("class-1"))
        let room = try #require(world.system("class-1") as? Room)
        room.co2 = 1234
        room.temperatureSetPoint = 26
        world.step(wall: 0, now: noonInChina)
        let status = try #require(try terminal.bank?.get("status").number)
        #expect(Int(status) & 0x0F00 == 0x0F00, "all four warm-up bits at power-on")
        #expect(try terminal.bank?.get("co2") == .number(0))
        _ = world.run(from: noonInChina, for: .minutes(4), step: .seconds(1))
        #expect(try terminal.bank?.get("status") == .number(0))
        let co2 = try #require(try terminal.bank?.get("co2").number)
        #expect(abs(co2 - room.co2) < 80, "the terminal reads the room: \(co2) vs \(room.co2)")
        let s8 = try #require(try world.device("s8")?.bank?.get("co2").number)
        #expect(abs(s8 - room.co2) < 150, "the S8 is in the same room: \(s8) vs \(room.co2)")
        #expect(try world.device("s8")?.bank?.get("abc-period") == .number(180), "ABC period as shipped")
    }

    @Test("an S8 background calibration moves its offset and sets acknowledgement bit 5")
    func senseairCalibration() throws {
        let world = try SimTest.world(Self.classroom)
        let s8 = try #require(world.device("s8"))
        let model = try #require(s8.model as? SenseAirS8Model)
        model.offset = 150
        var t = world.run(from: noonInChina, for: .seconds(10), step: .seconds(1))
        let before = try #require(try s8.bank?.get("co2").number)
        let room = try #require(world.system("class-1") as? Room)
        #expect(before > room.co2 + 80, "the drifted sensor reads high: \(before) vs \(room.co2)")
        let write = GatewayWrite(function: .writeSingleRegister, table: .holding, address: 1, count: 1, broadcast: false,
                                 values: ["special-command": .number(Double(SenseAirS8Model.backgroundCalibration))])
        world.gatewayWrote("s8", write, wall: t.milliseconds, now: t)
        t = world.run(from: t, for: .seconds(10), step: .seconds(1))
        let acknowledged = try #require(try s8.bank?.get("holding@0").number)
        #expect(Int(acknowledged) & (1 << 5) != 0)
        let after = try #require(try s8.bank?.get("co2").number)
        #expect(abs(after - Room.outdoorCO2) < 60, "calibrated to fresh air: \(after)")
    }

    @Test("new furniture's formaldehyde emission halves every half-life")
    func formaldehydeDecays() {
        let weather = Weather(latitude: nil, longitude: nil, utcOffsetMinutes: 480)
        let room = Room(id: "r", weather: weather)
        room.hchoSource = 40
        room.hchoHalfLife = 2
        var t = noonInChina
        for _ in 0..<(2 * 24 * 6) {
            t = t + .minutes(10)
            room.step(StepTime(now: t, dt: .minutes(10), wall: 0))
        }
        #expect(abs(room.hchoSource - 20) < 0.1, "\(room.hchoSource) mg/h after one half-life")
        #expect(abs(room.hcho - (Room.outdoorHCHO + 20 / 180 / 0.5)) < 0.01, "the room follows its source: \(room.hcho) mg/m³")
    }

    static let pole = """
    {"site": {"id": "pole", "latitude": 28.0, "longitude": 120.65}, "board": "sim",
     "buses": [{"name": "bus", "type": "rtu", "port": "rs485-1"}],
     "devices": [
       {"id": "lamp-1", "profile": "fg-slc", "bus": "bus", "address": 1, "settings": {"rated-power": 150}},
       {"id": "env-1", "profile": "fg-pole-env", "bus": "bus", "address": 3}
     ]}
    """

    @Test("a lamp's energy and burning hours accumulate with its level; off, they stand still")
    func lampEnergyAccumulates() throws {
        let world = try SimTest.world(Self.pole)
        let bank = try #require(world.device("lamp-1")?.bank)
        try bank.set(["switch": .bool(true), "dim": .number(100), "fallback-timeout": .number(0)])
        var t = world.run(from: noonInChina, for: .hours(1), step: .seconds(1))
        #expect(abs((try bank.get("energy").number ?? 0) - 150) <= 1, "150 W for an hour")
        #expect(try bank.get("burning-hours") == .number(1))
        let full = try #require(try bank.get("power").number)
        try bank.set("dim", to: .number(50))
        t = world.run(from: t, for: .hours(2), step: .seconds(1))
        let half = try #require(try bank.get("power").number)
        #expect(abs(half - full / 2) < 2, "power follows the dim level: \(half) W at 50 %, \(full) W at 100 %")
        #expect(abs((try bank.get("energy").number ?? 0) - 300) <= 2)
        #expect(try bank.get("burning-hours") == .number(3))
        try bank.set("switch", to: .bool(false))
        _ = world.run(from: t, for: .hours(1), step: .seconds(1))
        #expect(abs((try bank.get("energy").number ?? 0) - 300) <= 2)
        #expect(try bank.get("current") == .number(0))
    }

    @Test("a controller left without writes for fallback-timeout runs at default-dim, until written again")
    func lampFallback() throws {
        let world = try SimTest.world(Self.pole)
        let lamp = try #require(world.device("lamp-1"))
        let bank = try #require(lamp.bank)
        try bank.set(["switch": .bool(false), "dim": .number(30), "default-dim": .number(80), "fallback-timeout": .number(10)])
        var t = world.run(from: noonInChina, for: .seconds(9), step: .seconds(1))
        #expect(try bank.get("switch") == .bool(false))
        t = world.run(from: t, for: .seconds(3), step: .seconds(1))
        #expect(try bank.get("switch") == .bool(true), "lit at the fallback level")
        #expect(try bank.get("dim") == .number(80))
        try bank.set(["switch": .bool(false)])
        world.gatewayWrote("lamp-1", GatewayWrite(function: .writeSingleCoil, table: .coil, address: 0, count: 1, broadcast: false,
                                                  values: ["switch": .bool(false)]), wall: t.milliseconds, now: t)
        t = world.run(from: t, for: .seconds(5), step: .seconds(1))
        #expect(try bank.get("switch") == .bool(false), "a write ends the fallback")
        #expect(try bank.get("power") == .number(0))
    }

    @Test("a failed lamp draws the driver's standby current; the controller flags it")
    func lampFailure() throws {
        let world = try SimTest.world(Self.pole)
        let lamp = try #require(world.device("lamp-1"))
        let model = try #require(lamp.model as? LampControllerModel)
        let bank = try #require(lamp.bank)
        try bank.set(["switch": .bool(true), "dim": .number(100), "fallback-timeout": .number(0)])
        model.lampFailed = true
        _ = world.run(from: noonInChina, for: .seconds(5), step: .seconds(1))
        #expect((try bank.get("current").number ?? 1) < 0.05, "below the gateway's lamp-failure threshold")
        #expect(Int(try bank.get("fault-flags").number ?? 0) & 1 == 1)
    }

    @Test("daylight follows the sun over the site: bright at noon, dark at night, dusk after sunset")
    func sunAndDusk() throws {
        let world = try SimTest.world(Self.pole)
        let env = try #require(world.device("env-1")?.bank)
        world.step(wall: 0, now: noonInChina)
        world.step(wall: 1000, now: noonInChina + .seconds(1))
        #expect((try env.get("illuminance").number ?? 0) > 50_000)
        // Lamps go on below 15 lx: in civil twilight, with the sun 3–6° below the horizon.
        var dusk: Timestamp?
        _ = world.run(from: Timestamp(iso8601: "2026-03-20T17:30:00+08:00")!, for: .hours(2), step: .minutes(1)) { t in
            if dusk == nil, (try? env.get("illuminance").number) ?? 1000 < 15 { dusk = t }
        }
        let at = try #require(dusk)
        let sun = SolarPosition.elevation(at: at, latitude: 28.0, longitude: 120.65)
        #expect(sun < -3 && sun > -6, "dark at \(at.iso8601(offsetMinutes: 480)) with the sun at \(sun)°")
        #expect(CivilTime(at, offsetMinutes: 480).hour == 18)
        #expect((try env.get("illuminance").number ?? 1) < 1, "night")
    }

    static let lift = """
    {"site": {"id": "lift"}, "board": "sim",
     "devices": [
       {"id": "lift-1", "profile": "fg-lift",
        "signals": {"door-zone": "DI9", "doors-closed": "DI10", "up": "DI11", "down": "DI12", "alarm-button": "DI13",
                    "occupancy": "DI14", "inspection": "DI15", "safety-circuit": "DI16", "mains": "DI17"},
        "settings": {"floors": 8, "travel-time-per-floor": "2s"}}
     ]}
    """

    @Test("a car travelling five floors gives five door-zone pulses, then opens at its floor")
    func liftDoorZonePulses() throws {
        let site = try SimTest.site(Self.lift)
        let lift = LiftModel(device: try #require(site.device("lift-1")))
        var t = noonInChina
        var io = DeviceIO()
        func step(_ n: Int) {
            for _ in 0..<n {
                t = t + .milliseconds(10)
                io = DeviceIO()
                lift.step(StepTime(now: t, dt: .milliseconds(10), wall: t.milliseconds), io: &io)
            }
        }
        step(1)
        #expect(io.contacts["door-zone"] == true && io.contacts["doors-closed"] == true)
        _ = try lift.perform("ride", ["1", "6"], at: StepTime(now: t, dt: .zero, wall: 0))
        var entries = 0, inZone = true, sawUp = false, leftClosed = false
        for _ in 0..<3000 {
            step(1)
            let zone = io.contacts["door-zone"] ?? false
            if io.contacts["up"] == true {
                sawUp = true
                if io.contacts["doors-closed"] == false { leftClosed = true }
                if zone && !inZone { entries += 1 }
            }
            inZone = zone
            if case .open = lift.phase, lift.riders.isEmpty, sawUp { break }
        }
        #expect(entries == 5, "floors 2, 3, 4, 5 and 6")
        #expect(sawUp && !leftClosed, "the car ran up with its doors closed")
        #expect(io.contacts["door-zone"] == true && io.contacts["doors-closed"] == false)
        #expect(lift.state()["position"] == "at floor 6")
    }

    @Test("a stuck car stops between floors with its passenger, and goes on when freed")
    func liftStuck() throws {
        let site = try SimTest.site(Self.lift)
        let lift = LiftModel(device: try #require(site.device("lift-1")))
        var t = noonInChina
        var io = DeviceIO()
        func step(_ seconds: Double) {
            for _ in 0..<Int(seconds * 100) {
                t = t + .milliseconds(10)
                io = DeviceIO()
                lift.step(StepTime(now: t, dt: .milliseconds(10), wall: t.milliseconds), io: &io)
            }
        }
        _ = try lift.perform("ride", ["1", "8"], at: StepTime(now: t, dt: .zero, wall: 0))
        step(11)  // doors 2 s + dwell 3 s + doors 2 s + 1 s, then 1.5 floors at 2 s a floor
        lift.stuck = true
        step(5)
        #expect(io.contacts["door-zone"] == false && io.contacts["doors-closed"] == true && io.contacts["occupancy"] == true)
        #expect(io.contacts["up"] == false)
        #expect(lift.state()["position"] == "between floors 2 and 3")
        lift.stuck = false
        step(3)
        #expect(lift.state()["position"] != "between floors 2 and 3")
    }
}

/// Faults of the lift and the outputs the gateway drives, through the world and its GPIO chip.
@Suite("Lift faults and gateway outputs")
struct LiftAndOutputTests {
    func lift() throws -> LiftModel {
        LiftModel(device: try #require(try SimTest.site(ModelPhysicsTests.lift).device("lift-1")))
    }

    func run(_ lift: LiftModel, seconds: Double, from t: inout Timestamp) -> DeviceIO {
        var io = DeviceIO()
        for _ in 0..<Int(seconds * 100) {
            t = t + .milliseconds(10)
            io = DeviceIO()
            lift.step(StepTime(now: t, dt: .milliseconds(10), wall: t.milliseconds), io: &io)
        }
        return io
    }

    @Test("an overrun leaves the car beyond the top landing, out of the door zone; cleared, it comes back")
    func overrun() throws {
        let lift = try lift()
        var t = noonInChina
        lift.overrun = true
        _ = try lift.perform("call", ["8"], at: StepTime(now: t, dt: .zero, wall: 0))
        var io = run(lift, seconds: 20, from: &t)
        #expect(lift.state()["position"] == "above the top landing")
        #expect(io.contacts["door-zone"] == false && io.contacts["up"] == false)
        lift.overrun = false
        io = run(lift, seconds: 6, from: &t)
        #expect(lift.state()["position"] == "at floor 8")
        #expect(io.contacts["door-zone"] == true)
    }

    @Test("losing mains stops the car, opens the safety chain's contact and silences the controller")
    func powerLoss() throws {
        let lift = try lift()
        var t = noonInChina
        _ = try lift.perform("ride", ["1", "8"], at: StepTime(now: t, dt: .zero, wall: 0))
        _ = run(lift, seconds: 10, from: &t)
        lift.mains = false
        let io = run(lift, seconds: 2, from: &t)
        #expect(io.contacts["mains"] == false && io.contacts["safety-circuit"] == false)
        #expect(io.contacts["up"] == false && io.contacts["occupancy"] == true)
        #expect(!io.powered)
    }

    @Test("the fan output the gateway drives runs the room's fan; the lamp relay lights its lamp")
    func outputsDriveTheModels() throws {
        let site = try SimTest.site("""
        {"site": {"id": "out"}, "board": "sim",
         "buses": [{"name": "bus", "type": "rtu", "port": "rs485-1"}],
         "devices": [
           {"id": "class-1", "profile": "fg-air-terminal", "bus": "bus", "address": 1,
            "signals": {"led-green": "DO5", "led-yellow": "DO6", "led-red": "DO7", "buzzer": "DO8", "fan": "DO9"}},
           {"id": "lamp-3", "profile": "fg-lamp-relay", "signals": {"relay": "DO1"}}
         ]}
        """)
        let board = try SimTest.board()
        let gpio = try GPIOWorld(board: board, socketPath: "/tmp/unused.sock")
        let world = World(site: site, board: board, gpio: gpio)
        let outputs = try gpio.chip.request([.output("DO9", chip: "fieldsim", offset: 40), .output("DO1", chip: "fieldsim", offset: 32),
                                             .output("DO7", chip: "fieldsim", offset: 38)])
        defer { outputs.close() }
        let room = try #require(world.system("class-1") as? Room)
        var t = world.run(from: noonInChina, for: .seconds(1), step: .milliseconds(100))
        #expect(!room.fanOn)
        try outputs.set("DO9", to: true)
        try outputs.set("DO1", to: true)
        try outputs.set("DO7", to: true)
        t = world.run(from: t, for: .seconds(1), step: .milliseconds(100))
        #expect(room.fanOn)
        #expect((world.device("lamp-3")?.model as? LampRelayModel)?.lit == true)
        #expect(try world.execute(.show(target: "class-1"), now: t)["state"]?["led"] == "red")
    }
}
