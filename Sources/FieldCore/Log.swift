#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Log levels, in the order of syslog priorities (journald reads the `<N>` prefix).
package enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case debug = 7, info = 6, notice = 5, warning = 4, error = 3

    package var name: String {
        switch self {
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARN"
        case .error: "ERROR"
        }
    }

    package init?(name: String) {
        guard let l = LogLevel.allCases.first(where: { $0.name.lowercased() == name.lowercased() || (name.lowercased() == "warning" && $0 == .warning) }) else { return nil }
        self = l
    }

    package static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue > b.rawValue }
}

/// One logged event.
package struct LogLine: Sendable, Hashable {
    package var time: Timestamp
    package var level: LogLevel
    package var tag: String
    package var message: String

    package var formatted: String { "\(time) \(level.name) [\(tag)] \(message)" }
}

/// Where log lines go: stderr (one event per line, `<N>` priority prefix under journald) and a
/// ring of recent lines that the console's `log` command shows. Configured once by the daemon.
package final class LogBook: Sendable {
    private struct State {
        var minimum: LogLevel = .info
        var ring: [LogLine] = []
        var next = 0
        var toStderr = true
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let journald: Bool
    private let clock: any FieldClock

    /// The process's log. Programs configure it at start-up; libraries only write to it.
    package static let shared = LogBook()

    package init(capacity: Int = 500, clock: any FieldClock = SystemClock()) {
        self.capacity = capacity
        self.clock = clock
        journald = getenv("JOURNAL_STREAM") != nil
    }

    package var minimum: LogLevel {
        get { state.withLock { $0.minimum } }
        set { state.withLock { $0.minimum = newValue } }
    }

    /// Turns stderr output on or off (tests keep only the ring).
    package func setStderr(_ on: Bool) { state.withLock { $0.toStderr = on } }

    package func write(_ level: LogLevel, tag: String, _ message: String) {
        let line = LogLine(time: clock.now(), level: level, tag: tag, message: message.replacingNewlines())
        let echo: Bool = state.withLock { s in
            guard level >= s.minimum else { return false }
            if s.ring.count < capacity {
                s.ring.append(line)
            } else {
                s.ring[s.next] = line
                s.next = (s.next + 1) % capacity
            }
            return s.toStderr
        }
        guard echo else { return }
        let text = journald ? "<\(level.rawValue)>[\(tag)] \(line.message)\n" : line.formatted + "\n"
        writeStandardError(text)
    }

    /// The last `n` lines, oldest first.
    package func recent(_ n: Int) -> [LogLine] {
        state.withLock { s in
            let ordered = s.ring.count < capacity ? s.ring : Array(s.ring[s.next...] + s.ring[..<s.next])
            return Array(ordered.suffix(max(0, n)))
        }
    }
}

/// A component's handle on the log: one tag per component (`bus rs485-1`, `uplink`, `console`).
package struct Logger: Sendable {
    package let tag: String
    package let book: LogBook

    package init(_ tag: String, book: LogBook = .shared) {
        self.tag = tag
        self.book = book
    }

    package func debug(_ m: @autoclosure () -> String) { if book.minimum <= .debug { book.write(.debug, tag: tag, m()) } }
    package func info(_ m: @autoclosure () -> String) { if book.minimum <= .info { book.write(.info, tag: tag, m()) } }
    package func notice(_ m: @autoclosure () -> String) { book.write(.notice, tag: tag, m()) }
    package func warning(_ m: @autoclosure () -> String) { book.write(.warning, tag: tag, m()) }
    package func error(_ m: @autoclosure () -> String) { book.write(.error, tag: tag, m()) }
}

extension String {
    func replacingNewlines() -> String {
        guard contains(where: \.isNewline) else { return self }
        return String(map { $0.isNewline ? " " : $0 })
    }
}

/// Writes text to standard error unbuffered (usage errors, fatal start-up errors).
package func writeStandardError(_ text: String) { writeAll(2, text) }

/// Writes text to standard output unbuffered (live views that another process may stop at any
/// moment, when stdout is a pipe that `print` would buffer).
package func writeStandardOutput(_ text: String) { writeAll(1, text) }

/// Writes all of `text` to a file descriptor, retrying EINTR and short writes; stops quietly at
/// an error (the reader went away).
package func writeAll(_ fd: Int32, _ text: String) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        offset += n
    }
}
