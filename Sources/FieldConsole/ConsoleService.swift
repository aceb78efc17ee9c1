import FieldCore
import FieldDevices
import FieldHAL
import FieldRuntime
import Synchronization

/// Hosts the console sessions of a running gateway: one on the board's console line (a UART,
/// or on the simulator board a pseudo-terminal for picocom), a new one each time one ends, and
/// any number (up to `maxSocketSessions`) on the local Unix socket `fieldgate console` attaches
/// to. Every session runs on a thread of its own, never on the Swift concurrency pool; all share
/// one `LoginGuard`, so hopping lines does not reset a lockout.
///
/// The site's `console` settings apply: `serial` and `baud` when the service starts, `terminal`
/// and `idleLogout` at every new session, `users` at every login (through the backend).
package final class ConsoleService: Sendable {
    /// The console line the board names.
    package enum Line: Sendable, Hashable {
        /// A UART at a baud rate, 8N1, raw.
        case serial(device: String, baud: Int)
        /// A pseudo-terminal linked at `link` (simulator board, demos, tests).
        case pty(link: String)

        /// The line from the board file and the site's console settings; nil when the site turns
        /// the serial console off or the board has no console port.
        package static func from(board: BoardConsole?, settings: ConsoleConfig) -> Line? {
            guard settings.serial, let board else { return nil }
            switch board {
            case .serial(let device, let baud): return .serial(device: device, baud: settings.baud ?? baud)
            case .pty(let link): return .pty(link: link)
            }
        }
    }

    /// The longest a session waits for the terminal to take output before its line is declared
    /// dead (a socket client that stopped reading) or its backlog dropped (a pty nobody reads).
    static let stallLimit: Duration = .seconds(5)

    package let line: Line?
    package let socketPath: String?
    package let maxSocketSessions: Int
    let backend: any ConsoleBackend
    let settings: @Sendable () -> ConsoleConfig
    let clock: any FieldClock
    let loginGuard: LoginGuard
    let stopping = Atomic<Bool>(false)
    let log = Logger("console")
    /// The line's, the accept loop's and every socket session's thread, joined as each ends.
    let threads = ThreadGroup()
    let connections = Mutex<[Int: FileDescriptor]>([:])
    let nextID = Atomic<Int>(0)
    let pty = Mutex<PseudoTerminal?>(nil)
    let listener = Mutex<FileDescriptor?>(nil)
    let wakeUp: FileDescriptor.WakeUp

    /// - Parameters:
    ///   - line: the board's console line (`Line.from`), nil for none.
    ///   - socketPath: the Unix socket for `fieldgate console`, nil for none.
    ///   - settings: the site's console settings as they are now (the config store's running copy).
    ///   - loginFailures: the file that keeps failed-login counts across restarts (state dir), nil: memory only.
    package init(backend: any ConsoleBackend, line: Line?, socketPath: String?, maxSocketSessions: Int = 8,
                settings: @escaping @Sendable () -> ConsoleConfig, clock: any FieldClock = SystemClock(),
                loginFailures: String? = nil) throws(SystemError) {
        loginGuard = LoginGuard(file: loginFailures)
        (self.backend, self.line, self.socketPath, self.maxSocketSessions) = (backend, line, socketPath, max(1, maxSocketSessions))
        (self.settings, self.clock) = (settings, clock)
        wakeUp = try FileDescriptor.WakeUp()
    }

    /// Opens the board's console line and starts its thread.
    /// - Returns: the pty's path when the line is a pseudo-terminal (for the log and picocom),
    ///   nil for a UART or when there is no line.
    /// - Throws: `ConsoleServiceError` when the line or its thread cannot be set up.
    @discardableResult
    package func startLine() throws(ConsoleServiceError) -> String? {
        guard let line else { return nil }
        let opened = try openLine(line)
        try spawn("console-line") { [self] in serveLine(line, opened) }
        return opened.ptyPath
    }

    /// Opens the Unix socket (mode 0660, replacing one a dead gateway left) and starts
    /// accepting sessions.
    /// - Throws: `ConsoleServiceError` when the socket or its thread cannot be set up.
    package func startSocket() throws(ConsoleServiceError) {
        guard let socketPath else { return }
        let fd: FileDescriptor
        do {
            unlinkStale(socketPath)
            fd = try FileDescriptor.unixListener(path: socketPath)
            try fd.setNonBlocking(true)
            restrictToGroup(socketPath)
        } catch {
            throw .socket(error)
        }
        listener.withLock { $0 = fd }
        try spawn("console-accept") { [self] in acceptLoop(fd) }
    }

    /// Ends every session (the user sees why), closes the line and the socket, and waits for
    /// the threads.
    package func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wakeUp.signal()
        // Under the lock: a session removes its descriptor before closing it, so none is reused yet.
        connections.withLock { c in
            for fd in c.values { fd.shutdownReading() }
        }
        threads.joinAll()
        if let fd = listener.withLock({ l in defer { l = nil }; return l }) {
            try? fd.close()
            if let socketPath { unlinkStale(socketPath) }
        }
        pty.withLock { p in
            p?.close()
            p = nil
        }
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// The session settings for `line`, from the site's console settings now.
    func sessionSettings(line: String) -> ConsoleSettings {
        let c = settings()
        let terminal: TerminalModeSetting = switch c.terminal {
        case .auto: .auto
        case .ansi: .ansi
        case .plain: .plain
        }
        return ConsoleSettings(line: line, terminal: terminal, idleTimeout: c.idleLogout)
    }

    /// Starts `body` on a thread of its own, remembered for `stop()` and joined when it ends.
    func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) throws(ConsoleServiceError) {
        do {
            try threads.spawn(name, body)
        } catch {
            throw .thread(error)
        }
    }

    /// Joins the threads whose sessions have ended.
    func reap() { threads.reap() }

    /// Session and line threads running now (the soak benchmark and the tests watch it).
    package var threadCount: Int { threads.count }
}

/// Why the console could not be started.
package enum ConsoleServiceError: Error, Sendable, CustomStringConvertible {
    /// The serial port or the pseudo-terminal could not be opened.
    case line(String, SystemError)
    /// The line's settings are not possible (a baud rate termios cannot set).
    case settings(String)
    /// The Unix socket could not be created.
    case socket(SystemError)
    case thread(WorkerThreadError)

    package var description: String {
        switch self {
        case .line(let name, let e): "console line \(name): \(e)"
        case .settings(let m): "console line: \(m)"
        case .socket(let e): "console socket: \(e)"
        case .thread(let e): "console: \(e)"
        }
    }
}
