#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file descriptor: a small value over the kernel's `int`, in the spirit of swift-system.
///
/// The value does not own the descriptor: whoever opened it closes it exactly once (the owning
/// types — `SerialPort`, `PseudoTerminal`, `Watchdog`, `GPIOLines` — do it in `close()`/`deinit`).
/// Every call turns -1 into a `SystemError` carrying errno, the function and the subject, and
/// retries `EINTR`.
package struct FileDescriptor: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: CInt

    package init(rawValue: CInt) { self.rawValue = rawValue }

    package var description: String { "fd \(rawValue)" }

    /// How a file is opened: `O_RDONLY`, `O_WRONLY` or `O_RDWR`.
    package enum AccessMode: Sendable {
        case readOnly, writeOnly, readWrite

        var flags: CInt {
            switch self {
            case .readOnly: O_RDONLY
            case .writeOnly: O_WRONLY
            case .readWrite: O_RDWR
            }
        }
    }

    /// Flags for `open(2)`.
    package struct OpenOptions: OptionSet, Sendable {
        package let rawValue: CInt
        package init(rawValue: CInt) { self.rawValue = rawValue }

        /// `O_NONBLOCK`: reads and writes return `EAGAIN` instead of waiting.
        package static let nonBlocking = OpenOptions(rawValue: O_NONBLOCK)
        /// `O_NOCTTY`: opening a tty does not make it this process's controlling terminal.
        package static let noControllingTerminal = OpenOptions(rawValue: O_NOCTTY)
        /// `O_CLOEXEC`: not inherited by programs this process runs.
        package static let closeOnExec = OpenOptions(rawValue: O_CLOEXEC)
        /// `O_CREAT`.
        package static let create = OpenOptions(rawValue: O_CREAT)
        /// `O_TRUNC`.
        package static let truncate = OpenOptions(rawValue: O_TRUNC)
        /// `O_APPEND`.
        package static let append = OpenOptions(rawValue: O_APPEND)
    }

    /// Opens `path` (`open(2)`).
    ///
    /// - Parameters:
    ///   - permissions: mode bits for a file that `.create` makes (default 0644).
    /// - Throws: `SystemError` from `open`, with `path` as its subject.
    package static func open(
        _ path: String, _ mode: AccessMode, options: OpenOptions = [.closeOnExec], permissions: UInt32 = 0o644
    ) throws(SystemError) -> FileDescriptor {
        let fd = try systemCall("open", subject: path) {
            Glibc.open(path, mode.flags | options.rawValue, mode_t(permissions))
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Reads at most `count` bytes (`read(2)`). An empty result means end of file.
    ///
    /// - Throws: `SystemError`; on a non-blocking descriptor with nothing to read, one whose
    ///   `isWouldBlock` is true.
    package func read(upTo count: Int) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(count, 0))
        let n = try systemCall("read") {
            bytes.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress, $0.count) }
        }
        bytes.removeSubrange(n...)
        return bytes
    }

    /// Reads at most `buffer.count` bytes into the start of `buffer` (`read(2)`), reusing the
    /// caller's storage; 0 means end of file.
    ///
    /// - Throws: `SystemError`; on a non-blocking descriptor with nothing to read, one whose
    ///   `isWouldBlock` is true.
    package func read(into buffer: inout [UInt8]) throws(SystemError) -> Int {
        try systemCall("read") { buffer.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress, $0.count) } }
    }

    /// Writes some of `bytes` (`write(2)`) and returns how many were written.
    package func write(_ bytes: some Collection<UInt8>) throws(SystemError) -> Int {
        let contiguous = Array(bytes)
        return try systemCall("write") {
            contiguous.withUnsafeBytes { Glibc.write(rawValue, $0.baseAddress, $0.count) }
        }
    }

    /// Writes all of `bytes`, waiting for room when the descriptor is non-blocking.
    package func writeAll(_ bytes: some Collection<UInt8>) throws(SystemError) {
        var rest = Array(bytes)[...]
        while !rest.isEmpty {
            do {
                let n = try write(rest)
                rest = rest.dropFirst(n)
            } catch where error.isWouldBlock {
                _ = try FileDescriptor.poll(self, for: .writable, timeout: nil)
            }
        }
    }

    /// Closes the descriptor (`close(2)`).
    ///
    /// `EINTR` is not retried: Linux has released the descriptor by then, and a retry could close
    /// a descriptor another thread has just been given.
    package func close() throws(SystemError) {
        guard Glibc.close(rawValue) == 0 else {
            let e = SystemError.current("close")
            if e.code == EINTR { return }
            throw e
        }
    }

    /// Turns `O_NONBLOCK` on or off (`fcntl(F_SETFL)`).
    package func setNonBlocking(_ on: Bool) throws(SystemError) {
        let flags = try systemCall("fcntl(F_GETFL)") { fcntl(rawValue, F_GETFL) }
        let wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if wanted != flags {
            _ = try systemCall("fcntl(F_SETFL)") { fcntl(rawValue, F_SETFL, wanted) }
        }
    }

    /// Marks the descriptor close-on-exec (`fcntl(F_SETFD, FD_CLOEXEC)`).
    package func setCloseOnExec() throws(SystemError) {
        _ = try systemCall("fcntl(F_SETFD)") { fcntl(rawValue, F_SETFD, FD_CLOEXEC) }
    }

    /// A pipe (`pipe(2)`), both ends close-on-exec.
    package static func pipe() throws(SystemError) -> (readEnd: FileDescriptor, writeEnd: FileDescriptor) {
        var fds: [CInt] = [-1, -1]
        _ = try systemCall("pipe") { Glibc.pipe(&fds) }
        let ends = (readEnd: FileDescriptor(rawValue: fds[0]), writeEnd: FileDescriptor(rawValue: fds[1]))
        do {
            try ends.readEnd.setCloseOnExec()
            try ends.writeEnd.setCloseOnExec()
        } catch {
            try? ends.readEnd.close()
            try? ends.writeEnd.close()
            throw error
        }
        return ends
    }
}
