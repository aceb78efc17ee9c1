import Testing
import FieldCore
import GB26875

/// Frames checked byte by byte against the layout in DOMAIN.md.
@Suite struct GB26875FrameTests {
    let time = CivilTime(year: 2026, month: 11, day: 21, hour: 20, minute: 15, second: 30)

    @Test func aConfirmationFrame() throws {
        let frame = GB26875Frame(serial: 0x0102, time: time, source: GB26875Address(0x0000_0000_00A1),
                                 destination: try #require(GB26875Address(bytes: [1, 2, 3, 4, 5, 6])), command: .confirm)
        let bytes = try frame.encoded()
        let body: [UInt8] = [0x02, 0x01, 1, 0,            // serial (LE), version 1.0
                             30, 15, 20, 21, 11, 26,      // s m h D M Y-2000
                             0xA1, 0, 0, 0, 0, 0,         // source
                             1, 2, 3, 4, 5, 6,            // destination
                             0, 0, 3]                     // data length 0, command "confirm"
        let sum = body.reduce(0) { ($0 + Int($1)) % 256 }
        #expect(bytes == [0x40, 0x40] + body + [UInt8(sum), 0x23, 0x23])
        #expect(bytes.count == GB26875Frame.overhead)
    }

    @Test func dataLengthIsLittleEndianAndInTheChecksum() throws {
        let unit = GB26875DataUnit(.componentStatus, objects: [[GB26875DataUnit.Component.signalValve.rawValue, 0x00], [0x5B, 0x01]])
        let data = try unit.encoded()
        #expect(data == [2, 2, 97, 0, 0x5B, 1])
        let long = Array(repeating: UInt8(0xFF), count: 300)
        let frame = GB26875Frame(serial: 7, time: time, source: GB26875Address(1), destination: GB26875Address(2),
                                 command: .sendData, data: data + long)
        let bytes = try frame.encoded()
        // Length field at offset 2 + 2 + 2 + 6 + 6 + 6 = 24.
        #expect(bytes[24] == UInt8(306 & 0xFF) && bytes[25] == UInt8(306 >> 8) && bytes[26] == 2)
        #expect(Array(bytes[27..<33]) == data)
        let checksum = bytes[bytes.count - 3]
        #expect(checksum == GB26875Frame.checksum(Array(bytes[2..<(bytes.count - 3)])))
        #expect(bytes.suffix(2) == [0x23, 0x23])
    }

    @Test func fieldsThatDoNotFitAreErrors() {
        var frame = GB26875Frame(serial: 1, time: CivilTime(year: 1999, month: 12, day: 31), source: GB26875Address(1),
                                 destination: GB26875Address(2), command: .sendData)
        #expect(throws: GB26875Error.yearOutOfRange(1999)) { try frame.encoded() }
        frame.time = time
        // The standard's limit on the application data unit is 1024 bytes, though the length
        // field could say more: 1024 goes, 1025 is refused with a clear error.
        frame.data = Array(repeating: 0, count: 1024)
        let longest = try? frame.encoded()
        #expect(longest?.count == GB26875Frame.overhead + 1024 && longest?[24] == 0x00 && longest?[25] == 0x04)
        frame.data = Array(repeating: 0, count: 1025)
        #expect(throws: GB26875Error.dataTooLong(1025)) { try frame.encoded() }
        frame.data = Array(repeating: 0, count: 65_536)
        #expect(throws: GB26875Error.dataTooLong(65_536)) { try frame.encoded() }
        #expect(throws: GB26875Error.tooManyObjects(256)) { try GB26875DataUnit(.analogValue, objects: Array(repeating: [0], count: 256)).encoded() }
        #expect(GB26875Address(bytes: [1, 2, 3]) == nil)
        #expect(GB26875Error.dataTooLong(1025).description == "GB 26875.3 frame: 1025 bytes of application data are over the standard's limit of 1024")
    }
}
