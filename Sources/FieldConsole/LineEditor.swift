/// What the line editor reports to the session.
package enum EditorEvent: Sendable {
    /// Enter on an echoed line: the line as typed (never containing control characters).
    case line(String)
    /// Enter on a line typed without echo (a password).
    case secret(SecretBytes)
    /// Ctrl-C: the line was dropped.
    case cancelled
    /// Ctrl-D on an empty line: the user wants to leave.
    case endOfInput
    /// The terminal answered a cursor position query (terminal probe).
    case cursorReport(row: Int, column: Int)
}

/// Offers the words that may come next, for tab completion.
package protocol CompletionProvider {
    /// Candidates for the word being typed.
    /// - Parameters:
    ///   - words: the complete words before it.
    ///   - partial: what has been typed of it so far (candidates not starting with it are dropped).
    func candidates(words: [String], partial: String) -> [String]
}

/// A terminal line editor as a pure state machine: bytes in, screen bytes and events out.
///
/// Works on a dumb serial terminal: in `plain` mode it draws with printable characters, CR, BS
/// and BEL only; in `ansi` mode it also uses cursor movement and erase-to-end-of-line. A line
/// longer than the screen scrolls sideways instead of wrapping. Every buffer is bounded: input
/// beyond `Limits` is refused with a bell and never grows memory.
package struct LineEditor {
    /// Bounds on everything the editor holds.
    package struct Limits: Sendable {
        /// Longest line in UTF-8 bytes (and longest password).
        package var lineBytes: Int
        /// History entries kept.
        package var historyEntries: Int
        /// Keys decoded but not yet handled (typeahead while a command runs).
        package var queuedKeys: Int

        package init(lineBytes: Int = 8192, historyEntries: Int = 100, queuedKeys: Int = 8192) {
            self.lineBytes = max(16, lineBytes)
            self.historyEntries = max(1, historyEntries)
            self.queuedKeys = max(16, queuedKeys)
        }
    }

    package var mode: TerminalMode
    /// Terminal width in columns.
    package var width: Int { didSet { width = max(20, width) } }
    package var completer: (any CompletionProvider)?
    package let limits: Limits

    package private(set) var history: [String] = []
    /// True between `begin` and the event that ends the line.
    package private(set) var isActive = false

    private var decoder = KeyDecoder()
    private var queue: [Key] = []
    private var prompt: [Unicode.Scalar] = []
    private var promptWidth = 0
    private var buffer: [Unicode.Scalar] = []
    private var bufferBytes = 0
    private var cursor = 0
    private var echo = true
    private var recordHistory = true
    private var secret: SecretBytes
    private var historyIndex = 0
    private var draft: [Unicode.Scalar] = []
    private var tabPresses = 0
    private var scrollStart = 0
    /// Columns of line text currently drawn after the prompt (plain mode pads over them).
    private var shownWidth = 0
    private var droppedInput = false

    package init(mode: TerminalMode, width: Int = 80, limits: Limits = Limits(), completer: (any CompletionProvider)? = nil) {
        self.mode = mode
        self.width = max(20, width)
        self.limits = limits
        self.completer = completer
        secret = SecretBytes(capacity: limits.lineBytes)
        queue.reserveCapacity(limits.queuedKeys)
    }

    /// Starts a new line: returns the prompt to print.
    /// - Parameters:
    ///   - echo: false for passwords: nothing typed is shown, kept in history or completed.
    ///   - recordHistory: whether the line goes into the history (command lines, not answers).
    package mutating func begin(prompt: String, echo: Bool = true, recordHistory: Bool = true) -> [UInt8] {
        self.prompt = Array(prompt.unicodeScalars)
        promptWidth = displayWidth(self.prompt)
        self.echo = echo
        self.recordHistory = recordHistory && echo
        clearLine()
        historyIndex = history.count
        tabPresses = 0
        isActive = true
        return Array(prompt.utf8)
    }

    /// Queues bytes from the terminal. Keys beyond `limits.queuedKeys` are dropped (a bell
    /// follows at the next step).
    package mutating func receive(_ bytes: some Sequence<UInt8>) {
        var keys: [Key] = []
        for b in bytes {
            keys.removeAll(keepingCapacity: true)
            decoder.decode(CollectionOfOne(b), into: &keys)
            for k in keys {
                if queue.count < limits.queuedKeys { queue.append(k) } else { droppedInput = true }
            }
        }
    }

    /// Ends a half-received escape sequence after the terminal went quiet.
    package mutating func terminalWentQuiet() {
        if let k = decoder.flush(), queue.count < limits.queuedKeys { queue.append(k) }
    }

    /// Handles queued keys until one ends the line (or none are left).
    /// - Returns: bytes to write to the terminal, and the event that ended the line, if any.
    ///   While no line is active, only cursor reports are taken from the queue.
    package mutating func step() -> (output: [UInt8], event: EditorEvent?) {
        var out: [UInt8] = []
        if droppedInput {
            droppedInput = false
            out.append(0x07)
        }
        guard isActive else {
            if let i = queue.firstIndex(where: { if case .cursorReport = $0 { true } else { false } }),
               case .cursorReport(let row, let column) = queue.remove(at: i) {
                return (out, .cursorReport(row: row, column: column))
            }
            return (out, nil)
        }
        var consumed = 0
        defer { dropFromQueue(consumed) }
        // Pasted text (a run of characters) on a line wider than the screen goes into the line
        // first and is drawn once: a 4 KB profile pasted into a scrolled line would otherwise
        // redraw the visible part for every character (slow on a 115200-baud serial line).
        var dirty = false
        while consumed < queue.count {
            let key = queue[consumed]
            consumed += 1
            if echo, case .text(let c) = key, consumed < queue.count, case .text = queue[consumed],
               dirty || scrollStart > 0 || displayWidth(buffer) >= available {
                tabPresses = 0
                let size = String(c).utf8.count
                if bufferBytes + size <= limits.lineBytes {
                    buffer.insert(c, at: cursor)
                    bufferBytes += size
                    cursor += 1
                } else {
                    out.append(0x07)
                }
                dirty = true
                continue
            }
            if dirty {
                refresh(into: &out)
                dirty = false
            }
            if let event = handle(key, into: &out) { return (out, event) }
        }
        if dirty { refresh(into: &out) }
        return (out, nil)
    }

    /// Takes every queued key; true when there was a key press among them (not just terminal
    /// reports). `watch` and `modbus scan` stop on any key.
    package mutating func takeKeyPress() -> Bool {
        let pressed = queue.contains { if case .cursorReport = $0 { false } else { true } }
        dropFromQueue(queue.count)
        return pressed
    }

    /// Drops the typeahead (after a failed login, so guessed passwords are not replayed).
    package mutating func discardQueuedInput() { dropFromQueue(queue.count) }

    /// Forgets the history (at logout: the next user must not see it).
    package mutating func clearHistory() {
        history.removeAll()
        historyIndex = 0
    }

    /// Bytes of input the editor holds, for checking that it stays bounded.
    package var heldBytes: Int {
        bufferBytes + secret.count + queue.count * 4 + decoder.pendingByteCount + history.reduce(0) { $0 + $1.utf8.count }
            + draft.count * 4
    }

    /// The line as typed so far (tests and redraw after output).
    package var currentLine: String { String(String.UnicodeScalarView(buffer)) }

    /// Draws the prompt and the line again on a fresh row, after a command printed something in
    /// the middle of editing.
    package mutating func redraw() -> [UInt8] {
        var out: [UInt8] = []
        shownWidth = 0
        refresh(into: &out)
        return out
    }

    // MARK: - Keys

    private mutating func handle(_ key: Key, into out: inout [UInt8]) -> EditorEvent? {
        if case .tab = key {
            tabPresses += 1
        } else {
            tabPresses = 0
        }
        guard echo else { return handleSecret(key, into: &out) }
        switch key {
        case .text(let s): insert(s, into: &out)
        case .enter:
            out += [0x0D, 0x0A]
            let line = currentLine
            if recordHistory { remember(line) }
            clearLine()
            isActive = false
            return .line(line)
        case .backspace: deleteBackward(into: &out)
        case .delete: deleteForward(into: &out)
        case .left: move(to: cursor - 1, into: &out)
        case .right: move(to: cursor + 1, into: &out)
        case .home: move(to: 0, into: &out)
        case .end: move(to: buffer.count, into: &out)
        case .up: recall(-1, into: &out)
        case .down: recall(+1, into: &out)
        case .tab: complete(into: &out)
        case .cursorReport(let row, let column): return .cursorReport(row: row, column: column)
        case .invalidText: out.append(0x07)
        case .escape, .ignored: break
        case .control(let c): return control(c, into: &out)
        }
        return nil
    }

    private mutating func control(_ c: UInt8, into out: inout [UInt8]) -> EditorEvent? {
        switch c {
        case 0x01: move(to: 0, into: &out)                // Ctrl-A
        case 0x02: move(to: cursor - 1, into: &out)       // Ctrl-B
        case 0x03:                                        // Ctrl-C
            out += Array("^C\r\n".utf8)
            clearLine()
            isActive = false
            return .cancelled
        case 0x04:                                        // Ctrl-D
            if buffer.isEmpty {
                out += [0x0D, 0x0A]
                isActive = false
                return .endOfInput
            }
            deleteForward(into: &out)
        case 0x05: move(to: buffer.count, into: &out)     // Ctrl-E
        case 0x06: move(to: cursor + 1, into: &out)       // Ctrl-F
        case 0x0B: kill(cursor..<buffer.count, into: &out)  // Ctrl-K
        case 0x0C:                                        // Ctrl-L: clear the screen (ANSI), draw the line
            if mode == .ansi { out += Array("\u{1B}[H\u{1B}[2J".utf8) }
            out += redraw()
        case 0x0E: recall(+1, into: &out)                 // Ctrl-N
        case 0x10: recall(-1, into: &out)                 // Ctrl-P
        case 0x15: kill(0..<cursor, into: &out)           // Ctrl-U
        case 0x17:                                        // Ctrl-W
            var start = cursor
            while start > 0 && buffer[start - 1] == " " { start -= 1 }
            while start > 0 && buffer[start - 1] != " " { start -= 1 }
            kill(start..<cursor, into: &out)
        default: break
        }
        return nil
    }

    private mutating func handleSecret(_ key: Key, into out: inout [UInt8]) -> EditorEvent? {
        switch key {
        case .text(let s):
            let bytes = Array(String(s).utf8)
            guard secret.count + bytes.count <= secret.capacity else {
                out.append(0x07)
                return nil
            }
            for b in bytes { secret.append(b) }
        case .backspace: secret.removeLastCharacter()
        case .enter:
            out += [0x0D, 0x0A]
            let typed = secret.copy()
            secret.wipe()
            isActive = false
            return .secret(typed)
        case .control(0x03):
            out += Array("^C\r\n".utf8)
            secret.wipe()
            isActive = false
            return .cancelled
        case .control(0x04) where secret.isEmpty:
            out += [0x0D, 0x0A]
            isActive = false
            return .endOfInput
        case .control(0x15): secret.wipe()
        case .cursorReport(let row, let column): return .cursorReport(row: row, column: column)
        default: break
        }
        return nil
    }

    // MARK: - Editing

    private mutating func insert(_ s: Unicode.Scalar, into out: inout [UInt8]) {
        let size = String(s).utf8.count
        guard bufferBytes + size <= limits.lineBytes else {
            out.append(0x07)
            return
        }
        buffer.insert(s, at: cursor)
        bufferBytes += size
        cursor += 1
        let w = displayWidth(s)
        if cursor == buffer.count, scrollStart == 0, w > 0, displayWidth(buffer) <= available {
            out += Array(String(s).utf8)
            shownWidth += w
        } else {
            refresh(into: &out)
        }
    }

    private mutating func deleteBackward(into out: inout [UInt8]) {
        guard cursor > 0 else {
            out.append(0x07)
            return
        }
        let removed = buffer.remove(at: cursor - 1)
        bufferBytes -= String(removed).utf8.count
        cursor -= 1
        let w = displayWidth(removed)
        if cursor == buffer.count, scrollStart == 0, w > 0, shownWidth == displayWidth(buffer) + w {
            let back = [UInt8](repeating: 0x08, count: w)
            out += back + [UInt8](repeating: 0x20, count: w) + back
            shownWidth -= w
        } else {
            refresh(into: &out)
        }
    }

    private mutating func deleteForward(into out: inout [UInt8]) {
        guard cursor < buffer.count else { return }
        kill(cursor..<cursor + 1, into: &out)
    }

    private mutating func kill(_ range: Range<Int>, into out: inout [UInt8]) {
        guard !range.isEmpty else { return }
        bufferBytes -= buffer[range].reduce(0) { $0 + String($1).utf8.count }
        buffer.removeSubrange(range)
        cursor = range.lowerBound
        refresh(into: &out)
    }

    private mutating func move(to position: Int, into out: inout [UInt8]) {
        let p = min(max(0, position), buffer.count)
        guard p != cursor else { return }
        cursor = p
        refresh(into: &out)
    }

    private mutating func recall(_ direction: Int, into out: inout [UInt8]) {
        guard recordHistory else { return }
        let target = historyIndex + direction
        guard target >= 0, target <= history.count else {
            out.append(0x07)
            return
        }
        if historyIndex == history.count { draft = buffer }
        historyIndex = target
        buffer = target == history.count ? draft : Array(history[target].unicodeScalars)
        if target == history.count { draft = [] }
        bufferBytes = buffer.reduce(0) { $0 + String($1).utf8.count }
        cursor = buffer.count
        refresh(into: &out)
    }

    private mutating func remember(_ line: String) {
        guard !line.allSatisfy({ $0 == " " }), history.last != line else { return }
        history.append(line)
        if history.count > limits.historyEntries { history.removeFirst(history.count - limits.historyEntries) }
    }

    private mutating func clearLine() {
        buffer.removeAll(keepingCapacity: true)
        draft.removeAll()
        bufferBytes = 0
        cursor = 0
        scrollStart = 0
        shownWidth = 0
        secret.wipe()
    }

    private mutating func dropFromQueue(_ n: Int) {
        guard n > 0 else { return }
        // Overwrite consumed keys first: they may be a password's characters.
        for i in 0..<n { queue[i] = .ignored }
        queue.removeFirst(n)
    }

    // MARK: - Completion

    private mutating func complete(into out: inout [UInt8]) {
        guard let completer else {
            out.append(0x07)
            return
        }
        let before = String(String.UnicodeScalarView(buffer[0..<cursor]))
        let (words, partial) = CommandTokenizer.splitForCompletion(before)
        let candidates = Array(Set(completer.candidates(words: words, partial: partial).filter { $0.hasPrefix(partial) })).sorted()
        guard !candidates.isEmpty else {
            out.append(0x07)
            return
        }
        if candidates.count == 1 {
            let c = candidates[0]
            let ends = c.hasSuffix(".") || c.hasSuffix("/") || c.hasSuffix("[")
            insertCompletion(String(c.dropFirst(partial.count)) + (ends ? "" : " "), into: &out)
            return
        }
        let common = commonPrefix(candidates)
        if common.count > partial.count {
            insertCompletion(String(common.dropFirst(partial.count)), into: &out)
        } else if tabPresses >= 2 {
            list(candidates, into: &out)
        } else {
            out.append(0x07)
        }
    }

    private mutating func insertCompletion(_ text: String, into out: inout [UInt8]) {
        for s in text.unicodeScalars {
            let size = String(s).utf8.count
            guard bufferBytes + size <= limits.lineBytes else {
                out.append(0x07)
                break
            }
            buffer.insert(s, at: cursor)
            bufferBytes += size
            cursor += 1
        }
        refresh(into: &out)
    }

    private mutating func list(_ candidates: [String], into out: inout [UInt8]) {
        let shown = candidates.prefix(200)
        let columnWidth = (shown.map(displayWidth).max() ?? 0) + 2
        let perRow = max(1, (width - 1) / columnWidth)
        var text = "\r\n"
        for (i, c) in shown.enumerated() {
            let last = i % perRow == perRow - 1 || i == shown.count - 1
            text += last ? c + "\r\n" : c + String(repeating: " ", count: columnWidth - displayWidth(c))
        }
        if candidates.count > shown.count { text += "... and \(candidates.count - shown.count) more\r\n" }
        out += Array(text.utf8)
        out += redraw()
    }

    private func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first.map({ Array($0.unicodeScalars) }) else { return "" }
        for w in words.dropFirst() {
            let s = Array(w.unicodeScalars)
            var n = 0
            while n < min(prefix.count, s.count) && prefix[n] == s[n] { n += 1 }
            prefix.removeSubrange(n...)
        }
        return String(String.UnicodeScalarView(prefix))
    }

    // MARK: - Drawing

    /// Columns for line text: the row minus the prompt and one column kept free, so the cursor
    /// never reaches the last column (terminals differ in how they wrap there).
    private var available: Int { max(1, width - promptWidth - 1) }

    /// Redraws the row: `\r`, prompt, the visible part of the line, then clears what was there
    /// before and puts the cursor back in place.
    private mutating func refresh(into out: inout [UInt8]) {
        let room = available
        if cursor < scrollStart { scrollStart = cursor }
        while scrollStart < cursor && displayWidth(buffer[scrollStart..<cursor]) > room { scrollStart += 1 }
        var end = scrollStart, shown = 0
        while end < buffer.count {
            let w = displayWidth(buffer[end])
            guard shown + w <= room else { break }
            shown += w
            end += 1
        }
        let cursorColumn = displayWidth(buffer[scrollStart..<cursor])
        out.append(0x0D)
        out += Array(String(String.UnicodeScalarView(prompt)).utf8)
        out += Array(String(String.UnicodeScalarView(buffer[scrollStart..<end])).utf8)
        switch mode {
        case .ansi:
            out += [0x1B, 0x5B, 0x4B]  // ESC [ K: erase to end of line
            let back = shown - cursorColumn
            if back > 0 { out += Array("\u{1B}[\(back)D".utf8) }
        case .plain:
            let pad = max(0, shownWidth - shown)
            out += [UInt8](repeating: 0x20, count: pad)
            out += [UInt8](repeating: 0x08, count: pad + shown - cursorColumn)
        }
        shownWidth = shown
    }
}
