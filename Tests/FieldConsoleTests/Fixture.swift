import FieldConsole
import FieldCore
import FieldDevices

/// Users with real libcrypt hashes (made once: yescrypt is slow on purpose) and a way to run a
/// whole session against the in-memory backend.
enum Fixture {
    static let password = "pump-room-7!"

    static let users: [ConsoleUser] = {
        let hash = (try? PasswordHasher.hash(SecretBytes(Array(password.utf8)))) ?? "!"
        return [ConsoleUser(name: "viewer", role: .viewer, passwordHash: hash),
                ConsoleUser(name: "tech", role: .technician, passwordHash: hash),
                ConsoleUser(name: "admin", role: .admin, passwordHash: hash)]
    }()

    /// Keystrokes that log `user` in.
    static func login(_ user: String) -> [ScriptedTerminal.Step] {
        [.type(user + "\r"), .type(password + "\r")]
    }

    struct Run {
        let terminal: ScriptedTerminal
        let backend: MemoryBackend
        let clock: ManualClock
        let end: ConsoleSession.End
        let mode: TerminalMode

        var text: String { terminal.text }
        var screen: ScreenModel { ScreenModel(terminal.output) }
        /// What the session printed after logging in.
        var afterLogin: String {
            guard let r = text.range(of: "help lists the commands") else { return "" }
            return String(text[r.upperBound...])
        }
    }

    static func run(_ steps: [ScriptedTerminal.Step], terminal mode: TerminalModeSetting = .ansi, idle: Duration = .minutes(10),
                    loginGuard: LoginGuard = LoginGuard(), backend: MemoryBackend? = nil, clock: ManualClock = ManualClock(),
                    line: String = "ttyS1", limits: LineEditor.Limits = LineEditor.Limits()) -> Run {
        let backend = backend ?? MemoryBackend(clock: clock, users: users)
        let terminal = ScriptedTerminal(clock: clock, steps)
        let session = ConsoleSession(backend: backend, terminal: terminal, clock: clock, loginGuard: loginGuard,
                                     settings: ConsoleSettings(line: line, terminal: mode, idleTimeout: idle, limits: limits))
        let end = session.run()
        return Run(terminal: terminal, backend: backend, clock: clock, end: end, mode: session.mode)
    }
}
