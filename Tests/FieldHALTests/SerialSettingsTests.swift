import Testing
import FieldHAL

@Suite struct SerialSettingsTests {
    @Test func framingIsParsedTheWayTechniciansWriteIt() throws {
        let s = try SerialSettings(parsing: "9600 8E1")
        #expect(s.baud == 9600 && s.dataBits == 8 && s.parity == .even && s.stopBits == 1)
        #expect(s.description == "9600 8E1")
        #expect(try SerialSettings(parsing: "19200  7o2") == SerialSettings(baud: 19_200, dataBits: 7, parity: .odd, stopBits: 2))
        #expect(SerialSettings.console.description == "115200 8N1")
    }

    @Test func impossibleSettingsAreRefusedWithTheReason() {
        #expect(throws: SerialSettingsError("\"8X1\": expected framing like 8N1, 8E1 or 7O2")) { try SerialSettings(parsing: "9600 8X1") }
        #expect(throws: SerialSettingsError("\"9600\": expected baud and framing, like \"9600 8N1\"")) { try SerialSettings(parsing: "9600") }
        #expect(throws: SerialSettingsError.self) { try SerialSettings(parsing: "9601 8N1") }
        #expect(throws: SerialSettingsError("9 data bits: expected 5 to 8")) { try SerialSettings(dataBits: 9) }
        #expect(throws: SerialSettingsError("3 stop bits: expected 1 or 2")) { try SerialSettings(stopBits: 3) }
        #expect(throws: SerialSettingsError("VMIN 300: expected 0 to 255")) { try SerialSettings(minimumBytes: 300) }
        #expect(throws: SerialSettingsError.self) { try SerialSettings(interByteTimeout: .seconds(30)) }
    }

    @Test func characterTimeFollowsBaudAndFraming() throws {
        let modbus = try SerialSettings(parsing: "9600 8E1")
        #expect(modbus.bitsPerCharacter == 11)
        #expect(modbus.characterTime == .nanoseconds(1_145_833))
        #expect(try SerialSettings(parsing: "9600 8N1").bitsPerCharacter == 10)
        #expect(try SerialSettings(parsing: "115200 8N1").characterTime == .nanoseconds(86_805))
    }
}
