#if canImport(Glibc)
import Glibc
#endif

/// The size of the terminal on a descriptor (`TIOCGWINSZ`), for a live view drawn to fit it;
/// 80×24 when the terminal does not say.
struct TerminalSize {
    var rows: Int
    var columns: Int

    static func current(_ descriptor: Int32) -> TerminalSize {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else {
            return TerminalSize(rows: 24, columns: 80)
        }
        return TerminalSize(rows: Int(size.ws_row), columns: Int(size.ws_col))
    }
}
