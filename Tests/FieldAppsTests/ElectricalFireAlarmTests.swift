import Foundation
import Testing
import FieldCore
@testable import FieldApps

/// Each alarm of the `electrical-fire` app in simulated time, beside the case that looks like it
/// and must not raise it.
@Suite struct ElectricalFireAlarmTests {
    let t0 = beijingTime("2026-12-01T10:00")

    @Test func leakageAboveTheGatewaysThresholdRaisesAndAShortSpikeDoesNot() throws {
        var r = try BoxRig(at: t0)
        r.run(for: .minutes(2))
        // A 6 s spike to 500 mA (a surge arrester conducting, a motor's start): under the 10 s delay.
        r.box.residual = 500
        r.run(for: .seconds(6))
        r.box.residual = 40
        r.run(for: .minutes(1))
        #expect(r.events.isEmpty, "\(r.events)")
        // 350 mA that stays: raised after 10 s, critical, the gateway's threshold named.
        r.box.residual = 350
        r.run(for: .seconds(9))
        #expect(!r.isActive("leakage"))
        r.run(for: .seconds(2))
        let raised = try #require(r.raises("leakage").first)
        #expect(raised.severity == .critical && raised.id.rawValue == "box-1.residual-current/leakage")
        #expect(raised.message == "residual current 350 mA above 300 mA (the gateway's threshold)")
        // Hovering just under the limit is not enough to clear (10 mA hysteresis) …
        r.box.residual = 295
        r.run(for: .minutes(2))
        #expect(r.isActive("leakage"))
        // … clearly back for 30 s is.
        r.box.residual = 120
        r.run(for: .seconds(29))
        #expect(r.isActive("leakage"))
        r.run(for: .seconds(2))
        #expect(!r.isActive("leakage"))
    }

    @Test func theDetectorsOwnBitRaisesAndHoldsUntilReset() throws {
        var r = try BoxRig(at: t0)
        r.run(for: .minutes(1))
        // The detector is set to 200 mA on the device, stricter than the gateway's 300 mA.
        r.box.residual = 230
        r.box.alarmFlags = 0b1
        r.run(for: .seconds(1))
        let raised = try #require(r.raises("leakage").first)
        #expect(raised.message == "the detector signals a residual current alarm at its own alarm value (reading 230 mA)")
        // The leak stops; the detector holds its bit until reset, and so does the gateway's alarm.
        r.box.residual = 40
        r.run(for: .minutes(5))
        #expect(r.isActive("leakage"))
        r.box.alarmFlags = 0
        r.run(for: .seconds(1))
        #expect(!r.isActive("leakage"))
        #expect(r.raises("leakage").count == 1)
    }

    @Test func aSelfTestInsideAMaintenanceWindowReachesNobody() throws {
        var r = try BoxRig(at: t0)
        r.run(for: .minutes(1))
        #expect((try? r.rig.command("maintenance", ["action": "start", "for": "10m"])?.get()) != nil)
        // Self-test: the detector raises its leakage and temperature bits for 5 s, then resets.
        r.box.alarmFlags = 0b11111
        r.run(for: .seconds(5))
        r.box.alarmFlags = 0
        r.run(for: .minutes(1))
        #expect((try? r.rig.command("maintenance", ["action": "end"])?.get()) != nil)
        r.run(for: .minutes(1))
        #expect(r.events.isEmpty, "\(r.events)")
        // The same self-test without a window is an alarm: the window is what tells them apart.
        r.box.alarmFlags = 0b1
        r.run(for: .seconds(5))
        #expect(r.raises("leakage").count == 1)
    }

    @Test func overTemperatureOnOneChannelAndNotOnANoisyReading() throws {
        var r = try BoxRig(at: t0)
        r.run(for: .minutes(1))
        // One noisy poll at 95 °C, and a terminal at 79 °C for an hour: nothing.
        r.box.temperatures[1] = 95
        r.run(for: .seconds(1))
        r.box.temperatures[1] = 79
        r.run(for: .hours(1))
        #expect(r.events.isEmpty, "\(r.events)")
        // A loose terminal on channel 2 climbing past 80 °C.
        r.run(for: .minutes(5)) { box, _ in box.temperatures[1] = min(box.temperatures[1] + 0.1, 92) }
        let raised = try #require(r.raises("over-temperature").first)
        #expect(raised.id.rawValue == "box-1.t2/over-temperature" && raised.severity == .critical)
        #expect(raised.message.hasPrefix("temperature on channel 2 ") && raised.message.hasSuffix("above 80 °C (the gateway's threshold)"))
        // The detector's own bit for channel 3 (bit 3) raises channel 3.
        r.box.alarmFlags = 1 << 3
        r.run(for: .seconds(1))
        #expect(r.active("box-1.t3/over-temperature"))
        #expect(!r.active("box-1.t4/over-temperature"))
    }

    @Test func openAndShortSensorsAreFaultsAndAGlitchOrAnUnusedChannelIsNot() throws {
        var r = try BoxRig(["temperature-channels": [1, 2, 3]], at: t0)
        r.run(for: .minutes(1))
        // Channel 4 has no sensor: the detector reports it open for ever, and that is no fault.
        r.box.temperatureQuality[3] = .sensorFault
        r.box.faultFlags = 1 << 3
        // A 3 s glitch on channel 1 (a loose plug touched): under the 5 s delay.
        r.box.temperatureQuality[0] = .sensorFault
        r.box.faultFlags |= 1 << 0
        r.run(for: .seconds(3))
        r.box.temperatureQuality[0] = .good
        r.box.faultFlags = 1 << 3
        r.run(for: .minutes(1))
        #expect(r.events.isEmpty, "\(r.events)")
        // Channel 1 open, channel 2 shorted, for good.
        r.box.temperatureQuality[0] = .sensorFault
        r.box.temperatureQuality[1] = .sensorFault
        r.box.faultFlags = (1 << 3) | (1 << 0) | (1 << 5)
        r.run(for: .seconds(6))
        let faults = r.raises("sensor-fault").map { "\($0.id.rawValue): \($0.message)" }.sorted()
        #expect(faults == ["box-1.t1/sensor-fault: temperature sensor 1 open circuit (wire broken or sensor unplugged)",
                           "box-1.t2/sensor-fault: temperature sensor 2 short circuit"])
        // A faulty channel raises no temperature alarm.
        #expect(!r.isActive("over-temperature"))
    }

    @Test func aDisconnectedResidualCurrentTransformerIsAFault() throws {
        var r = try BoxRig(at: t0)
        r.run(for: .minutes(1))
        // The profile's statusFrom makes fault bit 8 the residual current's quality: sensor fault.
        for _ in 0..<6 {
            r.rig.now += .seconds(1)
            r.rig.reading(DistributionBox.ref("residual-current"), nil, quality: .sensorFault)
            r.rig.reading(DistributionBox.ref("fault-flags"), .number(256))
            r.rig.tick()
        }
        #expect(r.raises("sensor-fault").map(\.message) == ["residual-current transformer disconnected"])
        #expect(!r.isActive("leakage"))
    }

    @Test func overAndUnderVoltageAfterTheirDelayAndNotOnASag() throws {
        var r = try BoxRig(at: t0)
        r.run(for: .minutes(1))
        // A motor start sags phase A to 185 V for 2 s; a 245 V swell for 5 s.
        r.box.voltages[0] = 185
        r.run(for: .seconds(2))
        r.box.voltages[0] = 245
        r.run(for: .seconds(5))
        r.box.voltages[0] = 221
        r.run(for: .minutes(1))
        #expect(r.events.isEmpty, "\(r.events)")
        r.box.voltages[1] = 250
        r.box.voltages[2] = 192
        r.run(for: .seconds(11))
        #expect(r.raises("over-voltage").map(\.id.rawValue) == ["box-1.voltage-b/over-voltage"])
        #expect(r.raises("under-voltage").map(\.message) == ["phase C voltage 192 V below 198 V"])
        #expect(r.raises("phase-loss").isEmpty)
    }

    @Test func aLostPhaseIsPhaseLossNotUnderVoltage() throws {
        var r = try BoxRig(at: t0)
        r.run(for: .minutes(1))
        // A blown fuse on phase C: what is left is a few volts induced from the other phases.
        r.box.voltages[2] = 9
        r.box.currents[2] = 0
        r.run(for: .seconds(3))
        #expect(r.raises("phase-loss").map(\.message) == ["phase lost: phase C voltage 9 V below 66 V"])
        r.run(for: .minutes(1))
        #expect(r.raises("under-voltage").isEmpty)
        // Single-phase boxes do not judge phases B and C at all.
        var single = try BoxRig(["phases": 1], at: t0)
        single.box.voltages[1] = 0
        single.box.voltages[2] = 0
        single.run(for: .minutes(2))
        #expect(single.events.isEmpty, "\(single.events)")
    }

    @Test func overCurrentAfterItsDelayAndNotOnAMotorStart() throws {
        var r = try BoxRig(["over-current": 32], at: t0)
        r.run(for: .minutes(1))
        // A pump motor's start: 6× its running current for 4 s.
        r.box.currents[0] = 110
        r.run(for: .seconds(4))
        r.box.currents[0] = 18
        r.run(for: .minutes(2))
        #expect(r.events.isEmpty, "\(r.events)")
        // An overloaded circuit: 40 A on a 32 A breaker.
        r.box.currents[0] = 40
        r.run(for: .seconds(29))
        #expect(!r.isActive("over-current"))
        r.run(for: .seconds(2))
        #expect(r.raises("over-current").map(\.id.rawValue) == ["box-1.current-a/over-current"])
        // Without a rating nothing is judged.
        var unrated = try BoxRig(at: t0)
        unrated.box.currents[0] = 400
        unrated.run(for: .minutes(5))
        #expect(unrated.events.isEmpty)
    }

    @Test func aStaleReadingIsNotJudged() throws {
        var r = try BoxRig(["stale-after": "5s"], at: t0)
        r.run(for: .minutes(1))
        r.box.residual = 500
        r.box.report(&r.rig)
        // The detector falls silent (the runtime raises comm-lost): its last value is not judged
        // once older than stale-after, so the 10 s delay never runs out on it.
        r.rig.run(for: .minutes(1), step: .seconds(1))
        #expect(r.events.isEmpty, "\(r.events)")
    }

    /// Every `"settings"` example of docs/electrical-fire.md makes an app without an issue.
    @Test func theDocsSettingsExamplesRead() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/electrical-fire.md").standardized
        let text = try String(contentsOf: page, encoding: .utf8)
        // The settings examples; the page's other JSON (the centre's mapping) is checked with the
        // site files.
        let blocks = text.components(separatedBy: "```json\n").dropFirst().compactMap { $0.components(separatedBy: "\n```").first }
            .filter { $0.hasPrefix("\"settings\"") }
        #expect(blocks.count == 3)
        for block in blocks {
            let object = try JSONValue.parse("{" + block + "}")
            let made = makeApp(ElectricalFireAppFactory(), appContext("box-1", profile: "fg-efd", points: DistributionBox.points),
                               settings: object.objectValue?["settings"])
            #expect(made.app != nil && made.issues.isEmpty, "\(block): \(made.issues)")
        }
    }
}
