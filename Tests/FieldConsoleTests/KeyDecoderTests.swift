import Testing
@testable import FieldConsole

@Suite struct KeyDecoderTests {
    private func keys(_ bytes: [UInt8], byteByByte: Bool = false) -> [Key] {
        var d = KeyDecoder()
        var out: [Key] = []
        if byteByByte {
            for b in bytes { out += d.decode(b) }
        } else {
            d.decode(bytes, into: &out)
        }
        return out
    }

    private func keys(_ s: String, byteByByte: Bool = false) -> [Key] { keys(Array(s.utf8), byteByByte: byteByByte) }

    @Test(arguments: [
        ("\u{1B}[A", Key.up), ("\u{1B}[B", .down), ("\u{1B}[C", .right), ("\u{1B}[D", .left),
        ("\u{1B}[H", .home), ("\u{1B}[F", .end), ("\u{1B}[1~", .home), ("\u{1B}[4~", .end), ("\u{1B}[7~", .home), ("\u{1B}[8~", .end),
        ("\u{1B}OH", .home), ("\u{1B}OF", .end), ("\u{1B}OA", .up), ("\u{1B}OD", .left),
        ("\u{1B}[3~", .delete), ("\u{1B}[1;5C", .right), ("\u{1B}[5~", .ignored), ("\u{1B}[24;80R", .cursorReport(row: 24, column: 80)),
        ("\u{08}", .backspace), ("\u{7F}", .backspace), ("\t", .tab), ("\u{03}", .control(3)), ("\u{01}", .control(1)),
    ])
    func sequences(_ input: String, _ expected: Key) {
        #expect(keys(input) == [expected])
        #expect(keys(input, byteByByte: true) == [expected])
    }

    @Test func lineEndings() {
        #expect(keys("a\rb") == [.text("a"), .enter, .text("b")])
        #expect(keys("a\nb") == [.text("a"), .enter, .text("b")])
        #expect(keys("a\r\nb") == [.text("a"), .enter, .text("b")])
        #expect(keys("a\r\nb", byteByByte: true) == [.text("a"), .enter, .text("b")])
        #expect(keys("\r\r") == [.enter, .enter])
        #expect(keys("\n\n") == [.enter, .enter])
        #expect(keys([0x0D, 0x00, 0x61]) == [.enter, .text("a")])
    }

    @Test func utf8SplitAcrossReads() {
        let s = "压力 é 🚒"
        #expect(keys(s, byteByByte: true) == s.unicodeScalars.map { .text($0) })
    }

    @Test func invalidUTF8IsRefusedNotCrashed() {
        // Lone continuation, overlong "/", a surrogate, a lead byte cut by ASCII, C1 control, 0xFF.
        #expect(keys([0x80]) == [.invalidText])
        #expect(keys([0xC0, 0xAF]) == [.invalidText, .invalidText])
        #expect(keys([0xED, 0xA0, 0x80]) == [.invalidText])
        #expect(keys([0xE4, 0x61]) == [.invalidText, .text("a")])
        #expect(keys([0xC2, 0x85]) == [.invalidText])
        #expect(keys([0xFF]) == [.invalidText])
    }

    @Test func brokenSequencesGiveWayToTheNextKey() {
        #expect(keys("\u{1B}x") == [.escape, .text("x")])
        #expect(keys("\u{1B}[\u{03}") == [.ignored, .control(3)])
        #expect(keys("\u{1B}\u{1B}[A") == [.escape, .up])
    }

    @Test func overlongSequenceIsSwallowedWithBoundedMemory() {
        var d = KeyDecoder()
        var out: [Key] = []
        d.decode(Array("\u{1B}[".utf8) + [UInt8](repeating: UInt8(ascii: "1"), count: 10_000), into: &out)
        #expect(d.pendingByteCount <= KeyDecoder.maximumPending + 2)
        d.decode(Array("Ax".utf8), into: &out)
        #expect(out == [.ignored, .text("x")])
    }

    @Test func flushEndsALoneEscape() {
        var d = KeyDecoder()
        #expect(d.decode(0x1B).isEmpty)
        #expect(d.flush() == .escape)
        #expect(d.decode(UInt8(ascii: "[")) == [.text("[")])
    }
}
