#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FileDescriptor {
    /// Wakes a thread blocked in `poll(2)`: a non-blocking self-pipe.
    ///
    /// A worker puts `descriptor` in its poll set (or passes the wake-up to
    /// `GPIOLines.waitForEvents(timeout:wakeUp:)`); any thread calls `signal()` to make the wait
    /// return, e.g. on shutdown or when a command is queued for the worker. Signals before the
    /// wait are not lost: the pipe stays readable until `drain()`.
    package final class WakeUp: Sendable {
        /// The end to poll for `.readable`.
        package let descriptor: FileDescriptor
        private let writeEnd: FileDescriptor

        package init() throws(SystemError) {
            let ends = try FileDescriptor.pipe()
            do {
                try ends.readEnd.setNonBlocking(true)
                try ends.writeEnd.setNonBlocking(true)
            } catch {
                try? ends.readEnd.close()
                try? ends.writeEnd.close()
                throw error
            }
            descriptor = ends.readEnd
            writeEnd = ends.writeEnd
        }

        deinit {
            try? descriptor.close()
            try? writeEnd.close()
        }

        /// Makes the descriptor readable. Never blocks: a full pipe is already signalled.
        package func signal() {
            _ = try? writeEnd.write(CollectionOfOne(UInt8(1)))
        }

        /// Consumes all pending signals.
        ///
        /// - Returns: whether there was any.
        @discardableResult
        package func drain() -> Bool {
            var signalled = false
            while let bytes = try? descriptor.read(upTo: 64), !bytes.isEmpty {
                signalled = true
            }
            return signalled
        }
    }
}
