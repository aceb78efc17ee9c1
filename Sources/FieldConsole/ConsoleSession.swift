import FieldCore
import FieldDevices

/// How one console line behaves (from the site config's console section).
package struct ConsoleSettings: Sendable {
    /// The line's name, for prompts, the audit trail and per-line lockout: `ttyS1`, `pty`,
    /// `socket`.
    package var line: String
    package var terminal: TerminalModeSetting
    /// Columns, when the terminal does not say (a plain terminal never does).
    package var width: Int
    /// How long an `auto` probe waits for the terminal's answer.
    package var probeTimeout: Duration
    /// No key for this long logs the user out (also during `watch`).
    package var idleTimeout: Duration
    /// Draw only ASCII (sparklines included), for terminals without UTF-8.
    package var asciiOnly: Bool
    package var limits: LineEditor.Limits
    /// The longest single wait for input; idle checks happen at least this often.
    package var tick: Duration

    package init(line: String, terminal: TerminalModeSetting = .auto, width: Int = 80, probeTimeout: Duration = .milliseconds(400),
                idleTimeout: Duration = .minutes(10), asciiOnly: Bool = false, limits: LineEditor.Limits = LineEditor.Limits(),
                tick: Duration = .milliseconds(500)) {
        (self.line, self.terminal, self.width, self.probeTimeout) = (line, terminal, width, probeTimeout)
        (self.idleTimeout, self.asciiOnly, self.limits, self.tick) = (idleTimeout, asciiOnly, limits, tick)
    }
}

/// One technician's session on one console line: terminal probe, login, then commands until
/// logout, idle timeout or the line closes.
///
/// Runs entirely on the thread that calls `run()`: the runtime gives each serial tty, pty and
/// Unix-socket connection a thread of its own. The session blocks that thread on terminal reads
/// (bounded by `ConsoleSettings.tick`) and on backend calls. For a serial line the runtime
/// starts a new session after each one ends; for a socket it closes the connection.
package final class ConsoleSession {
    /// Why a session ended.
    package enum End: Hashable, Sendable {
        /// `logout`, `exit`, or Ctrl-D.
        case logout
        /// No key for `idleTimeout`.
        case idle
        /// The terminal went away.
        case closed
        /// A read or write failed; the text says which call and errno.
        case failed(String)
    }

    let clock: any FieldClock
    private let backend: any ConsoleBackend
    private let terminal: any ConsoleTerminal
    private let loginGuard: LoginGuard
    private let settings: ConsoleSettings
    private let registry = CommandRegistry.standard()
    private var editor: LineEditor
    private var readBuffer = [UInt8](repeating: 0, count: 256)
    private var lastActivity: Timestamp

    /// The drawing mode in use (after the probe, for `auto`).
    package private(set) var mode: TerminalMode
    /// Who is logged in; nil before login and after logout.
    package private(set) var user: ConsoleUser?

    /// - Parameters:
    ///   - backend: the running gateway (or a test double).
    ///   - terminal: the line's bytes in and out.
    ///   - clock: wall time for idle timeouts, lockouts, audit entries and displays.
    ///   - loginGuard: shared by every console line of the gateway.
    package init(backend: any ConsoleBackend, terminal: any ConsoleTerminal, clock: any FieldClock, loginGuard: LoginGuard,
                settings: ConsoleSettings) {
        (self.backend, self.terminal, self.clock, self.loginGuard, self.settings) = (backend, terminal, clock, loginGuard, settings)
        mode = settings.terminal == .plain ? .plain : .ansi
        editor = LineEditor(mode: mode, width: settings.width, limits: settings.limits)
        lastActivity = clock.now()
    }

    /// Runs the session to its end. Never throws: I/O failures end it with `.failed`.
    package func run() -> End {
        var end: End
        do {
            try probeTerminal()
            try write("\r\nFieldgate \(FieldgateVersion.string) console on \(settings.line)\r\n")
            let u = try login()
            user = u
            try commands(as: u)
            end = .logout
        } catch let e as SessionEnded {
            end = e.reason
        } catch let e as ConsoleIOError {
            end = .failed(e.description)
        } catch {
            end = .failed("\(error)")
        }
        if let u = user {
            backend.recordAudit(AuditEntry(time: clock.now(), user: u.name, channel: "console \(settings.line)", action: "logout",
                                           target: settings.line, new: "\(end)"))
            switch end {
            case .logout: try? write("logged out\r\n")
            case .idle: try? write("\r\nidle for \(formatDuration(settings.idleTimeout)): logged out\r\n")
            case .closed, .failed: break
            }
        }
        user = nil
        editor.clearHistory()
        editor.discardQueuedInput()
        return end
    }

    // MARK: - Terminal

    /// Asks the terminal where its cursor is after moving it far right and down: an ANSI terminal
    /// answers with its size; a dumb one prints the query, which is then blanked with spaces.
    private func probeTerminal() throws {
        guard settings.terminal == .auto else { return }
        try write("\u{1B}7\u{1B}[999;999H\u{1B}[6n\u{1B}8")
        let deadline = clock.now() + settings.probeTimeout
        while true {
            if case .cursorReport(_, let column)? = editor.step().event {
                mode = .ansi
                editor.mode = .ansi
                if column >= 20 { editor.width = column }
                return
            }
            let left = deadline - clock.now()
            guard left > .zero else { break }
            try readOnce(timeout: min(left, settings.tick), countsAsActivity: false)
        }
        mode = .plain
        editor.mode = .plain
        try write("\r" + String(repeating: " ", count: 24) + "\r")
    }

    func write(_ text: String) throws {
        try terminal.write(Array(text.utf8))
    }

    /// One read: bytes go to the editor (and the read buffer is wiped: they may be a password).
    private func readOnce(timeout: Duration, countsAsActivity: Bool = true) throws {
        switch try terminal.read(into: &readBuffer, timeout: timeout) {
        case .bytes(let n):
            editor.receive(readBuffer[0..<min(n, readBuffer.count)])
            for i in 0..<readBuffer.count { readBuffer[i] = 0 }
            if countsAsActivity { lastActivity = clock.now() }
        case .timeout:
            editor.terminalWentQuiet()
            if countsAsActivity { try checkIdle() }
        case .closed:
            throw SessionEnded(reason: .closed)
        }
    }

    private func checkIdle() throws {
        let now = clock.now()
        if now < lastActivity { lastActivity = now }
        if now - lastActivity >= settings.idleTimeout { throw SessionEnded(reason: .idle) }
    }

    /// Runs the editor until the line ends; cursor reports are skipped.
    private func nextEvent() throws -> EditorEvent {
        while true {
            let (out, event) = editor.step()
            if !out.isEmpty { try terminal.write(out) }
            if let event {
                if case .cursorReport = event { continue }
                return event
            }
            try readOnce(timeout: settings.tick)
        }
    }

    /// Asks for one line of text (not kept in the history). Ctrl-C gives an empty answer.
    func ask(_ prompt: String) throws -> String {
        try terminal.write(editor.begin(prompt: prompt, echo: true, recordHistory: false))
        switch try nextEvent() {
        case .line(let s): return s
        case .endOfInput, .cancelled, .secret, .cursorReport: return ""
        }
    }

    /// Asks for a password without echo; nil when cancelled.
    func askSecret(_ prompt: String) throws -> SecretBytes? {
        try terminal.write(editor.begin(prompt: prompt, echo: false))
        switch try nextEvent() {
        case .secret(let s): return s
        case .line, .endOfInput, .cancelled, .cursorReport: return nil
        }
    }

    /// Waits up to `duration` for a key press and consumes it.
    func waitForKey(_ duration: Duration) throws -> Bool {
        let deadline = clock.now() + duration
        while true {
            if editor.takeKeyPress() { return true }
            let left = deadline - clock.now()
            try readOnce(timeout: max(.zero, min(left, settings.tick)))
            if editor.takeKeyPress() { return true }
            if clock.now() >= deadline { return false }
        }
    }

    // MARK: - Login

    private func login() throws -> ConsoleUser {
        while true {
            if let lock = loginGuard.lockout(user: nil, line: settings.line, now: clock.now()) {
                try write("too many failed logins on \(settings.line): wait \(secondsUntil(lock.until)) s\r\n")
                try sleepDiscardingInput(until: lock.until)
                continue
            }
            let name = try ask("login: ").trimmingCharacters(in: " ")
            guard !name.isEmpty else { continue }
            guard let secret = try askSecret("password: ") else { continue }
            defer { secret.wipe() }
            let now = clock.now()
            let known = backend.consoleUsers().first { $0.name == name }
            let attempt: LoginGuard.Attempt
            switch loginGuard.begin(user: name, line: settings.line, now: now) {
            case .locked(let lock):
                PasswordHasher.verifyNobody(secret)
                try write("login locked after failed attempts: wait \(secondsUntil(lock.until)) s\r\n")
                editor.discardQueuedInput()
                continue
            case .check(let a):
                attempt = a
            }
            let ok = known.map { PasswordHasher.verify(secret, against: $0.passwordHash) } ?? {
                PasswordHasher.verifyNobody(secret)
                return false
            }()
            if let user = known, ok {
                loginGuard.succeeded(attempt)
                backend.recordAudit(AuditEntry(time: now, user: name, channel: "console \(settings.line)", action: "login", target: settings.line))
                return user
            }
            let lock = attempt.lockoutIfWrong
            // The typed name may be a password typed in the wrong field: audit only known names.
            backend.recordAudit(AuditEntry(time: now, user: known?.name ?? "(unknown user)", channel: "console \(settings.line)",
                                           action: "login failed", target: settings.line))
            editor.discardQueuedInput()
            try write("Login incorrect" + (lock.map { ": locked for \(secondsUntil($0.until)) s" } ?? "") + "\r\n")
        }
    }

    private func secondsUntil(_ t: Timestamp) -> Int64 {
        max(1, ((t - clock.now()).milliseconds + 999) / 1000)
    }

    private func sleepDiscardingInput(until t: Timestamp) throws {
        while clock.now() < t {
            try readOnce(timeout: min(t - clock.now(), settings.tick), countsAsActivity: false)
            editor.discardQueuedInput()
        }
    }

    // MARK: - Commands

    private func commands(as user: ConsoleUser) throws {
        let status = backend.status()
        let context = CommandContext(session: self, backend: backend, user: user, channel: settings.line, mode: mode, width: editor.width,
                                     asciiOnly: settings.asciiOnly, utcOffsetMinutes: status.utcOffsetMinutes, registry: registry)
        editor.completer = CommandCompleter(registry: registry, role: user.role, backend: backend)
        // A long site name would leave no room to type: then the user name alone.
        let full = sanitized("\(user.name)@\(status.site)> ")
        let prompt = displayWidth(full) <= editor.width / 2 ? full : sanitized("\(user.name)> ")
        try write("logged in as \(user.name) (\(user.role.rawValue)); help lists the commands\r\n")
        lastActivity = clock.now()
        while true {
            try terminal.write(editor.begin(prompt: prompt))
            switch try nextEvent() {
            case .line(var line):
                // A JSON value pasted over several lines (a pretty-printed profile): the lines
                // that follow belong to it until its brackets close; an empty line stops.
                var more = 0
                while CommandTokenizer.endsInsideJSON(line), more < 1000, line.utf8.count < 65536 {
                    let next = try ask("... ")
                    if next.isEmpty { break }
                    line += " " + next
                    more += 1
                }
                try execute(line, context)
            case .endOfInput: throw SessionEnded(reason: .logout)
            case .cancelled, .secret, .cursorReport: break
            }
            lastActivity = clock.now()
        }
    }

    private func execute(_ line: String, _ c: CommandContext) throws {
        let words: [String]
        do {
            words = try CommandTokenizer.split(line)
        } catch {
            return try c.print("error: \(error)")
        }
        guard !words.isEmpty else { return }
        switch registry.resolve(words) {
        case .unknown(let message):
            try c.say("error: \(message)")
        case .command(let spec, let arguments):
            do {
                try c.require(spec.role, for: spec.name)
                try spec.run(try Invocation(spec: spec, arguments: arguments), c)
            } catch let e as SessionEnded {
                throw e
            } catch let e as ConsoleIOError {
                throw e
            } catch let e as BackendError {
                // The backend's message may already start with the command's or a device's name
                // (`lamp: lamp-3 …`): the prefix is said once.
                let message = e.description
                let prefixed = message.hasPrefix(spec.name + ":") || message.hasPrefix(spec.words[0] + ":")
                try c.say("error: " + (prefixed ? message : "\(spec.name): \(message)"))
                try c.print("usage: \(spec.usage)")
            } catch {
                try c.say("error: \(error)")
                try c.print("usage: \(spec.usage)   (help \(spec.name) for examples)")
            }
        }
    }
}
