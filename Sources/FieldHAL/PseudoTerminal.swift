import FieldSystem
import Synchronization

/// A pseudo-terminal pair (`openpty`): a tty that behaves like a serial port on one side, and a
/// program's end of the "cable" on the other.
///
/// The simulator puts one RS-485 bus on each pty and the console runs on one in tests and the
/// demo: the device side opens `slavePath` (or the stable `linkPath`) like `/dev/ttyS1`, the other
/// side reads and writes `master`. The slave end is kept open here too, so the master never sees
/// `EIO` while nobody has the port open. Both ends close, and the link is removed, on `close()`.
package final class PseudoTerminal: Sendable {
    /// The program's end: bytes written here arrive at the tty, and the other way round.
    package let master: FileDescriptor
    /// The tty end, in raw mode with the settings given.
    package let slave: FileDescriptor
    /// The tty's path, e.g. `/dev/pts/7`.
    package let slavePath: String
    /// A symlink to `slavePath` at a path that does not change between runs, if one was asked for.
    package let linkPath: String?
    private let closed = Atomic<Bool>(false)

    /// Opens a pair, puts the tty into raw mode and, if asked, links `linkPath` to it.
    ///
    /// - Parameters:
    ///   - settings: applied to the tty. A pty keeps the baud, stop bits and read timing for
    ///     whoever asks, but Linux forces 8 data bits and no parity on it.
    ///   - linkPath: where to put the symlink; a stale symlink there is replaced, anything else
    ///     is left alone and an `EEXIST` error thrown.
    /// - Throws: `SystemError` from `openpty`, `tcsetattr` or `symlink`.
    package init(settings: SerialSettings = .console, linkPath: String? = nil) throws(SystemError) {
        let (master, slave) = try FileDescriptor.openPseudoTerminal()
        let path: String
        do {
            try slave.applySerialSettings(settings)
            path = try slave.terminalName()
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
    package func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let linkPath, FileSystem.linkTarget(of: linkPath) == slavePath { try? FileSystem.remove(linkPath) }
        try? master.close()
        try? slave.close()
    }

    private static func link(_ linkPath: String, to target: String) throws(SystemError) {
        if let isLink = FileSystem.isSymbolicLink(linkPath) {
            guard isLink else { throw SystemError(code: SystemError.Code.alreadyExists, function: "symlink", subject: linkPath) }
            try? FileSystem.remove(linkPath)
        }
        try FileSystem.makeSymbolicLink(at: linkPath, to: target)
    }

    /// Discards output written to the master that nobody has read from the slave end
    /// (`tcflush(TCIFLUSH)` on the slave: its input queue is what the master wrote); the console
    /// does it when picocom was closed during `watch`.
    package func discardUnread() {
        try? slave.discard(.input)
    }
}
