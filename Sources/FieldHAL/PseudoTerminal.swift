#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A pseudo-terminal pair (`openpty`): a tty that behaves like a serial port on one side, and a
/// program's end of the "cable" on the other.
///
/// The simulator puts one RS-485 bus on each pty and the console runs on one in tests and the
/// demo: the device side opens `slavePath` (or the stable `linkPath`) like `/dev/ttyS1`, the other
/// side reads and writes `master`. The slave end is kept open here too, so the master never sees
/// `EIO` while nobody has the port open. Both ends close, and the link is removed, on `close()`.
public final class PseudoTerminal: Sendable {
    /// The program's end: bytes written here arrive at the tty, and the other way round.
    public let master: FileDescriptor
    /// The tty end, in raw mode with the settings given.
    public let slave: FileDescriptor
    /// The tty's path, e.g. `/dev/pts/7`.
    public let slavePath: String
    /// A symlink to `slavePath` at a path that does not change between runs, if one was asked for.
    public let linkPath: String?
    private let closed = Atomic<Bool>(false)

    /// Opens a pair, puts the tty into raw mode and, if asked, links `linkPath` to it.
    ///
    /// - Parameters:
    ///   - settings: applied to the tty. A pty keeps the baud, stop bits and read timing for
    ///     whoever asks, but Linux forces 8 data bits and no parity on it.
    ///   - linkPath: where to put the symlink; a stale symlink there is replaced, anything else
    ///     is left alone and an `EEXIST` error thrown.
    /// - Throws: `SystemError` from `openpty`, `tcsetattr` or `symlink`.
    public init(settings: SerialSettings = .console, linkPath: String? = nil) throws(SystemError) {
        var masterFD: CInt = -1
        var slaveFD: CInt = -1
        _ = try systemCall("openpty") { openpty(&masterFD, &slaveFD, nil, nil, nil) }
        let master = FileDescriptor(rawValue: masterFD)
        let slave = FileDescriptor(rawValue: slaveFD)
        let path: String
        do {
            try master.setCloseOnExec()
            try slave.setCloseOnExec()
            try slave.applySerialSettings(settings)
            path = try Self.name(of: slave)
            if let linkPath { try Self.link(linkPath, to: path) }
        } catch {
            try? master.close()
            try? slave.close()
            throw error
        }
        self.master = master
        self.slave = slave
        self.slavePath = path
        self.linkPath = linkPath
    }

    deinit { close() }

    /// Closes both ends and removes the link if it still points at this pty. Calling it again
    /// does nothing.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let linkPath, Self.target(of: linkPath) == slavePath { unlink(linkPath) }
        try? master.close()
        try? slave.close()
    }

    private static func name(of tty: FileDescriptor) throws(SystemError) -> String {
        var name = [CChar](repeating: 0, count: 128)
        let rc = name.withUnsafeMutableBufferPointer { ttyname_r(tty.rawValue, $0.baseAddress!, $0.count) }
        guard rc == 0 else { throw SystemError(code: rc, function: "ttyname_r") }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func link(_ linkPath: String, to target: String) throws(SystemError) {
        var info = stat()
        if lstat(linkPath, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFLNK else {
                throw SystemError(code: EEXIST, function: "symlink", subject: linkPath)
            }
            unlink(linkPath)
        }
        _ = try systemCall("symlink", subject: linkPath) { symlink(target, linkPath) }
    }

    private static func target(of link: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBufferPointer { $0.withMemoryRebound(to: CChar.self) { readlink(link, $0.baseAddress!, $0.count) } }
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(n), as: UTF8.self)
    }

    /// Discards output written to the master that nobody has read from the slave end
    /// (`tcflush(TCIFLUSH)` on the slave: its input queue is what the master wrote); the console
    /// does it when picocom was closed during `watch`.
    public func discardUnread() {
        _ = tcflush(slave.rawValue, TCIFLUSH)
    }
}
