/// How the console draws on the technician's terminal.
package enum TerminalMode: String, Hashable, Sendable, CaseIterable {
    /// VT100/ANSI: cursor movement and erase sequences (picocom or minicom in a modern terminal
    /// emulator, PuTTY).
    case ansi
    /// No escape sequences at all: only printable text, CR, LF, BS and BEL, for dumb terminals
    /// and serial printers.
    case plain
}

/// The console's terminal setting in the site config: a fixed mode, or `auto` to probe.
package enum TerminalModeSetting: String, Hashable, Sendable, CaseIterable {
    case ansi, plain
    /// Ask the terminal for its cursor position (`ESC [ 6 n`): one that answers within the probe
    /// time is ANSI-capable, one that does not gets plain mode.
    case auto
}

/// Columns a character takes on a terminal: 0 for combining marks, 2 for East Asian wide
/// characters (CJK, Hangul, full-width forms, emoji), 1 otherwise.
func displayWidth(_ s: Unicode.Scalar) -> Int {
    let v = s.value
    switch v {
    case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x200B...0x200F, 0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F:
        return 0
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
         0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
         0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
        return 2
    default:
        return 1
    }
}

func displayWidth(_ scalars: some Sequence<Unicode.Scalar>) -> Int {
    scalars.reduce(0) { $0 + displayWidth($1) }
}

func displayWidth(_ s: String) -> Int { displayWidth(s.unicodeScalars) }
