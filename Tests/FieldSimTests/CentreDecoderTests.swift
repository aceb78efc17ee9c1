import FieldCore
import GB26875
import Testing

@testable import FieldSim

/// The gateway's GB 26875.3 encoder checked against the simulated centre's own decoder (written
/// from the standard's tables, sharing no code with the encoder): every data unit type the
/// gateway sends, and frames the centre must refuse.
@Suite("GB 26875.3 centre decoder")
struct CentreDecoderTests {
    let time = CivilTime(year: 2026, month: 12, day: 7, hour: 21, minute: 5, second: 9)
    let system = GB26875System(type: 11, address: 1)
    let component = GB26875ComponentRef(type: 97, address: 0x0102_0304)

    func frame(_ data: [UInt8], serial: UInt16 = 0x1234, command: GB26875Frame.Command = .sendData) throws -> [UInt8] {
        try GB26875Frame(serial: serial, time: time, source: GB26875Address(2001), destination: GB26875Address(1), command: command,
                         data: data).encoded()
    }

    func decodeOne(_ unit: GB26875DataUnit) throws -> JSONValue {
        let bytes = try frame(try unit.encoded())
        #expect(CentreDecoder.cut(bytes) == .frame(start: 0, length: bytes.count))
        switch CentreDecoder.decode(bytes) {
        case .success(let f):
            #expect(f.serial == 0x1234 && f.command == "send-data" && f.version == "1.0" && f.time == "2026-12-07T21:05:09")
            #expect(f.source == [0xD1, 0x07, 0, 0, 0, 0] && f.destination == [1, 0, 0, 0, 0, 0])
            #expect(f.units.count == 1)
            return try #require(f.units.first)
        case .failure(let e):
            Issue.record("decoder refused: \(e)")
            throw e
        }
    }

    @Test func systemStatus() throws {
        let o = try decodeOne(GB26875DataUnit(.systemStatus, objects: [try GB26875Object.systemStatus(system, state: [.normal, .supervisory, .fault], time: time)]))
        #expect(o == ["type": 1, "kind": "system-status", "system": ["type": 11, "address": 1, "name": "hydrant"], "state": ["normal", "fault", "supervisory"],
                      "time": "2026-12-07T21:05:09"])
    }

    @Test func componentStatusWithDescription() throws {
        let o = try decodeOne(GB26875DataUnit(.componentStatus, objects: [try GB26875Object.componentStatus(
            system, component, state: [.normal, .started], description: "pump-room.valve-open", time: time)]))
        #expect(o["component"] == ["type": 97, "address": 0x0102_0304, "name": "signal-valve"])
        #expect(o["state"] == ["normal", "started"])
        #expect(o["description"] == "pump-room.valve-open")
        // Test state (bit 0 clear) and a description longer than the field, non-ASCII replaced.
        let t = try decodeOne(GB26875DataUnit(.componentStatus, objects: [try GB26875Object.componentStatus(
            system, component, state: [.fireAlarm], description: "消防泵-" + String(repeating: "x", count: 40), time: time)]))
        #expect(t["state"] == ["test", "fire-alarm"])
        #expect(t["description"] == .string("???-" + String(repeating: "x", count: 27)))
    }

    @Test func analogValuesSignedLowByteFirst() throws {
        for value in [3500, -120, 32767, -32768] {
            let o = try decodeOne(GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(system, component, analogType: 5, value: value, time: time)]))
            #expect(o["analogType"] == 5 && o["value"] == .number(Double(value)) && o["kind"] == "analog-value")
        }
        do {
            _ = try GB26875Object.analogValue(system, component, analogType: 5, value: 40_000, time: time)
            Issue.record("40000 does not fit a signed 16-bit value")
        } catch {
            #expect(error.description.contains("40000"))
        }
    }

    /// The electrical fire stream as the centre's own tables read it: system 129 (this centre's
    /// user-defined code for 电气火灾监控系统), component types 17 and 18 (table 6), residual
    /// current as current in 0.1 A (table 7) or this centre's type 128 in mA, temperature in 0.1 °C.
    @Test func electricalFireCodesAndReadings() throws {
        let ef = GB26875System(type: 129, address: 1)
        let residual = GB26875ComponentRef(type: GB26875DataUnit.Component.residualCurrentDetector.rawValue, address: 1)
        let terminal = GB26875ComponentRef(type: GB26875DataUnit.Component.temperatureSensingDetector.rawValue, address: 3)
        let leak = try decodeOne(GB26875DataUnit(.componentStatus, objects: [try GB26875Object.componentStatus(
            ef, residual, state: [.normal, .supervisory], description: "box-1.residual-current", time: time)]))
        #expect(leak["system"] == ["type": 129, "address": 1, "name": "electrical-fire"])
        #expect(leak["component"] == ["type": 17, "address": 1, "name": "residual-current-detector"])
        #expect(leak["state"] == ["normal", "supervisory"])
        let amps = try decodeOne(GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(ef, residual, analogType: 9, value: 4, time: time)]))
        #expect(amps["analog"] == "current" && amps["reading"] == "0.4 A")
        let milliamps = try decodeOne(GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(ef, residual, analogType: 128, value: 421, time: time)]))
        #expect(milliamps["analog"] == "residual-current" && milliamps["reading"] == "421 mA")
        let hot = try decodeOne(GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(ef, terminal, analogType: 3, value: 853, time: time)]))
        #expect(hot["component"] == ["type": 18, "address": 3, "name": "temperature-sensing-detector"])
        #expect(hot["analog"] == "temperature" && hot["reading"] == "85.3 °C")
        let cold = try decodeOne(GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(ef, terminal, analogType: 3, value: -5, time: time)]))
        #expect(cold["reading"] == "-0.5 °C")
        // Codes the tables do not name: reserved below 128, user-defined above.
        let odd = try decodeOne(GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(
            GB26875System(type: 30, address: 1), GB26875ComponentRef(type: 200, address: 1), analogType: 40, value: 1, time: time)]))
        #expect(odd["system"]?["name"] == "reserved" && odd["component"]?["name"] == "user-defined" && odd["analog"] == "reserved")
        #expect(odd["reading"] == nil)
        #expect(CentreDecoder.reading(3500, decimals: 1) == "350.0" && CentreDecoder.reading(7, decimals: 2) == "0.07")
    }

    @Test func operationRecordsAndDeviceUnits() throws {
        let op = try decodeOne(GB26875DataUnit(.operationRecord, objects: [try GB26875Object.operationRecord(system, operations: [.confirm], operatorNumber: 7, time: time)]))
        #expect(op["operations"] == ["confirm"] && op["operator"] == 7 && op["system"] == ["type": 11, "address": 1, "name": "hydrant"])
        let state = try decodeOne(GB26875DataUnit(.deviceStatus, objects: [try GB26875Object.deviceStatus([.monitoring, .lineFault], time: time)]))
        #expect(state["kind"] == "device-status" && state["state"] == ["monitoring", "line-fault"])
        let dop = try decodeOne(GB26875DataUnit(.deviceOperation, objects: [try GB26875Object.deviceOperation([.reset, .confirm], operatorNumber: 0, time: time)]))
        #expect(dop["operations"] == ["reset", "roll-call-answered"])
    }

    /// A response (command 5) to a read carries the upload unit of what was read: the device's
    /// time (28) is the 6-byte time alone; a facility's system time (8) has its system first.
    @Test func responsesAndTimeUnits() throws {
        let data = try GB26875DataUnit(.deviceTime, objects: [try GB26875Object.deviceTime(time)]).encoded()
        guard case .success(let f) = CentreDecoder.decode(try frame(data, serial: 77, command: .response)) else { Issue.record("refused"); return }
        #expect(f.command == "response" && f.serial == 77)
        #expect(f.units == [["type": 28, "kind": "device-time", "time": "2026-12-07T21:05:09"]])
        let facility: [UInt8] = [8, 1, 11, 1, 9, 5, 21, 7, 12, 26]
        guard case .success(let g) = CentreDecoder.decode(try frame(facility, command: .response)) else { Issue.record("refused"); return }
        #expect(g.units.first?["system"]?["name"] == "hydrant" && g.units.first?["time"] == "2026-12-07T21:05:09")
        // A response without data units is refused like a send-data frame without them.
        guard case .failure = CentreDecoder.decode(try frame([], command: .response)) else { Issue.record("accepted"); return }
    }

    @Test func severalObjectsAndUnitsInOneFrame() throws {
        let a = try GB26875DataUnit(.analogValue, objects: [
            try GB26875Object.analogValue(system, component, analogType: 2, value: 310, time: time),
            try GB26875Object.analogValue(system, component, analogType: 2, value: 305, time: time),
        ]).encoded()
        let b = try GB26875DataUnit(.deviceStatus, objects: [try GB26875Object.deviceStatus(.monitoring, time: time)]).encoded()
        guard case .success(let f) = CentreDecoder.decode(try frame(a + b)) else { Issue.record("refused"); return }
        #expect(f.units.map { $0["kind"] } == ["analog-value", "analog-value", "device-status"])
    }

    @Test func checksumErrorsAreRefusedWithTheSerial() throws {
        var bytes = try frame(try GB26875DataUnit(.deviceStatus, objects: [try GB26875Object.deviceStatus(.monitoring, time: time)]).encoded())
        bytes[bytes.count - 3] &+= 1
        guard case .failure(let e) = CentreDecoder.decode(bytes) else { Issue.record("accepted a bad checksum"); return }
        #expect(e.message.hasPrefix("checksum") && e.serial == 0x1234)
        // A changed data byte with the old checksum.
        bytes[bytes.count - 3] &-= 1
        bytes[28] ^= 0x01
        guard case .failure(let e2) = CentreDecoder.decode(bytes) else { Issue.record("accepted a changed byte"); return }
        #expect(e2.message.hasPrefix("checksum"))
    }

    @Test func truncatedFramesAndUnits() throws {
        let bytes = try frame(try GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(system, component, analogType: 5, value: 1, time: time)]).encoded())
        for n in [1, 2, 10, 26, 27, bytes.count - 1] {
            #expect(CentreDecoder.cut(Array(bytes.prefix(n))) == .needMore, "prefix \(n)")
        }
        // A whole frame whose data unit claims two objects but carries one.
        var data = try GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(system, component, analogType: 5, value: 1, time: time)]).encoded()
        data[1] = 2
        guard case .failure(let e) = CentreDecoder.decode(try frame(data)) else { Issue.record("accepted"); return }
        #expect(e.message == "data unit type 3: 2 objects of 16 bytes need 32, 16 left")
        // An end mark missing; a confirm with data; an unknown type; a bad time label.
        var noEnd = bytes
        noEnd[noEnd.count - 1] = 0
        #expect(failure(noEnd) == "no end mark ##")
        #expect(failure(try frame([1, 2, 3], command: .confirm)) == "a confirm carries 3 data bytes (expected none)")
        #expect(failure(try frame([200, 1, 0])) == "data unit type 200 is not one a device uploads (table 3)")
        var badTime = try GB26875DataUnit(.deviceStatus, objects: [try GB26875Object.deviceStatus(.monitoring, time: time)]).encoded()
        badTime[4] = 61
        #expect(failure(try frame(badTime))?.hasPrefix("device-status object with an invalid time label") == true)
    }

    func failure(_ bytes: [UInt8]) -> String? {
        if case .failure(let e) = CentreDecoder.decode(bytes) { return e.message }
        return nil
    }

    @Test func garbageIsSkippedUpToTheNextStartMark() throws {
        let good = try frame(try GB26875DataUnit(.deviceStatus, objects: [try GB26875Object.deviceStatus(.monitoring, time: time)]).encoded())
        var stream: [UInt8] = Array("GET / HTTP/1.0\r\n\r\n".utf8) + good
        var frames = 0, skipped = 0
        while true {
            switch CentreDecoder.cut(stream) {
            case .needMore: break
            case .skip(let n, _):
                skipped += n
                stream.removeFirst(n)
                continue
            case .frame(let s, let l):
                if case .success = CentreDecoder.decode(Array(stream[s..<(s + l)])) { frames += 1 }
                stream.removeFirst(s + l)
                continue
            }
            break
        }
        #expect(frames == 1 && skipped == 18 && stream.isEmpty)
        // A length over the standard's limit is skipped, not waited for.
        var huge = good
        huge[24] = 0xFF
        huge[25] = 0xFF
        if case .skip(2, let why) = CentreDecoder.cut(huge) { #expect(why.contains("65535")) } else { Issue.record("waited for 65535 bytes") }
    }
}
