import Testing
@testable import FieldConsole

/// A completion provider with fixed words.
private struct FixedCompleter: CompletionProvider {
    var words: [String]
    func candidates(words before: [String], partial: String) -> [String] {
        before.isEmpty ? words : ["hydrant-main.", "hydrant-north."].filter { _ in before == ["read"] }
    }
}

/// Drives an editor like a session does and keeps the whole screen output.
private struct Harness {
    var editor: LineEditor
    var screen: [UInt8] = []
    var events: [EditorEvent] = []

    init(_ mode: TerminalMode, width: Int = 80, limits: LineEditor.Limits = LineEditor.Limits(), completer: (any CompletionProvider)? = nil) {
        editor = LineEditor(mode: mode, width: width, limits: limits, completer: completer)
        screen = editor.begin(prompt: "> ")
    }

    /// Feeds bytes; starts a new line after each event, like the session.
    mutating func type(_ bytes: [UInt8], byteByByte: Bool = false) {
        let chunks = byteByByte ? bytes.map { [$0] } : [bytes]
        for chunk in chunks {
            editor.receive(chunk)
            while true {
                let (out, event) = editor.step()
                screen += out
                guard let event else { break }
                events.append(event)
                screen += editor.begin(prompt: "> ")
            }
        }
    }

    mutating func type(_ s: String, byteByByte: Bool = false) { type(Array(s.utf8), byteByByte: byteByByte) }

    var lines: [String] { events.compactMap { if case .line(let l) = $0 { l } else { nil } } }
    var model: ScreenModel { ScreenModel(screen) }
}

@Suite struct LineEditorTests {
    @Test func ctrlLClearsTheScreenOnAnANSITerminalAndDrawsTheLineAgain() {
        var e = LineEditor(mode: .ansi)
        _ = e.begin(prompt: "> ")
        e.receive(Array("abc".utf8) + [0x0C])
        let out = String(decoding: e.step().output, as: UTF8.self)
        #expect(out.contains("\u{1B}[H\u{1B}[2J"), "\(out)")
        #expect(out.hasSuffix("> abc") || out.contains("> abc"), "\(out)")
        #expect(e.currentLine == "abc")
    }

    static let left = "\u{1B}[D", right = "\u{1B}[C", up = "\u{1B}[A", down = "\u{1B}[B", delete = "\u{1B}[3~"

    @Test(arguments: TerminalMode.allCases, [false, true])
    func editingKeysGiveTheRightLine(mode: TerminalMode, byteByByte: Bool) {
        let cases: [(String, String)] = [
            ("status\r", "status"),
            ("statsu\u{7F}\u{7F}us\r", "status"),
            ("statsu\u{08}\u{08}us\r", "status"),
            ("sttus" + Self.left + Self.left + Self.left + "a\r", "status"),
            ("tatus\u{01}s\r", "status"),
            ("tatus\u{1B}[Hs\r", "status"),
            ("tatus\u{1B}OHs\r", "status"),
            ("tatus\u{1B}[1~s\r", "status"),
            ("statu\u{01}\u{05}s\r", "status"),
            ("statu\u{01}\u{1B}[Fs\r", "status"),
            ("statu\u{01}\u{1B}[4~s\r", "status"),
            ("statu\u{01}\u{1B}OFs\r", "status"),
            ("sxtatus\u{01}" + Self.right + Self.delete + "\r", "status"),
            ("sxtatus\u{01}\u{06}\u{04}\r", "status"),
            ("junk words\u{15}status\r", "status"),
            ("read junk\u{17}status\r", "read status"),
            ("status extra\u{01}\u{1B}[C\u{1B}[C\u{1B}[C\u{1B}[C\u{1B}[C\u{1B}[C\u{0B}\r", "status"),
            ("status\n", "status"),
            ("status\r\n", "status"),
        ]
        for (input, expected) in cases {
            var h = Harness(mode)
            h.type(input, byteByByte: byteByByte)
            #expect(h.lines == [expected], "input \(input.debugDescription)")
            // The screen shows what was submitted: the prompt row before the final newline.
            let rows = h.model.text
            #expect(rows[rows.count - 2] == "> " + expected, "screen for \(input.debugDescription)")
        }
    }

    @Test func plainModeNeverSendsEscapeSequences() {
        var h = Harness(.plain)
        h.type("sttus" + Self.left + Self.left + Self.left + "a" + Self.right + Self.delete + "\u{01}x\u{05}\u{15}" + "one\r" + Self.up + "\u{17}two\r")
        #expect(!h.screen.contains(0x1B))
        #expect(h.lines == ["one", "two"])
        #expect(h.model.text.contains("> two"))
    }

    @Test(arguments: TerminalMode.allCases)
    func ctrlCDropsTheLine(mode: TerminalMode) {
        var h = Harness(mode)
        h.type("modbus write rs485-1 3 6 0 1\u{03}status\r")
        #expect(h.lines == ["status"])
        guard case .cancelled = h.events.first else { return #expect(Bool(false), "Ctrl-C must cancel") }
        #expect(h.model.text.contains("> modbus write rs485-1 3 6 0 1^C"))
    }

    @Test func ctrlDOnAnEmptyLineEndsInputElsewhereDeletes() {
        var h = Harness(.ansi)
        h.type("ab\u{01}\u{04}\r\u{04}")
        #expect(h.lines == ["b"])
        guard case .endOfInput = h.events.last else { return #expect(Bool(false), "Ctrl-D on an empty line must end input") }
    }

    @Test func historyUpDownKeepsTheDraftAndIsBounded() {
        var h = Harness(.ansi, limits: LineEditor.Limits(historyEntries: 3))
        h.type("one\rtwo\rthree\rfour\rfour\r")
        #expect(h.editor.history == ["two", "three", "four"])
        h.type("draft" + Self.up + Self.up + "\r")
        #expect(h.lines.last == "three")
        h.type(Self.up + Self.down + Self.down + "\r")
        #expect(h.lines.last == "")
        h.type("dra" + Self.up + Self.down + "ft\r")
        #expect(h.lines.last == "draft")
        h.type("\u{1B}[")
        h.type("A\r")
        #expect(h.lines.last == "draft")
    }

    @Test(arguments: TerminalMode.allCases)
    func tabCompletesUniqueAndCommonPrefixAndListsOnSecondTab(mode: TerminalMode) {
        var h = Harness(mode, completer: FixedCompleter(words: ["status", "show", "modbus", "maintenance"]))
        h.type("st\t\r")
        #expect(h.lines.last == "status ")
        h.type("m\t")
        #expect(h.editor.currentLine == "m")
        h.type("\t")
        #expect(h.model.text.contains { $0.contains("maintenance") && $0.contains("modbus") })
        #expect(h.model.currentLine == "> m")
        h.type("o\t\r")
        #expect(h.lines.last == "modbus ")
        h.type("read hy\t")
        #expect(h.editor.currentLine == "read hydrant-")
        h.type("m\t\r")
        #expect(h.lines.last == "read hydrant-main.")
        h.type("zz\t\r")
        #expect(h.lines.last == "zz")
        if mode == .plain { #expect(!h.screen.contains(0x1B)) }
    }

    @Test(arguments: TerminalMode.allCases)
    func overlongInputIsRefusedWithABell(mode: TerminalMode) {
        var h = Harness(mode, limits: LineEditor.Limits(lineBytes: 64))
        h.type(String(repeating: "x", count: 200) + "\r")
        #expect(h.lines == [String(repeating: "x", count: 64)])
        #expect(h.screen.filter { $0 == 0x07 }.count == 136)
    }

    @Test(arguments: TerminalMode.allCases)
    func longLinesScrollSidewaysWithinTheWidth(mode: TerminalMode) {
        var h = Harness(mode, width: 20)
        let long = "config set site.name abcdefghijklmnopqrstuvwxyz"
        h.type(long)
        for row in h.model.text { #expect(row.count < 20, "row \(row)") }
        #expect(h.model.currentLine.hasSuffix("vwxyz"))
        h.type("\u{01}")
        #expect(h.model.currentLine.hasPrefix("> config"))
        #expect(h.model.column == 2)
        h.type("\r")
        #expect(h.lines == [long])
        if mode == .plain { #expect(!h.screen.contains(0x1B)) }
    }

    @Test(arguments: TerminalMode.allCases)
    func wideCharactersEditByCharacter(mode: TerminalMode) {
        var h = Harness(mode)
        h.type("config set site.name 泵房七号" + Self.left + "\u{7F}" + "x\r")
        #expect(h.lines == ["config set site.name 泵房x号"])
        #expect(h.model.text.contains("> config set site.name 泵房x号"))
    }

    @Test func passwordsAreNotEchoedNorRemembered() {
        var e = LineEditor(mode: .ansi)
        var screen = e.begin(prompt: "password: ", echo: false)
        e.receive(Array("s3cret-pässword\u{7F}d\r".utf8))
        let (out, event) = e.step()
        screen += out
        guard case .secret(let s)? = event else { return #expect(Bool(false), "expected a secret") }
        #expect(s.matches(SecretBytes(Array("s3cret-pässword".utf8))))
        #expect(String(decoding: screen, as: UTF8.self) == "password: \r\n")
        #expect(e.history.isEmpty)
        #expect(e.heldBytes == 0)
    }

    @Test func randomBytesKeepMemoryBounded() {
        var rng = SystemRandomNumberGenerator()
        var e = LineEditor(mode: .ansi, limits: LineEditor.Limits(lineBytes: 128, historyEntries: 10, queuedKeys: 64),
                           completer: FixedCompleter(words: ["status", "show"]))
        _ = e.begin(prompt: "> ")
        let bound = 128 + 128 + 64 * 4 + KeyDecoder.maximumPending + 2 + 10 * 128 + 128 * 4
        for _ in 0..<2000 {
            e.receive((0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            while case (_, let event?) = e.step() {
                if case .line(let l) = event { #expect(l.utf8.count <= 128) }
                _ = e.begin(prompt: "> ")
            }
            #expect(e.heldBytes <= bound)
        }
    }
}
