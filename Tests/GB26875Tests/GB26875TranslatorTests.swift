import FieldCore
import GB26875
import Testing

/// The site mapping: which alarm or reading becomes which data unit, byte by byte where it
/// matters (the centre's decoder checks the layout in FieldSimTests).
@Suite struct GB26875TranslatorTests {
    let hydrant = GB26875System(type: 11, address: 1)
    let t0 = Timestamp(milliseconds: 1_796_644_800_000)  // 2026-12-07T12:00:00Z = 20:00 in +08:00

    func translator() -> GB26875Translator {
        GB26875Translator(mappings: [
            GB26875PointMapping(point: PointRef(device: "main-pt", point: "pressure"), device: "main-pt", system: hydrant,
                                component: GB26875ComponentRef(type: 0, address: 1), analog: (5, 10_000)),
            GB26875PointMapping(point: PointRef(device: "pump-room", point: "fire-pump-run"), device: "pump-room", system: hydrant,
                                component: GB26875ComponentRef(type: 91, address: 4), whenTrue: .started, alarms: ["pump-fault": .fault]),
            GB26875PointMapping(point: PointRef(device: "pump-room", point: "valve-open"), device: "pump-room", system: hydrant,
                                component: GB26875ComponentRef(type: 97, address: 5), alarms: ["signal-valve-closed": .supervisory]),
            GB26875PointMapping(point: nil, device: "cabinet-1", system: GB26875System(type: 128, address: 2),
                                component: GB26875ComponentRef(type: 0, address: 9)),
        ], utcOffsetMinutes: 480, analogInterval: .seconds(60))
    }

    func event(_ kind: AlarmEvent.Kind, _ id: String, at t: Timestamp) -> AlarmEvent {
        AlarmEvent(kind: kind, id: AlarmID(rawValue: id), severity: .major, time: t, value: nil, message: "")
    }

    @Test func alarmsFindTheirComponent() {
        let t = translator()
        #expect(t.mapping(forAlarm: AlarmID(rawValue: "main-pt.pressure/low-pressure"))?.component.address == 1)
        #expect(t.mapping(forAlarm: AlarmID(rawValue: "pump-room/signal-valve-closed"))?.component.address == 5)
        #expect(t.mapping(forAlarm: AlarmID(rawValue: "pump-room/pump-fault"))?.component.address == 4)
        // No entry names the type: the device's first entry.
        #expect(t.mapping(forAlarm: AlarmID(rawValue: "pump-room/jockey-short-cycling"))?.component.address == 4)
        #expect(t.mapping(forAlarm: AlarmID(rawValue: "cabinet-1/door-open"))?.component.address == 9)
        #expect(t.mapping(forAlarm: AlarmID(rawValue: "lamp-1/lamp-failure")) == nil)
    }

    @Test func defaultStateBits() {
        let m = translator().mappings[0]
        #expect(m.bits(forAlarm: "low-pressure") == .supervisory)
        #expect(m.bits(forAlarm: "sensor-fault") == .fault)
        #expect(m.bits(forAlarm: "comm-lost") == .fault)
        #expect(m.bits(forAlarm: "fire-alarm") == .fireAlarm)
        #expect(m.bits(forAlarm: "fire-pump-fault") == .fault)
    }

    @Test func aRaiseAndAClearAreTheComponentsWholeState() throws {
        let t = translator()
        let raise = t.alarm(event(.raise, "pump-room/signal-valve-closed", at: t0))
        #expect(raise.map(\.unit.kind) == [.componentStatus, .systemStatus])
        let allEvents = raise.allSatisfy { $0.event }
        #expect(allEvents)
        let object = try #require(raise.first?.unit.objects.first)
        // System 11/1, component 97 at address 5 (4 bytes, low first), state 0x0011, description, time label.
        #expect(Array(object[0..<9]) == [11, 1, 97, 5, 0, 0, 0, 0x11, 0x00])
        #expect(Array(object[9..<29]) == Array("pump-room.valve-open".utf8) && object[29..<40].allSatisfy { $0 == 0 })
        #expect(Array(object[40..<46]) == [0, 0, 20, 7, 12, 26])
        #expect(raise[1].unit.objects[0] == [11, 1, 0x11, 0x00, 0, 0, 20, 7, 12, 26])
        // A second alarm on another component of the system: the system state does not change.
        let fault = t.alarm(event(.raise, "pump-room/pump-fault", at: t0))
        #expect(fault.map(\.unit.kind) == [.componentStatus, .systemStatus])
        #expect(Array(fault[1].unit.objects[0][2...3]) == [0x15, 0x00])
        let clear = t.alarm(event(.clear, "pump-room/signal-valve-closed", at: t0 + .seconds(5)))
        #expect(Array(clear[0].unit.objects[0][7...8]) == [0x01, 0x00])
        #expect(Array(clear[1].unit.objects[0][2...3]) == [0x05, 0x00])
        #expect(t.deviceState() == [.monitoring, .fault])
        // Acknowledgement: an operation record "confirm".
        let ack = t.alarm(event(.acknowledge, "pump-room/pump-fault", at: t0))
        #expect(ack.map(\.unit.kind) == [.operationRecord] && ack[0].unit.objects[0] == [11, 1, 0x20, 0, 0, 0, 20, 7, 12, 26])
        #expect(t.alarm(event(.raise, "lamp-1/lamp-failure", at: t0)).isEmpty)
    }

    @Test func alarmsActiveBeforeARestartStayInTheState() throws {
        let t = translator()
        t.restore(active: [AlarmID(rawValue: "pump-room/signal-valve-closed"), AlarmID(rawValue: "lamp-1/lamp-failure")])
        // A new alarm on another component of the system: the system's state keeps the restored
        // alarm's bit (supervisory) beside the new one (fault), and after the new one clears.
        let fault = t.alarm(AlarmEvent(kind: .raise, id: AlarmID(rawValue: "pump-room/pump-fault"), severity: .major, time: t0, value: nil, message: ""))
        #expect(fault.map(\.unit.kind) == [.componentStatus, .systemStatus])
        #expect(Array(fault[1].unit.objects[0][2...3]) == [0x15, 0x00])
        let clear = t.alarm(AlarmEvent(kind: .clear, id: AlarmID(rawValue: "pump-room/pump-fault"), severity: .major, time: t0, value: nil, message: ""))
        #expect(Array(clear[0].unit.objects[0][7...8]) == [0x01, 0x00])
        #expect(Array(clear[1].unit.objects[0][2...3]) == [0x11, 0x00])
        let valve = t.alarm(AlarmEvent(kind: .clear, id: AlarmID(rawValue: "pump-room/signal-valve-closed"), severity: .major, time: t0, value: nil, message: ""))
        #expect(Array(valve[0].unit.objects[0][7...8]) == [0x01, 0x00])
        #expect(Array(valve[1].unit.objects[0][2...3]) == [0x01, 0x00])
    }

    @Test func readingsBecomeStatesAndAnalogueValues() throws {
        let t = translator()
        let pump = PointRef(device: "pump-room", point: "fire-pump-run")
        let pressure = PointRef(device: "main-pt", point: "pressure")
        let on = t.readings([(pump, Reading(.bool(true), at: t0)), (pressure, Reading(.number(0.352), at: t0))])
        #expect(on.map(\.unit.kind) == [.componentStatus, .systemStatus, .analogValue])
        #expect(Array(on[0].unit.objects[0][7...8]) == [0x21, 0x00])
        #expect(!on[2].event)
        // 0.352 MPa in 0.1 kPa: 3520 = 0x0DC0, low byte first, after analogue type 5.
        #expect(Array(on[2].unit.objects[0][0...9]) == [11, 1, 0, 1, 0, 0, 0, 5, 0xC0, 0x0D])
        // The same state again is no change; a value within the interval is not sent.
        #expect(t.readings([(pump, Reading(.bool(true), at: t0 + .seconds(1))), (pressure, Reading(.number(0.35), at: t0 + .seconds(30)))]).isEmpty)
        let off = t.readings([(pump, Reading(.bool(false), at: t0 + .seconds(61))), (pressure, Reading(.number(-0.001), at: t0 + .seconds(61)))])
        #expect(off.map(\.unit.kind) == [.componentStatus, .systemStatus, .analogValue])
        #expect(Array(off[2].unit.objects[0][8...9]) == [0xF6, 0xFF])
        // Bad quality is not sent; an out-of-range value is logged and skipped, not a crash.
        #expect(t.readings([(pressure, Reading(.number(1), quality: .commError, at: t0 + .seconds(200)))]).isEmpty)
        #expect(t.readings([(pressure, Reading(.number(5), at: t0 + .seconds(300)))]).isEmpty)
        #expect(t.readings([(pressure, Reading(.number(1e300), at: t0 + .seconds(400)))]).isEmpty)
        #expect(t.readings([(pressure, Reading(.number(.nan), at: t0 + .seconds(500)))]).isEmpty)
        #expect(t.readings([(pressure, Reading(.number(-3.2768), at: t0 + .seconds(600)))]).count == 1)
    }

    /// The electrical fire stream (docs/gb26875.md, "Electrical fire"): a detector's residual
    /// current as a residual-current detector (17) with its value in 0.1 A, each temperature
    /// channel as a temperature-sensing detector (18) in 0.1 °C, the detector as a whole (its
    /// supply, load and link) as the monitor (16), all in system 129.
    @Test func theElectricalFireStream() throws {
        let ef = GB26875System(type: 129, address: 1)
        let residual = PointRef(device: "box-1", point: "residual-current")
        let t2 = PointRef(device: "box-1", point: "t2")
        let t = GB26875Translator(mappings: [
            GB26875PointMapping(point: residual, device: "box-1", system: ef,
                                component: GB26875ComponentRef(type: GB26875DataUnit.Component.residualCurrentDetector.rawValue, address: 1),
                                analog: (9, 0.01)),
            GB26875PointMapping(point: t2, device: "box-1", system: ef,
                                component: GB26875ComponentRef(type: GB26875DataUnit.Component.temperatureSensingDetector.rawValue, address: 3),
                                analog: (3, 10)),
            GB26875PointMapping(point: nil, device: "box-1", system: ef,
                                component: GB26875ComponentRef(type: GB26875DataUnit.Component.electricalFireMonitor.rawValue, address: 6)),
        ], utcOffsetMinutes: 480, analogInterval: .seconds(2))
        // 421 mA → 4 × 0.1 A; 85.26 °C → 853 × 0.1 °C, low byte first.
        let values = t.readings([(residual, Reading(.number(421), at: t0)), (t2, Reading(.number(85.26), at: t0))])
        #expect(values.map(\.unit.kind) == [.analogValue, .analogValue])
        #expect(Array(values[0].unit.objects[0][0...9]) == [129, 1, 17, 1, 0, 0, 0, 9, 4, 0])
        #expect(Array(values[1].unit.objects[0][0...9]) == [129, 1, 18, 3, 0, 0, 0, 3, 0x55, 0x03])
        // A user-defined mA type keeps the milliamps: 421 → 0x01A5.
        let ma = GB26875Translator(mappings: [GB26875PointMapping(point: residual, device: "box-1", system: ef,
                                                                  component: GB26875ComponentRef(type: 17, address: 1), analog: (128, 1))],
                                   utcOffsetMinutes: 480)
        #expect(Array(ma.readings([(residual, Reading(.number(421), at: t0))])[0].unit.objects[0][7...9]) == [128, 0xA5, 0x01])
        // A sensor-fault reading (an open NTC at −40 °C) is not a temperature: nothing sent.
        #expect(t.readings([(t2, Reading(.number(-40), quality: .sensorFault, at: t0 + .seconds(5)))]).isEmpty)

        // Leakage and over-temperature are supervisory (监管: shown apart from fire alarms, GB 50116
        // §9), a sensor fault is a fault; each on its own component, the system carrying both.
        let leak = t.alarm(event(.raise, "box-1.residual-current/leakage", at: t0))
        #expect(leak.map(\.unit.kind) == [.componentStatus, .systemStatus])
        #expect(Array(leak[0].unit.objects[0][0...8]) == [129, 1, 17, 1, 0, 0, 0, 0x11, 0x00])
        #expect(Array(leak[0].unit.objects[0][9..<31]) == Array("box-1.residual-current".utf8))
        let hot = t.alarm(event(.raise, "box-1.t2/over-temperature", at: t0))
        #expect(hot.map(\.unit.kind) == [.componentStatus] && Array(hot[0].unit.objects[0][0...8]) == [129, 1, 18, 3, 0, 0, 0, 0x11, 0x00])
        let fault = t.alarm(event(.raise, "box-1.t2/sensor-fault", at: t0))
        #expect(Array(fault[0].unit.objects[0][7...8]) == [0x15, 0x00] && Array(fault[1].unit.objects[0][2...3]) == [0x15, 0x00])
        #expect(t.deviceState() == [.monitoring, .fault])
        // Alarms of points without an entry (the appliance on `power`, a phase's voltage) and the
        // detector's comm-lost go to the device's entry: the monitor (16), described by the alarm id.
        let heater = t.alarm(event(.raise, "box-1.power/prohibited-appliance", at: t0))
        #expect(Array(heater[0].unit.objects[0][0...8]) == [129, 1, 16, 6, 0, 0, 0, 0x11, 0x00])
        #expect(Array(heater[0].unit.objects[0][9..<40]) == Array("box-1.power/prohibited-applianc".utf8))
        #expect(t.mapping(forAlarm: AlarmID(rawValue: "box-1/comm-lost"))?.component.type == 16)
        #expect(t.mapping(forAlarm: AlarmID(rawValue: "box-1.voltage-c/phase-loss"))?.component.address == 6)
    }

    @Test func theFrameReaderResynchronises() throws {
        let time = CivilTime(year: 2026, month: 12, day: 7, hour: 20)
        let confirm = try GB26875Frame(serial: 9, time: time, source: GB26875Address(1), destination: GB26875Address(2), command: .confirm).encoded()
        var broken = confirm
        broken[broken.count - 3] &+= 1
        var reader = GB26875FrameReader()
        reader.feed([1, 2, 3] + broken + Array(confirm.prefix(10)))
        #expect(reader.next() == .problem("3 bytes before a frame's start mark skipped"))
        #expect(reader.next() == .problem("frame with checksum \(broken[broken.count - 3]) (computed \(confirm[confirm.count - 3])) skipped"))
        var items: [GB26875FrameReader.Item] = []
        while let i = reader.next() { items.append(i) }
        reader.feed(Array(confirm.dropFirst(10)))
        while let i = reader.next() { items.append(i) }
        let frames = items.compactMap { if case .frame(let f) = $0 { f } else { nil } }
        #expect(frames.map(\.serial) == [9] && frames[0].command == .confirm && frames[0].time == time)
        // A declared length over the limit is not waited for.
        var long = confirm
        long[24] = 0xFF
        long[25] = 0x01
        var r2 = GB26875FrameReader()
        r2.feed(long)
        #expect(r2.next() == .problem("frame declares 511 data bytes (at most 256 accepted): skipped"))
    }
}
