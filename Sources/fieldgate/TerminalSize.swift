import FieldRuntime

/// The size of the terminal on a descriptor (`TIOCGWINSZ`), for a live view drawn to fit it;
/// 80×24 when the terminal does not say.
struct TerminalSize {
    var rows: Int
    var columns: Int

    static func current(_ descriptor: Int32) -> TerminalSize {
        guard let size = try? FileDescriptor(rawValue: descriptor).windowSize(), size.rows > 0, size.columns > 0 else {
            return TerminalSize(rows: 24, columns: 80)
        }
        return TerminalSize(rows: size.rows, columns: size.columns)
    }
}
