import FieldSystem

/// Changes a local terminal's attributes until `restore()`; does nothing for a pipe or a file.
/// `fieldgate console` puts the user's terminal in raw mode, `fieldgate passwd` turns its echo off.
struct LocalTerminalAttributes {
    private let fd: FileDescriptor
    private let saved: FileDescriptor.TerminalAttributes?
    private let when: FileDescriptor.TerminalChange

    private init(_ fd: Int32, when: FileDescriptor.TerminalChange, change: (inout FileDescriptor.TerminalAttributes) -> Void) {
        self.fd = FileDescriptor(rawValue: fd)
        self.when = when
        guard self.fd.isTerminal, var t = try? self.fd.terminalAttributes() else {
            saved = nil
            return
        }
        saved = t
        change(&t)
        try? self.fd.setTerminalAttributes(t, when: when)
    }

    /// Raw mode: keys pass as typed, no echo, no signals from Ctrl-C.
    static func raw(_ fd: Int32) -> LocalTerminalAttributes {
        LocalTerminalAttributes(fd, when: .now) { $0.makeRaw() }
    }

    /// Echo off, everything else as it was (pending input is discarded first).
    static func echoOff(_ fd: Int32) -> LocalTerminalAttributes {
        LocalTerminalAttributes(fd, when: .afterFlush) { $0.echo = false }
    }

    func restore() {
        guard let t = saved else { return }
        try? fd.setTerminalAttributes(t, when: when)
    }
}
