#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldHAL

/// The answering thread's loop, made on that thread and used only there.
final class TCPEventLoop {
    private let server: ModbusTCPServer
    private let wake: FileDescriptor.WakeUp
    private let stopping: StopFlag
    private let counters: WireCounters
    private var connections: [TCPConnection] = []
    private var pollSet: [pollfd] = []
    private var scratch = [UInt8](repeating: 0, count: 65_536)
    private var reply: [UInt8] = []
    /// Some connection may hold answers back (a slow-response fault).
    private var holding = false

    init(server: ModbusTCPServer, wake: FileDescriptor.WakeUp, stopping: StopFlag) {
        self.server = server
        self.wake = wake
        self.stopping = stopping
        counters = server.counters
        reply.reserveCapacity(512)
    }

    func run() {
        buildPollSet()
        while !stopping.isRaised {
            let timeout = nextDue().map { pollMilliseconds(until: $0) } ?? -1
            let ready = pollSet.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            var changed = serveReady()
            if pollSet[0].revents != 0 {
                wake.drain()
                for new in server.handoff.withLock({ h in defer { h.removeAll() }; return h }) {
                    connections.append(TCPConnection(fd: new.fd, listener: new.listener))
                    changed = true
                }
            }
            if holding {
                let now = monotonicNanoseconds()
                for c in connections where c.nextDue != nil { c.sendDue(now: now) }
                changed = true
            }
            if changed { tidy() }
        }
        for c in connections { c.close() }
        server.openConnections.subtract(connections.count, ordering: .relaxed)
        connections = []
    }

    /// Drops closed connections and rebuilds the poll set (which descriptors, and which want to
    /// write).
    private func tidy() {
        let closed = connections.reduce(0) { $0 + ($1.closed ? 1 : 0) }
        if closed > 0 {
            connections.removeAll { $0.closed }
            server.openConnections.subtract(closed, ordering: .relaxed)
        }
        buildPollSet()
    }

    /// The earliest held answer's due time, nil when none is held.
    private func nextDue() -> UInt64? {
        guard holding else { return nil }
        var earliest: UInt64?
        for c in connections {
            if let due = c.nextDue, due < earliest ?? .max { earliest = due }
        }
        if earliest == nil { holding = false }
        return earliest
    }

    private func buildPollSet() {
        pollSet.removeAll(keepingCapacity: true)
        pollSet.append(pollfd(fd: wake.descriptor.rawValue, events: Int16(POLLIN), revents: 0))
        for c in connections {
            pollSet.append(pollfd(fd: c.fd, events: Int16(c.wantsToWrite ? POLLIN | POLLOUT : POLLIN), revents: 0))
        }
    }

    /// Serves every connection `poll` found ready.
    ///
    /// - Returns: whether the poll set must be rebuilt (a connection closed, or started or
    ///   stopped waiting to write).
    private func serveReady() -> Bool {
        var changed = false
        for i in connections.indices {
            let events = pollSet[1 + i].revents
            guard events != 0 else { continue }
            let c = connections[i]
            let wantedToWrite = c.wantsToWrite
            if events & Int16(POLLOUT) != 0 { c.flush() }
            if events & Int16(POLLIN | POLLHUP | POLLERR) != 0 { receive(on: c) }
            if c.closed || c.wantsToWrite != wantedToWrite { changed = true }
        }
        return changed
    }

    private func receive(on c: TCPConnection) {
        let n = scratch.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) {
            c.close()
            return
        }
        guard n > 0 else { return }
        scratch.withUnsafeBytes { c.decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        do {
            while let frame = try c.decoder.next() { answer(frame, on: c) }
        } catch {
            counters.badFrames.bump()
            c.close()
        }
    }

    private func answer(_ frame: MBAPFrameDecoder.Frame, on c: TCPConnection) {
        counters.requests.bump()
        reply.removeAll(keepingCapacity: true)
        // MBAP header: transaction id, protocol 0, length (filled in below), unit id.
        reply.append(UInt8(frame.transaction >> 8))
        reply.append(UInt8(frame.transaction & 0xFF))
        for _ in 0..<4 { reply.append(0) }
        reply.append(frame.unit)
        let plan = c.decoder.bytes.withUnsafeBufferPointer { all in
            c.listener.route(unit: frame.unit, UnsafeBufferPointer(rebasing: all[frame.pdu]), into: &reply)
        }
        guard let plan else { return }
        let length = reply.count - 6
        reply[4] = UInt8(length >> 8)
        reply[5] = UInt8(length & 0xFF)
        if plan.corrupt { reply[7] ^= 0x40 }
        counters.replies.bump()
        c.enqueue(reply, delay: plan.delay)
        if c.nextDue != nil { holding = true }
    }
}
