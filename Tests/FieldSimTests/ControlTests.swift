import FieldCore
import FieldDevices
import FieldHAL
import Foundation
import Testing

@testable import FieldSim

/// The control layer: `fieldsim ctl` words, the JSON requests, what each does to the world
/// (knobs, forced values, ramps, value faults, wire faults, actions) and the control socket.
@Suite("Control protocol")
struct ControlTests {
    @Test("fieldsim ctl prints replies as text: keys, lists on a line, name=value pairs, 80 columns")
    func replyAsText() throws {
        let reply = try JSONValue.parse(#"""
            {"device": "main-pt", "unit": 1, "actions": ["burst [repair]", "hydrant open|close"],
             "values": {"pressure": 0.30056247115135193, "sensor-fault": false},
             "gpio": {"DI1": false, "DI2": true, "DI10": true, "DI11": false, "DI12": false, "DI13": false, "DI14": false,
                      "DI15": false, "DI16": false, "DI17": false, "DI18": false, "DI19": false, "DI20": false},
             "buses": [{"bus": "pump-bus", "units": [1, 2], "fault": null}]}
            """#)
        let text = ControlText.render(reply)
        #expect(text.contains("device: main-pt\n"), "\(text)")
        #expect(text.contains("actions: burst [repair], hydrant open|close"), "\(text)")
        #expect(text.contains("values: pressure=0.3006  sensor-fault=false"), "\(text)")
        #expect(text.contains("gpio: DI1=false  DI2=true  DI10=true"), "numbers in names sort as numbers: \(text)")
        #expect(text.contains("  - bus=pump-bus") == false && text.contains("  - bus: pump-bus"), "\(text)")
        #expect(text.contains("    units: 1, 2"), "\(text)")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text)")
    }

    @Test("fieldsim ctl words become requests; bad words say what was expected")
    func commandLine() throws {
        #expect(try ControlCommandLine.parse(["set", "main-pt.pressure", "0.08"]) == .set(target: "main-pt.pressure", value: .number(0.08)))
        #expect(try ControlCommandLine.parse(["set", "cabinet-1.door", "open"]) == .set(target: "cabinet-1.door", value: .bool(true)))
        #expect(try ControlCommandLine.parse(["ramp", "main-pt.pressure", "0.3", "0.05", "60s"])
                == .ramp(target: "main-pt.pressure", from: 0.3, to: 0.05, over: .seconds(60)))
        #expect(try ControlCommandLine.parse(["ramp", "fire-water.leak", "0.4", "20m"])
                == .ramp(target: "fire-water.leak", from: nil, to: 0.4, over: .minutes(20)))
        #expect(try ControlCommandLine.parse(["fault", "rs485-1", "silent"]) == .fault(target: "rs485-1", .wire(.noResponse)))
        #expect(try ControlCommandLine.parse(["fault", "ai-1", "exception", "0x0B"]) == .fault(target: "ai-1", .wire(.exception(.gatewayTargetFailedToRespond))))
        #expect(try ControlCommandLine.parse(["fault", "ai-1", "intermittent", "30", "bad-crc"])
                == .fault(target: "ai-1", .wire(.intermittent(percent: 30, seed: 1, fault: .corruptReply))))
        #expect(try ControlCommandLine.parse(["fault", "main-pt.pressure", "drift", "0.01"]) == .fault(target: "main-pt.pressure", .drift(perHour: 0.01)))
        #expect(try ControlCommandLine.parse(["call", "lift-1", "5"]) == .action(target: "lift-1", action: "call", arguments: ["5"]))
        #expect(try ControlCommandLine.parse(["hydrant", "open"]) == .action(target: "fire-water", action: "hydrant", arguments: ["open"]))
        #expect(try ControlCommandLine.parse(["accelerate", "60"]) == .accelerate(60))
        #expect(throws: ControlError.self) { try ControlCommandLine.parse(["fault", "x", "melt"]) }
        #expect(throws: ControlError.self) { try ControlCommandLine.parse(["ramp", "x.y", "1", "soon"]) }
        do {
            _ = try ControlCommandLine.parse(["fault", "x", "melt"])
        } catch {
            #expect(error.message.contains("no-response") && error.message.contains("loop-open"))
        }
    }

    @Test("every request survives its JSON form; bad requests name the JSON path")
    func jsonRoundTrip() throws {
        let requests: [ControlRequest] = [
            .set(target: "a.b", value: .bool(true)), .ramp(target: "a.b", from: 1, to: 2, over: .seconds(30)),
            .ramp(target: "a.b", from: nil, to: 2, over: .hours(2)), .release(target: "a.b"),
            .fault(target: "a", .wire(.slowResponse(.milliseconds(900)))), .fault(target: "a", .wire(.corruptReply)),
            .fault(target: "a", .wire(.exception(.serverDeviceBusy))), .fault(target: "a.b", .loopShort),
            .fault(target: "a.b", .bounce(toggles: 4, interval: .milliseconds(2))), .fault(target: "a.b", .outOfRange),
            .clear(target: "a"), .action(target: "lift-1", action: "ride", arguments: ["1", "5"]),
            .bounce(target: "a.b", toggles: 3, interval: .milliseconds(5)), .show(target: nil), .show(target: "a"),
            .status, .accelerate(600),
        ]
        for r in requests {
            #expect(try ControlRequest.parse(r.json) == r, "\(r.json.serialized())")
        }
        do {
            _ = try ControlRequest.parse(["op": "fault", "target": "a", "fault": "exception"])
            Issue.record("a fault exception without a code was accepted")
        } catch {
            #expect(error.issues.map(\.description) == ["code: missing (required)"])
        }
        do {
            _ = try ControlRequest.parse(["op": "ramp", "target": "a.b", "to": 1, "over": "1s", "form": 0])
            Issue.record("an unknown key was accepted")
        } catch {
            #expect(error.issues.first?.description.hasPrefix("form: unknown key (did you mean \"from\"?)") == true)
        }
    }

    static let site = """
    {"site": {"id": "ctl"}, "board": "sim",
     "buses": [{"name": "bus", "type": "rtu", "port": "rs485-1"}],
     "devices": [
       {"id": "main-pt", "profile": "fg-pressure-tx", "bus": "bus", "address": 1},
       {"id": "ai-1", "profile": "fg-ai4", "bus": "bus", "address": 2,
        "points": {"ch1": {"loop": {"range": [0, 1.6], "unit": "MPa"}}}},
       {"id": "lamp-1", "profile": "fg-slc", "bus": "bus", "address": 3},
       {"id": "cabinet-1", "profile": "fg-pole-cabinet", "signals": {"door": "DI1", "water": "DI2", "cable-loop": "DI3", "manhole": "DI4"}},
       {"id": "pump-room", "profile": "fg-pump-room", "signals": {"valve-open": "DI5", "jockey-run": "DI6", "fire-pump-run": "DI7", "fire-pump-fault": "DI8"}}
     ]}
    """

    func value(_ world: World, _ device: String, _ point: String) throws -> Double {
        try #require(try world.device(device)?.bank?.get(point).number)
    }

    @Test("set: knobs change physics, read-only points are forced until released, writable ones are written")
    func setAndRelease() throws {
        let world = try SimTest.world(Self.site)
        var t = world.run(from: noonInChina, for: .seconds(1), step: .milliseconds(100))
        #expect(try world.execute(.set(target: "main-pt.pressure", value: 0.08), now: t)["forced"] == .number(0.08))
        t = world.run(from: t, for: .seconds(1), step: .milliseconds(100))
        #expect(abs(try value(world, "main-pt", "pressure") - 0.08) < 1e-6)
        _ = try world.execute(.release(target: "main-pt.pressure"), now: t)
        t = world.run(from: t, for: .seconds(1), step: .milliseconds(100))
        #expect(abs(try value(world, "main-pt", "pressure") - 0.30) < 0.01, "back to the main's pressure")

        _ = try world.execute(.set(target: "fire-water.pressure", value: 0.2), now: t)
        #expect(abs(try #require(world.system("fire-water") as? HydraulicNetwork).pressure - 0.2) < 1e-9, "a knob of the system")
        _ = try world.execute(.set(target: "main-pt.leak", value: 0.1), now: t)
        #expect(try #require(world.system("fire-water") as? HydraulicNetwork).leak == 0.1, "system knobs through a member device")

        _ = try world.execute(.set(target: "lamp-1.dim", value: 40), now: t)
        #expect(try value(world, "lamp-1", "dim") == 40, "a writable register is written as a local operator would")
        #expect(throws: ControlError.self) { try world.execute(.set(target: "lamp-1.dim", value: 140), now: t) }
        #expect(throws: ControlError.self) { try world.execute(.set(target: "main-pt.pressure", value: "high"), now: t) }

        // A loop point is forced in engineering units: 0.8 MPa on 0–1.6 MPa is 12 mA.
        _ = try world.execute(.set(target: "ai-1.ch1", value: 0.8), now: t)
        t = world.run(from: t, for: .seconds(1), step: .milliseconds(100))
        #expect(abs(try value(world, "ai-1", "ch1") - 12) < 0.002)
    }

    @Test("unknown targets get a suggestion")
    func suggestions() throws {
        let world = try SimTest.world(Self.site)
        for (target, hint) in [("main-pt.presure", "did you mean \"pressure\""), ("mian-pt.pressure", "did you mean \"main-pt\""),
                               ("main-pt", "expected DEVICE.NAME")] {
            do {
                _ = try world.execute(.set(target: target, value: 1), now: noonInChina)
                Issue.record("\(target) was accepted")
            } catch {
                #expect(error.message.contains(hint), "\(error.message)")
            }
        }
    }

    @Test("ramp moves a point's reported value (and a knob) over simulated time, then holds it")
    func ramp() throws {
        let world = try SimTest.world(Self.site)
        var t = world.run(from: noonInChina, for: .seconds(1), step: .seconds(1))
        _ = try world.execute(.ramp(target: "main-pt.pressure", from: 0.3, to: 0.05, over: .seconds(60)), now: t)
        _ = try world.execute(.ramp(target: "fire-water.leak", from: 0, to: 1, over: .seconds(60)), now: t)
        t = world.run(from: t, for: .seconds(30), step: .seconds(1))
        #expect(abs(try value(world, "main-pt", "pressure") - 0.175) < 0.001)
        #expect(abs(try #require(world.system("fire-water") as? HydraulicNetwork).leak - 0.5) < 0.02)
        t = world.run(from: t, for: .seconds(60), step: .seconds(1))
        #expect(abs(try value(world, "main-pt", "pressure") - 0.05) < 0.001)
        #expect(try #require(world.system("fire-water") as? HydraulicNetwork).leak == 1)
        #expect(world.knobRamps.isEmpty, "a finished knob ramp is gone")
    }

    @Test("value faults: loop open and short, out of range, stuck, drift; clear restores")
    func valueFaults() throws {
        let world = try SimTest.world(Self.site)
        var t = world.run(from: noonInChina, for: .seconds(1), step: .seconds(1))
        func after(_ request: ControlRequest) throws -> Double {
            _ = try world.execute(request, now: t)
            t = world.run(from: t, for: .seconds(2), step: .seconds(1))
            return try value(world, "ai-1", "ch1")
        }
        #expect(try after(.fault(target: "ai-1.ch1", .loopOpen)) == 0)
        #expect(try after(.fault(target: "ai-1.ch1", .loopShort)) == 22.5)
        #expect(try after(.fault(target: "ai-1.ch1", .outOfRange)) == 20.8)
        #expect(abs(try after(.clear(target: "ai-1.ch1")) - 7) < 0.05, "0.3 MPa is 7 mA")
        _ = try world.execute(.fault(target: "main-pt.pressure", .stuck), now: t)
        let stuck = try value(world, "main-pt", "pressure")
        (world.system("fire-water") as? HydraulicNetwork)?.pressure = 0.1
        t = world.run(from: t, for: .seconds(2), step: .seconds(1))
        #expect(try value(world, "main-pt", "pressure") == stuck)
        _ = try world.execute(.clear(target: "main-pt"), now: t)
        _ = try world.execute(.fault(target: "main-pt.pressure", .drift(perHour: 0.1)), now: t)
        t = world.run(from: t, for: .minutes(30), step: .seconds(10))
        let drifted = try value(world, "main-pt", "pressure")
        let real = try #require(world.system("fire-water") as? HydraulicNetwork).pressure
        #expect(abs(drifted - real - 0.05) < 0.005, "0.1 MPa/h for half an hour: \(drifted) vs \(real)")
        #expect(throws: ControlError.self) { try world.execute(.fault(target: "main-pt.pressure", .loopOpen), now: t) }
        #expect(throws: ControlError.self) { try world.execute(.fault(target: "cabinet-1", .wire(.noResponse)), now: t) }
    }

    @Test("wire faults switch the device's or the bus's fault switch; clear heals them")
    func wireFaults() throws {
        let world = try SimTest.world(Self.site)
        let bus = RTUBusServer(name: "bus", link: RTULink(port: "rs485-1"))
        world.buses["bus"] = bus
        let device = try #require(world.device("main-pt"))
        _ = try world.execute(.fault(target: "main-pt", .wire(.exception(.serverDeviceBusy))), now: noonInChina)
        #expect(device.wireFaults.fault == .exception(.serverDeviceBusy))
        _ = try world.execute(.fault(target: "bus", .wire(.noResponse)), now: noonInChina)
        #expect(bus.faults.fault == .noResponse)
        _ = try world.execute(.clear(target: "main-pt"), now: noonInChina)
        _ = try world.execute(.clear(target: "bus"), now: noonInChina)
        #expect(device.wireFaults.fault == nil && bus.faults.fault == nil)
    }

    @Test("actions and show")
    func actionsAndShow() throws {
        let world = try SimTest.world(Self.site)
        _ = try world.execute(.action(target: "fire-water", action: "hydrant", arguments: ["open"]), now: noonInChina)
        #expect(try #require(world.system("fire-water") as? HydraulicNetwork).hydrantOpen)
        _ = try world.execute(.action(target: "main-pt", action: "burst", arguments: []), now: noonInChina)
        #expect(try #require(world.system("fire-water") as? HydraulicNetwork).burst, "a system's action through a member device")
        _ = try world.execute(.action(target: "cabinet-1", action: "door", arguments: ["open"]), now: noonInChina)
        #expect((world.device("cabinet-1")?.model as? PoleCabinetModel)?.doorOpen == true)
        #expect(throws: ControlError.self) { try world.execute(.action(target: "cabinet-1", action: "door", arguments: ["ajar"]), now: noonInChina) }
        #expect(throws: ControlError.self) { try world.execute(.action(target: "lamp-1", action: "call", arguments: ["3"]), now: noonInChina) }

        let show = try world.execute(.show(target: "ai-1"), now: noonInChina)
        #expect(show["profile"] == "fg-ai4")
        #expect(show["knobs"]?["ch1-head"] == .number(0))
        #expect(show["systems"] == ["fire-water"])
        let system = try world.execute(.show(target: "fire-water"), now: noonInChina)
        #expect(system["knobs"]?["hydrant"] == .bool(true))
        let all = try world.execute(.show(target: nil), now: noonInChina)
        #expect(all["devices"]?.arrayValue?.count == 5)
    }

    @Test("the control socket answers requests and refusals, one JSON line each")
    func controlSocket() throws {
        let dir = try ScratchDirectory()
        let sitePath = dir.path + "/site.json"
        try Self.site.write(toFile: sitePath, atomically: true, encoding: .utf8)
        let simulator = try Simulator(sitePath: sitePath, stateDirectory: dir.path + "/sim", environment: SimTest.environment,
                                      options: SimulatorOptions(pacing: false))
        try simulator.start()
        defer { simulator.stop() }
        let client = try ControlClient(path: simulator.controlSocketPath)
        #expect(try client.call(.set(target: "main-pt.pressure", value: 0.5))["forced"] == .number(0.5))
        #expect(try client.call(.accelerate(60))["acceleration"] == .number(60))
        #expect(simulator.clock.rate == 60)
        let status = try client.call(.status)
        #expect(status["site"] == "ctl")
        #expect(status["buses"]?.arrayValue?.first?["units"] == [1, 2, 3])
        #expect(throws: ControlError.self) { try client.call(.set(target: "nobody.x", value: 1)) }
        #expect(throws: ControlError.self) { try client.call(["op": "teleport"]) }
        #expect(try client.call(.show(target: "main-pt"))["forced"]?["pressure"] == "hold 0.5", "the connection stays usable after a refusal")
    }
}

/// Contacts on the simulated chip: forced, stuck and bouncing, as the gateway's GPIO worker sees
/// them (raw edges with their times).
@Suite("Contacts and their faults")
struct ContactFaultTests {
    @Test("a bounce fault makes every change of a contact bounce; stuck freezes it; forcing overrides the model")
    func contactFaults() throws {
        let site = try SimTest.site(ControlTests.site)
        let board = try SimTest.board()
        let gpio = try GPIOWorld(board: board, socketPath: "/tmp/unused.sock")
        let world = World(site: site, board: board, gpio: gpio)
        let lines = try gpio.chip.request([.input("DI1", chip: "fieldsim", offset: 0), .input("DI3", chip: "fieldsim", offset: 2)])
        defer { lines.close() }
        var t = world.run(from: noonInChina, for: .seconds(1), step: .milliseconds(100))
        #expect(try lines.value(of: "DI1") == false && lines.value(of: "DI3") == true)
        _ = try lines.readEvents()

        _ = try world.execute(.fault(target: "cabinet-1.door", .bounce(toggles: 4, interval: .milliseconds(2))), now: t)
        _ = try world.execute(.action(target: "cabinet-1", action: "door", arguments: ["open"]), now: t)
        t = world.run(from: t, for: .milliseconds(200), step: .milliseconds(100))
        let bounced = try lines.readEvents().filter { $0.line == "DI1" }
        #expect(bounced.count == 5, "four toggles and the settling edge: \(bounced)")
        #expect(try lines.value(of: "DI1") == true)

        _ = try world.execute(.fault(target: "cabinet-1.cable-loop", .stuck), now: t)
        (world.device("cabinet-1")?.model as? PoleCabinetModel)?.cableIntact = false
        t = world.run(from: t, for: .milliseconds(300), step: .milliseconds(100))
        #expect(try lines.value(of: "DI3") == true, "a stuck contact does not follow the cut")
        _ = try world.execute(.clear(target: "cabinet-1"), now: t)
        t = world.run(from: t, for: .milliseconds(300), step: .milliseconds(100))
        #expect(try lines.value(of: "DI3") == false)

        // A contact without a knob of its name is forced; releasing it gives the model's level back.
        let valve = try gpio.chip.request([.input("DI5", chip: "fieldsim", offset: 4)])
        defer { valve.close() }
        _ = try world.execute(.set(target: "pump-room.valve-open", value: false), now: t)
        t = world.run(from: t, for: .milliseconds(300), step: .milliseconds(100))
        #expect(try valve.value(of: "DI5") == false, "forced closed")
        _ = try world.execute(.release(target: "pump-room.valve-open"), now: t)
        _ = try world.execute(.bounce(target: "cabinet-1.door", toggles: 2, interval: .milliseconds(1)), now: t)
        t = world.run(from: t, for: .milliseconds(300), step: .milliseconds(100))
        #expect(try valve.value(of: "DI5") == true, "released: the valve is open")
        #expect(try lines.value(of: "DI1") == true, "a glitch settles where the contact was")
        #expect(throws: ControlError.self) { try world.execute(.set(target: "cabinet-1.door", value: "ajar"), now: t) }
    }
}
