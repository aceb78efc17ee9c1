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

    // The same mapping as CentreQueryTests.Gateway's (FieldSimTests): the two test targets share
    // no module a fixture could live in without a new dependency, so each has its copy.
    func translator(timeSync: GB26875TimeSync = GB26875TimeSync()) -> GB26875Translator {
        GB26875Translator(mappings: [
            GB26875PointMapping(point: pressure, device: "main-pt", system: hydrant, component: GB26875ComponentRef(type: 0, address: 1),
                                analog: (5, 10_000)),
            GB26875PointMapping(point: PointRef(device: "pump-room", point: "fire-pump-run"), device: "pump-room", system: hydrant,
                                component: GB26875ComponentRef(type: 91, address: 4), whenTrue: .started, alarms: ["pump-fault": .fault]),
            GB26875PointMapping(point: nil, device: "cabinet-1", system: GB26875System(type: 128, address: 2),
                                component: GB26875ComponentRef(type: 0, address: 9)),
        ], utcOffsetMinutes: 480, analogInterval: .seconds(60), timeSync: timeSync)
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

    @Test func anAnswerOverTheStandardsSizeIsDenied() {
        // Components at one address answer one read of 62 together: 46 bytes each, after the
        // unit's 2. 22 of them take 1014 bytes; 23 would take 1060, over the 1024 of a frame.
        func components(_ n: Int) -> GB26875Translator {
            GB26875Translator(mappings: (0..<n).map { i in
                GB26875PointMapping(point: PointRef(device: "panel", point: "p\(i)"), device: "panel", system: hydrant,
                                    component: GB26875ComponentRef(type: UInt8(i), address: 1))
            }, utcOffsetMinutes: 480)
        }
        let fits = response(components(22).answer([.componentStatus(hydrant, componentAddress: 1)], now: now, current: { _ in nil }))
        #expect(fits?.count == 1014 && fits?[1] == 22)
        let tooBig = components(23).answer([.componentStatus(hydrant, componentAddress: 1)], now: now, current: { _ in nil })
        #expect(tooBig == .deny("the answer's 23 objects take 1060 bytes, over the standard's 1024 bytes of application data"))
        // Several objects in one request add up the same way: 2 × 12 components.
        let twice = components(12).answer([.componentStatus(hydrant, componentAddress: 1), .componentStatus(hydrant, componentAddress: 1)],
                                          now: now, current: { _ in nil })
        #expect(twice == .deny("the answer's 24 objects take 1106 bytes, over the standard's 1024 bytes of application data"))
    }

    @Test func afterATimeSyncEveryLabelIsOnTheCentresClock() throws {
        let sync = GB26875TimeSync()
        let t = translator(timeSync: sync)
        // The centre's clock is 90 s ahead of ours (the link sets the shared offset on its time sync).
        sync.set(.seconds(90))
        let raised = t.alarm(AlarmEvent(kind: .raise, id: AlarmID(rawValue: "pump-room/pump-fault"), severity: .major, time: t0, value: nil, message: ""))
        // The stored record: 20:00:00 on our clock is 20:01:30 on the device's.
        #expect(raised.first?.unit.objects.first?.suffix(6) == [30, 1, 20, 7, 12, 26])
        // A read's change time and sample time are on the same clock as the link's `now`.
        let component = try #require(response(t.answer([.componentStatus(hydrant, componentAddress: 4)], now: now, current: { _ in nil })))
        #expect(Array(component.suffix(6)) == [30, 1, 20, 7, 12, 26])
        let system = try #require(response(t.answer([.systemStatus(hydrant)], now: now, current: { _ in nil })))
        #expect(Array(system.suffix(6)) == [30, 1, 20, 7, 12, 26])
        let reading = Reading(.number(0.352), at: t0 + .seconds(3))
        let analog = try #require(response(t.answer([.analogValue(hydrant, componentAddress: 1)], now: now, current: { $0 == pressure ? reading : nil })))
        #expect(Array(analog.suffix(6)) == [33, 1, 20, 7, 12, 26])
        // Samples and operation records stored from then on too.
        let sample = t.readings([(pressure, reading)])
        #expect(sample.first?.unit.objects.first?.suffix(6) == [33, 1, 20, 7, 12, 26])
        #expect(t.operation(device: "cabinet-1", command: "reset", at: t0).first?.unit.objects.first?.suffix(6) == [30, 1, 20, 7, 12, 26])
        #expect(t.civil(t0) == CivilTime(year: 2026, month: 12, day: 7, hour: 20, minute: 1, second: 30))
    }

    @Test func analogueValuesAreScaledByOneRuleForRecordsAndReads() throws {
        // The signed 2-byte field: −32768…32767 after rounding (halves away from zero).
        #expect(GB26875Translator.analogRaw(32767, scale: 1) == 32767)
        #expect(GB26875Translator.analogRaw(32767.4, scale: 1) == 32767)
        #expect(GB26875Translator.analogRaw(32767.5, scale: 1) == nil)
        #expect(GB26875Translator.analogRaw(32768, scale: 1) == nil)
        #expect(GB26875Translator.analogRaw(-32768, scale: 1) == -32768)
        #expect(GB26875Translator.analogRaw(-32768.4, scale: 1) == -32768)
        #expect(GB26875Translator.analogRaw(-32768.5, scale: 1) == nil)
        #expect(GB26875Translator.analogRaw(-3.2768, scale: 10_000) == -32768)
        #expect(GB26875Translator.analogRaw(0.352, scale: 10_000) == 3520)
        #expect(GB26875Translator.analogRaw(-0.00004, scale: 10_000) == 0)
        #expect(GB26875Translator.analogRaw(.nan, scale: 1) == nil)
        #expect(GB26875Translator.analogRaw(.infinity, scale: 1) == nil)
        #expect(GB26875Translator.analogRaw(1e300, scale: 1e300) == nil)

        // The same limits for a sample sent and a value read: −32768 (0x8000) goes, 32768 does not.
        let lowest = Reading(.number(-3.2768), at: t0)
        let sent = translator().readings([(pressure, lowest)])
        #expect(sent.first?.unit.objects.first?[8...9] == [0x00, 0x80])
        let read = try #require(response(translator().answer([.analogValue(hydrant, componentAddress: 1)], now: now, current: { _ in lowest })))
        #expect(read[10...11] == [0x00, 0x80])
        let over = Reading(.number(3.2768), at: t0)
        #expect(translator().readings([(pressure, over)]).isEmpty)
        #expect(translator().answer([.analogValue(hydrant, componentAddress: 1)], now: now, current: { _ in over })
            == .deny("main-pt.pressure: 3.2768 × 10000.0 does not fit the signed 2-byte field (−32768…32767)"))
    }

    @Test func aCommandSentToAnotherUnitIsNoOperationOfTheMappedDevice() {
        let t = translator()
        // `modbus calibrate cabinet-1 reset --from 7`: unit 7 was reset, the cabinet (unit 3) was not.
        #expect(t.operation(device: "cabinet-1", command: "reset", at: t0, unit: 7, deviceUnit: 3).isEmpty)
        #expect(t.operation(device: "cabinet-1", command: "reset", at: t0, unit: 7, deviceUnit: nil).isEmpty)
        // `--from` naming the device's own unit, or no `--from`: the device's reset.
        #expect(t.operation(device: "cabinet-1", command: "reset", at: t0, unit: 3, deviceUnit: 3).count == 1)
        #expect(t.operation(device: "cabinet-1", command: "reset", at: t0, unit: nil, deviceUnit: 3).count == 1)
    }

    @Test func aComponentsChangeTimeMovesOnlyWhenItsBitsDo() throws {
        let t = translator()
        func changeTime() throws -> [UInt8] {
            Array(try #require(response(t.answer([.componentStatus(hydrant, componentAddress: 4)], now: now, current: { _ in nil }))).suffix(6))
        }
        func event(_ kind: AlarmEvent.Kind, _ id: String, _ seconds: Int64) -> [GB26875Record] {
            t.alarm(AlarmEvent(kind: kind, id: AlarmID(rawValue: id), severity: .major, time: t0 + .seconds(seconds), value: nil, message: ""))
        }
        // Two alarms of the pump that both set `fault` (pump-fault by its entry, comm-lost by default).
        _ = event(.raise, "pump-room/pump-fault", 0)
        let label1 = try changeTime()
        #expect(label1 == [0, 0, 20, 7, 12, 26])
        // The second one's state is sent again (the centre gets every event) but changes no bit.
        #expect(event(.raise, "pump-room/comm-lost", 10).map(\.unit.kind) == [.componentStatus])
        let label2 = try changeTime()
        #expect(label2 == [0, 0, 20, 7, 12, 26])
        _ = event(.clear, "pump-room/pump-fault", 20)
        let label3 = try changeTime()
        #expect(label3 == [0, 0, 20, 7, 12, 26])
        // The last fault cleared: back to normal, the bits changed.
        _ = event(.clear, "pump-room/comm-lost", 30)
        let label4 = try changeTime()
        #expect(label4 == [30, 0, 20, 7, 12, 26])
    }
}
