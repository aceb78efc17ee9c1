#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldSystem

/// One accepted connection: its input framing and the answers not yet on their way.
final class TCPConnection {
    let fd: CInt
    let listener: ModbusTCPListener
    var decoder = MBAPFrameDecoder()
    private(set) var closed = false
    /// Bytes the socket has not taken yet.
    private var unsent: [UInt8] = []
    /// Answers held back by a slow-response fault, in order, with their due time (monotonic ns).
    private var held: [(due: UInt64, bytes: [UInt8])] = []

    /// More than this unsent (a master that does not read) closes the connection.
    private static let unsentLimit = 1 << 20

    init(fd: CInt, listener: ModbusTCPListener) {
        self.fd = fd
        self.listener = listener
    }

    var wantsToWrite: Bool { !unsent.isEmpty }
    var nextDue: UInt64? { held.first?.due }

    func enqueue(_ bytes: [UInt8], delay: Duration) {
        if delay == .zero && held.isEmpty {
            send(bytes)
        } else {
            let due = max(monotonicNanoseconds() + nanoseconds(delay), held.last?.due ?? 0)
            held.append((due, bytes))
        }
    }

    func sendDue(now: UInt64) {
        while let first = held.first, first.due <= now {
            held.removeFirst()
            send(first.bytes)
        }
    }

    func flush() {
        guard !unsent.isEmpty else { return }
        let pending = unsent
        unsent.removeAll(keepingCapacity: true)
        send(pending)
    }

    private func send(_ bytes: [UInt8]) {
        guard !closed else { return }
        if !unsent.isEmpty {
            unsent.append(contentsOf: bytes)
            if unsent.count > Self.unsentLimit { close() }
            return
        }
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
        if n == bytes.count { return }
        if n < 0 && errno != EAGAIN && errno != EINTR {
            close()
            return
        }
        unsent.append(contentsOf: bytes[max(n, 0)...])
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}
