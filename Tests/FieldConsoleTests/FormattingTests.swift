import FieldCore
import Testing
@testable import FieldConsole
import FieldDevices

@Suite struct FormattingTests {
    @Test func helpFitsAnEightyColumnTerminalWithoutBreakingWords() {
        let r = CommandRegistry.standard()
        let overview = r.overview(for: .admin, width: 80)
        #expect(overview.allSatisfy { displayWidth($0) <= 79 }, "\(overview.filter { displayWidth($0) > 79 })")
        #expect(overview.contains("    modbus scan BUS [FROM-TO]               find which unit ids answer (default"), "\(overview)")
        for spec in r.specs {
            let lines = r.help(for: spec.words, width: 80, buses: ["pumps", "pole"]) ?? []
            #expect(lines.allSatisfy { displayWidth($0) <= 79 || !$0.contains(" ") }, "\(spec.name): \(lines)")
        }
        let read = r.help(for: ["modbus", "read"], width: 80, buses: ["pumps", "pole"]) ?? []
        #expect(read.contains("  modbus read pumps 3 3 0 2"), "examples name the site's buses: \(read)")
    }

    @Test func tablesGoOnBetweenWordsInTheirLastColumn() {
        var t = TextTable(["alarm", "message"])
        t.add(["lamp-3/comm-lost", "lamp-3 does not answer (timeout) and has not answered for a long while now, check its wiring"])
        let lines = t.lines(fitting: 60)
        #expect(lines.allSatisfy { displayWidth($0) <= 59 }, "\(lines)")
        #expect(lines[1].hasPrefix("lamp-3/comm-lost  lamp-3 does not answer"))
        #expect(lines[2].hasPrefix(String(repeating: " ", count: 18)) && !lines[2].hasPrefix(String(repeating: " ", count: 19)), "\(lines)")
    }

    @Test func wordOrdersOfOneFloat() {
        // 1.5f is 0x3FC00000: stored ABCD as 3FC0 0000, CDAB as 0000 3FC0, BADC as C03F 0000, DCBA as 0000 C03F.
        #expect(WordOrder.abcd.combine(0x3FC0, 0x0000) == 0x3FC0_0000)
        #expect(WordOrder.cdab.combine(0x0000, 0x3FC0) == 0x3FC0_0000)
        #expect(WordOrder.badc.combine(0xC03F, 0x0000) == 0x3FC0_0000)
        #expect(WordOrder.dcba.combine(0x0000, 0xC03F) == 0x3FC0_0000)
        let table = WordOrder.table(0x0000, 0x3FC0)
        #expect(table[0].hasPrefix("order"))
        #expect(table.contains { $0.hasPrefix("CDAB") && $0.contains(" 1.5 ") && $0.contains("1069547520") })
        #expect(table.contains { $0.hasPrefix("ABCD") && $0.contains("00 00 3F C0") && $0.contains("16320") })
    }

    @Test func sparklineMergesBucketsKeepingExtremesAndShowsGaps() {
        let start = Timestamp(seconds: 0)
        var stored: [TrendBucket] = []
        for s in 0..<60 where !(20..<30).contains(s) {
            let v = Double(s)
            stored.append(TrendBucket(start: start + .seconds(s), duration: .seconds(1), minimum: v - 0.5, maximum: v + 0.5, mean: v, count: 2))
        }
        let columns = Sparkline.columns(stored, from: start, to: start + .seconds(60), count: 6)
        let buckets = columns.map { $0?.mean }
        #expect(buckets == [4.5, 14.5, nil, 34.5, 44.5, 54.5])
        #expect(columns[0]?.minimum == -0.5)
        #expect(columns[5]?.maximum == 59.5)
        #expect(columns[1]?.count == 20)
        #expect(Sparkline.render(buckets, ascii: false) == "▁▂ ▅▇█")
        #expect(Sparkline.render(buckets, ascii: true) == "_. ~+#")
        #expect(Sparkline.render([2, 2], ascii: true) == "~~")
        #expect(Sparkline.render([nil, nil], ascii: false) == "  ")
    }

    /// Issue 17: values a float register can hold made the scale infinite, and `Int(nan)` trapped.
    @Test func sparklineOfExtremeValuesDoesNotTrap() {
        let big = Double.greatestFiniteMagnitude
        #expect(Sparkline.render([-big, 0, big], ascii: true).count == 3)
        #expect(Sparkline.render([-big, big], ascii: false).count == 2)
    }

    @Test func tablesAlignByDisplayColumns() {
        var t = TextTable(["a", "b"])
        t.add(["泵房", "x"])
        t.add(["pump-room", "y"])
        #expect(t.lines == ["a          b", "泵房       x", "pump-room  y"])
    }

    @Test func deviceDataCannotDriveTheTerminal() {
        #expect(sanitized("ok\u{1B}[2Jbad\u{9B}x\nnext") == "ok?[2Jbad?x\r\nnext")
    }
}
