import FieldCore
import FieldDevices

/// What a running command may use: the backend, the user, the terminal (print, confirm, wait for
/// a key), the clock and the audit trail. Made by the session for every command.
final class CommandContext {
    let backend: any ConsoleBackend
    let user: ConsoleUser
    let channel: String
    let mode: TerminalMode
    let width: Int
    let asciiOnly: Bool
    let utcOffsetMinutes: Int
    let registry: CommandRegistry
    private unowned let session: ConsoleSession

    init(session: ConsoleSession, backend: any ConsoleBackend, user: ConsoleUser, channel: String, mode: TerminalMode, width: Int,
         asciiOnly: Bool, utcOffsetMinutes: Int, registry: CommandRegistry) {
        self.session = session
        (self.backend, self.user, self.channel, self.mode, self.width) = (backend, user, channel, mode, width)
        (self.asciiOnly, self.utcOffsetMinutes, self.registry) = (asciiOnly, utcOffsetMinutes, registry)
    }

    var now: Timestamp { session.clock.now() }

    /// Prints text and a newline. Control characters in it (from device data, say) are shown
    /// as `?`, so nothing a device sends can drive the terminal.
    func print(_ text: String = "") throws {
        try session.write(sanitized(text) + "\r\n")
    }

    /// Prints prose (a reply, an error) broken between words to the terminal's width, so the
    /// terminal does not break it mid-word; continuation lines are indented by two.
    func say(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            for l in wrapped(String(line), width: width, indent: "  ") { try print(l) }
        }
    }

    /// Writes terminal control bytes as they are (ANSI mode only).
    func writeControl(_ text: String) throws {
        try session.write(text)
    }

    /// Asks a yes/no question; true only when the user types `yes`.
    func confirm(_ question: String) throws -> Bool {
        try print(question)
        let answer = try session.ask("type yes to go on: ")
        return answer.trimmingCharacters(in: " ").lowercased() == "yes"
    }

    /// Reads a password without echo; nil when cancelled with Ctrl-C.
    func readSecret(_ prompt: String) throws -> SecretBytes? {
        try session.askSecret(prompt)
    }

    /// Waits up to `duration` for a key press (which is consumed); true when one came.
    func keyPressed(within duration: Duration) throws -> Bool {
        try session.waitForKey(duration)
    }

    /// Fails unless the user has `role`.
    func require(_ role: Role, for what: String) throws {
        guard user.role >= role else {
            throw UsageError("\(what) needs the \(role.rawValue) role; \(user.name) is \(user.role.rawValue)")
        }
    }

    /// Records one change in the audit trail.
    func audit(_ action: String, _ target: String, old: String? = nil, new: String? = nil) {
        backend.recordAudit(AuditEntry(time: now, user: user.name, channel: "console \(channel)", action: action, target: target, old: old, new: new))
    }

    /// `2026-01-01 08:00:00` in the site's local time.
    func local(_ t: Timestamp) -> String {
        let c = CivilTime(t, offsetMinutes: utcOffsetMinutes)
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2)) \(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
    }

    /// `08:00:00` in the site's local time.
    func localTime(_ t: Timestamp) -> String { String(local(t).suffix(8)) }

    /// `3m ago`, `2h ago`, for readings and alarms.
    func age(_ t: Timestamp) -> String {
        let s = max(0, (now - t).milliseconds / 1000)
        if s < 60 { return "\(s)s ago" }
        if s < 3600 { return "\(s / 60)m ago" }
        if s < 86_400 { return "\(s / 3600)h ago" }
        return "\(s / 86_400)d ago"
    }
}

func sanitized(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { isControl($0) || $0 == "\n" }) else { return text }
    var out = String.UnicodeScalarView()
    for s in text.unicodeScalars {
        if s == "\n" {
            out.append("\r")
            out.append("\n")
        } else {
            out.append(isControl(s) ? "?" : s)
        }
    }
    return String(out)
}

private func isControl(_ s: Unicode.Scalar) -> Bool {
    (s.value < 0x20 && s != "\n") || (0x7F...0x9F).contains(s.value)
}

func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

extension String {
    func trimmingCharacters(in c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
