/// What one read from the terminal gave.
package enum TerminalRead: Hashable, Sendable {
    /// `count` bytes were put at the start of the buffer.
    case bytes(Int)
    /// Nothing came within the timeout.
    case timeout
    /// The other end is gone (pty closed, socket closed, serial port hung up).
    case closed
}

/// A failed read or write on the console's terminal.
package struct ConsoleIOError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The call that failed (`read`, `write`, `poll`).
    package var function: String
    package var errno: Int32
    /// Which terminal (`/dev/ttyS1`, `socket`).
    package var terminal: String

    package init(function: String, errno: Int32, terminal: String) {
        (self.function, self.errno, self.terminal) = (function, errno, terminal)
    }

    package var description: String { "\(terminal): \(function) failed: \(errnoDescription(errno)) (errno \(errno))" }
}

/// The bytes in and out of one console session: a serial tty, a pty, or a Unix-socket
/// connection. Reads wait at most the timeout, so the session can log out an idle user and run
/// `watch` without a second thread.
package protocol ConsoleTerminal: AnyObject {
    /// Waits up to `timeout` for input and reads what has arrived into `buffer` (from index 0,
    /// at most `buffer.count` bytes).
    func read(into buffer: inout [UInt8], timeout: Duration) throws(ConsoleIOError) -> TerminalRead

    /// Writes every byte (blocking until the terminal took them).
    func write(_ bytes: [UInt8]) throws(ConsoleIOError)
}
