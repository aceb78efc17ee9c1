#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Changes a local terminal's attributes until `restore()`; does nothing for a pipe or a file.
/// `fieldgate console` puts the user's terminal in raw mode, `fieldgate passwd` turns its echo off.
struct LocalTerminalAttributes {
    private let fd: Int32
    private let saved: termios?
    private let when: Int32

    private init(_ fd: Int32, when: Int32, change: (inout termios) -> Void) {
        self.fd = fd
        self.when = when
        var t = termios()
        guard isatty(fd) == 1, tcgetattr(fd, &t) == 0 else {
            saved = nil
            return
        }
        saved = t
        change(&t)
        _ = tcsetattr(fd, when, &t)
    }

    /// Raw mode: keys pass as typed, no echo, no signals from Ctrl-C.
    static func raw(_ fd: Int32) -> LocalTerminalAttributes {
        LocalTerminalAttributes(fd, when: TCSANOW) { cfmakeraw(&$0) }
    }

    /// Echo off, everything else as it was (pending input is discarded first).
    static func echoOff(_ fd: Int32) -> LocalTerminalAttributes {
        LocalTerminalAttributes(fd, when: TCSAFLUSH) { $0.c_lflag &= ~tcflag_t(ECHO) }
    }

    func restore() {
        guard var t = saved else { return }
        _ = tcsetattr(fd, when, &t)
    }
}
