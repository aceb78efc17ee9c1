import FieldConsole
import FieldCore
import Foundation
import Synchronization
import Testing

/// The console on the slave end of a real pseudo-terminal, on its own thread, driven by real
/// keystrokes written to the master end; the test reads the screen back from the master.
@Suite struct PtySessionTests {
    /// The technician's side of the pty.
    final class Keyboard {
        let master: Int32
        private(set) var received: [UInt8] = []

        init(master: Int32) { self.master = master }

        func type(_ s: String) {
            let bytes = Array(s.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
                if n > 0 { offset += n } else if errno != EINTR { return }
            }
        }

        /// Reads until the screen output (from `from`) contains `text`; false after 20 s.
        @discardableResult
        func waitFor(_ text: String, from start: Int = 0) -> Bool {
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                if String(decoding: received.dropFirst(start), as: UTF8.self).contains(text) { return true }
                var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 200) >= 0 else { return false }
                if p.revents & Int16(POLLIN) != 0 {
                    var buf = [UInt8](repeating: 0, count: 4096)
                    let n = buf.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                    if n > 0 { received += buf[0..<n] } else if n == 0 || errno != EINTR && errno != EAGAIN { return false }
                } else if p.revents & Int16(POLLHUP) != 0 {
                    return false
                }
            }
            return false
        }

        var text: String { String(decoding: received, as: UTF8.self) }
    }

    /// Opens a pty in raw mode, runs a session on the slave in a thread, and hands the keyboard
    /// to `body`. Cleans up even when `body` fails: closing the master ends the session.
    private func withConsole(terminal mode: TerminalModeSetting, _ body: (Keyboard, MemoryBackend) throws -> Void) throws -> ConsoleSession.End? {
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var t = termios()
        tcgetattr(slave, &t)
        cfmakeraw(&t)
        tcsetattr(slave, TCSANOW, &t)
        let backend = MemoryBackend(clock: ManualClock(), users: Fixture.users)
        let slaveEnd = slave
        let finished = DispatchSemaphore(value: 0)
        let end = Mutex<ConsoleSession.End?>(nil)
        let thread = Thread {
            let terminal = FileDescriptorTerminal(descriptor: slaveEnd, name: "pty", closeOnDeinit: true)
            let session = ConsoleSession(backend: backend, terminal: terminal, clock: SystemClock(), loginGuard: LoginGuard(),
                                         settings: ConsoleSettings(line: "pty", terminal: mode, probeTimeout: .milliseconds(500)))
            let result = session.run()
            end.withLock { $0 = result }
            finished.signal()
        }
        thread.start()
        let keyboard = Keyboard(master: master)
        defer {
            if finished.wait(timeout: .now() + 0.1) == .timedOut {
                close(master)
                _ = finished.wait(timeout: .now() + 20)
            } else {
                close(master)
            }
        }
        try body(keyboard, backend)
        _ = finished.wait(timeout: .now() + 20)
        finished.signal()
        return end.withLock { $0 }
    }

    @Test func realKeystrokesOnAnANSITerminal() throws {
        let end = try withConsole(terminal: .auto) { kb, backend in
            #expect(kb.waitFor("\u{1B}[6n"))
            kb.type("\u{1B}[24;100R")
            #expect(kb.waitFor("login: "))
            kb.type("tech\r")
            #expect(kb.waitFor("password: "))
            kb.type(Fixture.password + "\r")
            #expect(kb.waitFor("tech@pump-room-7> "))
            // Tab completes the command; Enter runs it.
            var mark = kb.received.count
            kb.type("sta\t")
            #expect(kb.waitFor("status ", from: mark))
            kb.type("\r")
            #expect(kb.waitFor("site pump-room-7", from: mark))
            // Ctrl-C drops a half-typed dangerous line: nothing is written.
            mark = kb.received.count
            kb.type("modbus write rs485-1 3 6 16 42\u{03}")
            #expect(kb.waitFor("^C\r\ntech@pump-room-7> ", from: mark))
            // Up recalls "status" (the cancelled line is not history); edit it with arrows.
            mark = kb.received.count
            kb.type("\u{1B}[A\u{1B}[D\u{1B}[D\u{7F}\r")
            #expect(kb.waitFor("unknown command \"stats\"", from: mark))
            mark = kb.received.count
            kb.type("logout\r")
            #expect(kb.waitFor("logged out", from: mark))
            #expect(backend.calls.isEmpty)
            #expect(!kb.text.contains(Fixture.password))
        }
        #expect(end == .logout)
    }

    @Test func aDumbTerminalGetsNoEscapeSequences() throws {
        let probe = "\u{1B}7\u{1B}[999;999H\u{1B}[6n\u{1B}8"
        let end = try withConsole(terminal: .auto) { kb, _ in
            #expect(kb.waitFor("login: "))
            kb.type("viewer\r")
            #expect(kb.waitFor("password: "))
            kb.type(Fixture.password + "\r")
            #expect(kb.waitFor("viewer@pump-room-7> "))
            let mark = kb.received.count
            kb.type("sttus\u{1B}[D\u{1B}[D\u{1B}[Da\r")
            #expect(kb.waitFor("site pump-room-7", from: mark))
            kb.type("\u{04}")
            #expect(kb.waitFor("logged out", from: mark))
            let afterProbe = kb.text.components(separatedBy: probe).dropFirst().joined()
            #expect(!afterProbe.contains("\u{1B}"))
            #expect(kb.text.components(separatedBy: probe).count == 2)
        }
        #expect(end == .logout)
    }
}
