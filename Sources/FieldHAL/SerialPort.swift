import FieldSystem
import Synchronization

/// An open serial port (a UART tty, a USB adapter, or a pty's slave end) in raw mode.
///
/// Opened exclusively (`TIOCEXCL`), so a second program cannot open the port and steal bytes
/// from the console or a bus. Reads block per the settings' `VMIN`/`VTIME`; a reader thread that
/// must stop on shutdown waits with `waitForInput(timeout:wakeUp:)` first. One thread may read
/// while another writes.
package final class SerialPort: Sendable {
    package let path: String
    /// The port's descriptor, for a worker's own `poll(2)` set. Valid until `close()`.
    package let descriptor: FileDescriptor
    private let closed = Atomic<Bool>(false)

    /// Opens `path` and applies `settings`.
    ///
    /// The port is opened non-blocking, so a UART without carrier does not hang the open, and
    /// made blocking once `CLOCAL` is set.
    /// - Throws: `SystemError` naming the port (`open /dev/ttyS1: No such file or directory`).
    package init(path: String, settings: SerialSettings = .console) throws(SystemError) {
        self.path = path
        descriptor = try FileDescriptor.open(path, .readWrite, options: [.noControllingTerminal, .closeOnExec, .nonBlocking])
        do {
            try descriptor.setExclusive(subject: path)
            try apply(settings)
            try descriptor.setNonBlocking(false)
        } catch {
            close()
            throw error.about(path)
        }
    }

    deinit { close() }

    /// Changes the line settings now.
    package func apply(_ settings: SerialSettings) throws(SystemError) {
        do {
            try descriptor.applySerialSettings(settings)
        } catch {
            throw error.about(path)
        }
    }

    /// The port's current settings, read back from the driver (`nil`: an unsupported rate).
    package func currentSettings() throws(SystemError) -> SerialSettings? {
        do {
            return try descriptor.serialSettings()
        } catch {
            throw error.about(path)
        }
    }

    /// Reads what is there, at most `count` bytes, waiting as `VMIN`/`VTIME` say.
    package func read(upTo count: Int) throws(SystemError) -> [UInt8] {
        do {
            return try descriptor.read(upTo: count)
        } catch {
            throw error.about(path)
        }
    }

    /// Writes all of `bytes`.
    package func write(_ bytes: some Collection<UInt8>) throws(SystemError) {
        do {
            try descriptor.writeAll(bytes)
        } catch {
            throw error.about(path)
        }
    }

    /// Waits until input is there, `timeout` passes or `wakeUp` is signalled.
    ///
    /// - Returns: whether input (or a hang-up) is waiting; `false` on timeout or wake-up (the
    ///   wake-up signal is left for its owner to drain).
    package func waitForInput(timeout: Duration?, wakeUp: FileDescriptor.WakeUp? = nil) throws(SystemError) -> Bool {
        var set = [FileDescriptor.PollRequest(descriptor)]
        if let wakeUp { set.append(FileDescriptor.PollRequest(wakeUp.descriptor)) }
        do {
            _ = try FileDescriptor.poll(&set, timeout: timeout)
        } catch {
            throw error.about(path)
        }
        return set[0].isReady
    }

    /// Which buffered data `discard` throws away.
    package enum Queue: Sendable {
        /// Received, not yet read (`TCIFLUSH`): after a Modbus error, the rest of a bad frame.
        case input
        /// Written, not yet sent (`TCOFLUSH`).
        case output
        case both

        var terminalQueue: FileDescriptor.TerminalQueue {
            switch self {
            case .input: .input
            case .output: .output
            case .both: .both
            }
        }
    }

    /// Throws buffered data away (`tcflush`).
    package func discard(_ queue: Queue) throws(SystemError) {
        try descriptor.discard(queue.terminalQueue, subject: path)
    }

    /// Waits until everything written has left the UART (`tcdrain`): before an RS-485
    /// transceiver turns around.
    package func drain() throws(SystemError) {
        try descriptor.drainOutput(subject: path)
    }

    /// Closes the port; calling it again does nothing.
    package func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try? descriptor.close()
    }
}
