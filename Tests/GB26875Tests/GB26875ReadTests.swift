import FieldCore
import GB26875
import Testing

/// Reads from the centre (command 4, types 61–89) and the operation records of console and
/// platform commands, byte by byte; the centre's own decoder reads the same bytes in
/// FieldSimTests.CentreQueryTests.
@Suite struct GB26875ReadTests {
    let hydrant = GB26875System(type: 11, address: 1)
    let t0 = Timestamp(milliseconds: 1_796_644_800_000)  // 2026-12-07T12:00:00Z = 20:00 in +08:00
    let now = CivilTime(year: 2026, month: 12, day: 7, hour: 20, minute: 5, second: 9)
    let pressure = PointRef(device: "main-pt", point: "pressure")

    func translator() -> GB26875Translator {
        GB26875Translator(mappings: [
            GB26875PointMapping(point: pressure, device: "main-pt", system: hydrant, component: GB26875ComponentRef(type: 0, address: 1),
                                analog: (5, 10_000)),
            GB26875PointMapping(point: PointRef(device: "pump-room", point: "fire-pump-run"), device: "pump-room", system: hydrant,
                                component: GB26875ComponentRef(type: 91, address: 4), whenTrue: .started, alarms: ["pump-fault": .fault]),
            GB26875PointMapping(point: nil, device: "cabinet-1", system: GB26875System(type: 128, address: 2),
                                component: GB26875ComponentRef(type: 0, address: 9)),
        ], utcOffsetMinutes: 480, analogInterval: .seconds(60))
    }

    func response(_ a: GB26875Answer) -> [UInt8]? {
        if case .response(let d) = a { d } else { nil }
    }

    @Test func requestsParseByTheStandardsLayout() {
        #expect(GB26875Query.parse([61, 1, 11, 1]) == .success([.systemStatus(hydrant)]))
        #expect(GB26875Query.parse([62, 2, 11, 1, 4, 0, 0, 0, 11, 1, 0x04, 0x03, 0x02, 0x01])
            == .success([.componentStatus(hydrant, componentAddress: 4), .componentStatus(hydrant, componentAddress: 0x0102_0304)]))
        #expect(GB26875Query.parse([63, 1, 11, 1, 1, 0, 0, 0]) == .success([.analogValue(hydrant, componentAddress: 1)]))
        #expect(GB26875Query.parse([81, 1, 0]) == .success([.deviceStatus]))
        #expect(GB26875Query.parse([88, 1, 0]) == .success([.deviceTime]))
        // Reads the gateway cannot answer truthfully, and types that are no reads.
        for type: UInt8 in [64, 65, 66, 67, 68, 84, 85, 86, 89] {
            guard case .failure(.unsupported(type, _)) = GB26875Query.parse([type, 1, 11, 1]) else {
                Issue.record("type \(type) should be unsupported")
                continue
            }
        }
        #expect(GB26875Query.parse([2, 1, 0]) == .failure(.unsupported(2, "type 2 is not a read type of table 3")))
        // Malformed: too short, no objects, a length that is no whole number of objects.
        for bad: [UInt8] in [[], [62], [62, 0], [62, 1, 11, 1, 4, 0, 0], [61, 1, 11, 1, 0], [81, 2, 0]] {
            guard case .failure(.malformed) = GB26875Query.parse(bad) else {
                Issue.record("\(bad) should be malformed")
                continue
            }
        }
    }

    @Test func readsAreAnsweredFromTheStateTheGatewayKeeps() throws {
        let t = translator()
        _ = t.alarm(AlarmEvent(kind: .raise, id: AlarmID(rawValue: "pump-room/pump-fault"), severity: .major, time: t0, value: nil, message: ""))
        // 62: component 91 at 4, normal + fault (0x0005), its description, the time of the change.
        let component = try #require(response(t.answer([.componentStatus(hydrant, componentAddress: 4)], now: now, current: { _ in nil })))
        #expect(Array(component[0..<2]) == [2, 1])
        #expect(Array(component[2..<11]) == [11, 1, 91, 4, 0, 0, 0, 0x05, 0x00])
        #expect(Array(component[11..<34]) == Array("pump-room.fire-pump-run".utf8) && component[34..<42].allSatisfy { $0 == 0 })
        #expect(Array(component[42..<48]) == [0, 0, 20, 7, 12, 26])
        // 61: the system has the fault too; 128/2 never changed: normal, labelled with `now`.
        #expect(response(t.answer([.systemStatus(hydrant)], now: now, current: { _ in nil })) == [1, 1, 11, 1, 0x05, 0x00, 0, 0, 20, 7, 12, 26])
        #expect(response(t.answer([.systemStatus(GB26875System(type: 128, address: 2))], now: now, current: { _ in nil }))
            == [1, 1, 128, 2, 0x01, 0x00, 9, 5, 20, 7, 12, 26])
        // 63: the point's current reading (0.352 MPa → 3520 in 0.1 kPa), with its sample time.
        let reading = Reading(.number(0.352), at: t0 + .seconds(3))
        #expect(response(t.answer([.analogValue(hydrant, componentAddress: 1)], now: now, current: { $0 == pressure ? reading : nil }))
            == [3, 1, 11, 1, 0, 1, 0, 0, 0, 5, 0xC0, 0x0D, 3, 0, 20, 7, 12, 26])
        // 81 and 88: the device's running state (fault from the pump) and its time.
        #expect(response(t.answer([.deviceStatus], now: now, current: { _ in nil })) == [21, 1, 0x05, 9, 5, 20, 7, 12, 26])
        #expect(response(t.answer([.deviceTime], now: now, current: { _ in nil })) == [28, 1, 9, 5, 20, 7, 12, 26])
    }

    @Test func whatTheGatewayCannotAnswerTruthfullyIsDenied() {
        let t = translator()
        func denied(_ q: [GB26875Query], _ current: Reading? = nil) -> String? {
            if case .deny(let why) = t.answer(q, now: now, current: { _ in current }) { why } else { nil }
        }
        #expect(denied([.systemStatus(GB26875System(type: 12, address: 1))]) == "system 12/1 is not mapped")
        #expect(denied([.componentStatus(hydrant, componentAddress: 7)]) == "no component at 7 in system 11/1")
        // The pump has no analogue point; the pressure point has no reading yet, or a bad one.
        #expect(denied([.analogValue(hydrant, componentAddress: 4)]) == "no analogue point at component 4 in system 11/1")
        #expect(denied([.analogValue(hydrant, componentAddress: 1)]) == "main-pt.pressure has no good reading (none yet)")
        #expect(denied([.analogValue(hydrant, componentAddress: 1)], Reading(.number(0.3), quality: .commError, at: t0)) != nil)
        // One unanswerable object denies the whole request.
        #expect(denied([.systemStatus(hydrant), .systemStatus(GB26875System(type: 12, address: 1))]) != nil)
    }

    @Test func consoleAndPlatformCommandsAreOperationRecords() {
        let t = translator()
        let reset = t.operation(device: "cabinet-1", command: "reset", at: t0)
        #expect(reset.map(\.unit.kind) == [.operationRecord] && reset.allSatisfy(\.event))
        // System 128/2, flags bit 0 (reset), operator 0, the time.
        #expect(reset.first?.unit.objects == [[128, 2, 0x01, 0, 0, 0, 20, 7, 12, 26]])
        #expect(t.operation(device: "pump-room", command: "silence", at: t0).first?.unit.objects.first?[0...2] == [11, 1, 0x02])
        #expect(t.operation(device: "main-pt", command: "self-test", at: t0).first?.unit.objects.first?[0...2] == [11, 1, 0x10])
        // Commands that are no operation, and devices the centre does not know, give nothing.
        #expect(t.operation(device: "cabinet-1", command: "set-threshold", at: t0).isEmpty)
        #expect(t.operation(device: "lamp-1", command: "reset", at: t0).isEmpty)
        // The gateway's own restart: the device's operation record (type 24), reset.
        let restart = t.deviceOperation(.reset, at: t0)
        #expect(restart.first?.unit.kind == .deviceOperation && restart.first?.unit.objects == [[0x01, 0, 0, 0, 20, 7, 12, 26]])
    }
}
