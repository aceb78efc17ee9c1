import FieldCore
import FieldHAL

/// The board's console line: a session after each key press that follows the end of the last.
extension ConsoleService {
    /// An open console line.
    struct OpenedLine: Sendable {
        /// Where sessions read and write: the UART, or the pty's master end.
        var descriptor: FileDescriptor
        /// The line's name in prompts, the audit trail and lockouts (`ttyS0`, `pty`).
        var name: String
        var ptyPath: String?
        var serial: SerialPort?
    }

    func openLine(_ line: Line) throws(ConsoleServiceError) -> OpenedLine {
        switch line {
        case .serial(let device, let baud):
            let settings: SerialSettings
            do {
                settings = try SerialSettings(baud: baud)
            } catch {
                throw .settings(error.description)
            }
            do {
                let port = try SerialPort(path: device, settings: settings)
                try port.descriptor.setNonBlocking(true)
                let name = String(device.split(separator: "/").last ?? Substring(device))
                log.notice("console on \(device) at \(settings)")
                return OpenedLine(descriptor: port.descriptor, name: name, serial: port)
            } catch {
                throw .line(device, error)
            }
        case .pty(let link):
            do {
                // The pty keeps its slave end open itself: when picocom closes the port, the
                // master does not hang up (which would make every poll return at once).
                let p = try PseudoTerminal(settings: .console, linkPath: link)
                try p.master.setNonBlocking(true)
                pty.withLock { $0 = p }
                log.notice("console on pseudo-terminal \(p.slavePath), linked at \(link) (picocom \(link))")
                return OpenedLine(descriptor: p.master, name: "pty", ptyPath: p.slavePath)
            } catch {
                throw .line(link, error)
            }
        }
    }

    /// The line's thread: waits for a key, runs a session, and again, until the service stops.
    /// Waiting for a key first means the terminal probe happens when someone is there to answer.
    /// A UART that goes away (a USB adapter unplugged) is opened again every 2 s until it is back.
    func serveLine(_ line: Line, _ first: OpenedLine) {
        var opened: OpenedLine? = first
        var lastFailure: String?
        while !isStopping {
            guard let current = opened else {
                pause(.seconds(2))
                do {
                    opened = try openLine(line)
                    lastFailure = nil
                } catch {
                    if lastFailure != error.description { log.error("\(error); trying again every 2 s") }
                    lastFailure = error.description
                }
                continue
            }
            guard serveSessions(on: current) == .closed else { return }
            if case .serial = line {
                log.warning("console line \(current.name) closed; opening it again")
                opened = nil
            } else {
                pause(.seconds(1))
            }
        }
    }

    /// Sessions on one open line, each after a key press, until the line closes or the service
    /// stops.
    private func serveSessions(on opened: OpenedLine) -> Wait {
        let onStall: @Sendable () -> Bool = { [self] in
            // Nobody reads the pty: drop what is waiting rather than block the session.
            pty.withLock { $0 }?.discardUnread()
            return true
        }
        let terminal = ServiceTerminal(descriptor: opened.descriptor, name: opened.name, stopping: { [self] in isStopping }, onStall: onStall)
        while true {
            try? terminal.write(Array("\r\nFieldgate console on \(opened.name): press Enter to log in\r\n".utf8))
            let wait = waitForKey(terminal)
            guard wait == .key else { return wait }
            let session = ConsoleSession(backend: backend, terminal: terminal, clock: clock, loginGuard: loginGuard,
                                         settings: sessionSettings(line: opened.name))
            let end = session.run()
            log.info("session on \(opened.name) ended: \(end)")
            switch end {
            case .logout, .idle: continue
            case .closed: return isStopping ? .stopped : .closed
            case .failed: pause(.seconds(1))
            }
        }
    }

    private enum Wait { case key, stopped, closed }

    private func waitForKey(_ terminal: ServiceTerminal) -> Wait {
        var buffer = [UInt8](repeating: 0, count: 64)
        while !stopping.load(ordering: .relaxed) {
            switch (try? terminal.read(into: &buffer, timeout: .milliseconds(500))) ?? .closed {
            case .bytes: return .key
            case .timeout: continue
            case .closed: return stopping.load(ordering: .relaxed) ? .stopped : .closed
            }
        }
        return .stopped
    }

    /// Sleeps up to `d`, waking early when the service stops.
    func pause(_ d: Duration) {
        _ = try? FileDescriptor.poll(wakeUp.descriptor, for: .readable, timeout: d)
    }
}
