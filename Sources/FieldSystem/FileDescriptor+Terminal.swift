#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FileDescriptor {
    /// Standard input, output and error of the process (descriptors 0, 1, 2).
    package static let standardInput = FileDescriptor(rawValue: 0)
    package static let standardOutput = FileDescriptor(rawValue: 1)
    package static let standardError = FileDescriptor(rawValue: 2)

    /// Whether the descriptor is a terminal (`isatty(3)`), not a pipe or a file.
    package var isTerminal: Bool { isatty(rawValue) == 1 }

    /// The terminal's size in character cells (`ioctl(TIOCGWINSZ)`).
    ///
    /// - Throws: `SystemError` (`ENOTTY` for a pipe or a file).
    package func windowSize() throws(SystemError) -> (rows: Int, columns: Int) {
        var size = winsize()
        _ = try systemCall("ioctl(TIOCGWINSZ)") { ioctl(rawValue, UInt(TIOCGWINSZ), &size) }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    /// A terminal's settings (`struct termios`), read with `terminalAttributes()`, changed, and
    /// applied with `setTerminalAttributes(_:when:)`.
    package struct TerminalAttributes: @unchecked Sendable {
        // termios is plain integers and a byte array; @unchecked only because the C import does
        // not say so.
        package var raw: termios

        package init(raw: termios) { self.raw = raw }

        /// Raw mode (`cfmakeraw`): bytes pass as typed, no echo, no line editing, no signals
        /// from Ctrl-C, no output processing.
        package mutating func makeRaw() { cfmakeraw(&raw) }

        /// Whether typed characters are echoed (`ECHO`).
        package var echo: Bool {
            get { raw.c_lflag & tcflag_t(ECHO) != 0 }
            set { if newValue { raw.c_lflag |= tcflag_t(ECHO) } else { raw.c_lflag &= ~tcflag_t(ECHO) } }
        }
    }

    /// When new terminal attributes take effect.
    package enum TerminalChange: Sendable {
        /// `TCSANOW`: at once.
        case now
        /// `TCSADRAIN`: after pending output has been sent.
        case afterDrain
        /// `TCSAFLUSH`: after pending output has been sent; pending input is discarded.
        case afterFlush

        var action: CInt {
            switch self {
            case .now: TCSANOW
            case .afterDrain: TCSADRAIN
            case .afterFlush: TCSAFLUSH
            }
        }
    }

    /// The terminal's attributes (`tcgetattr(3)`).
    package func terminalAttributes() throws(SystemError) -> TerminalAttributes {
        var t = termios()
        _ = try systemCall("tcgetattr") { tcgetattr(rawValue, &t) }
        return TerminalAttributes(raw: t)
    }

    /// Applies `attributes` to the terminal (`tcsetattr(3)`).
    package func setTerminalAttributes(_ attributes: TerminalAttributes, when: TerminalChange) throws(SystemError) {
        var t = attributes.raw
        _ = try systemCall("tcsetattr") { tcsetattr(rawValue, when.action, &t) }
    }
}
