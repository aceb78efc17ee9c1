#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldHAL

/// The bus's loop, made on the bus's thread and used only there.
final class RTUBusLoop {
    private let bus: RTUBusServer
    private let master: FileDescriptor
    private let wake: FileDescriptor.WakeUp
    private let stopping: StopFlag
    private let characterTime: UInt64
    private let frameGap: UInt64
    private var decoder = RTURequestDecoder()
    /// When the first byte of the frame being received arrived (monotonic ns).
    private var frameStart: UInt64 = 0
    private var lastByte: UInt64 = 0
    /// When the last answer has left the wire.
    private var lineFree: UInt64 = 0
    private var input = [UInt8](repeating: 0, count: 512)

    init(bus: RTUBusServer, master: FileDescriptor, wake: FileDescriptor.WakeUp, stopping: StopFlag) {
        self.bus = bus
        self.master = master
        self.wake = wake
        self.stopping = stopping
        characterTime = nanoseconds(bus.link.characterTime)
        frameGap = nanoseconds(bus.link.frameGap)
    }

    private var isStopping: Bool { stopping.isRaised }

    func run() {
        while !isStopping {
            let silenceAt: UInt64? = decoder.isEmpty ? nil : lastByte + frameGap
            var fds = [pollfd(fd: master.rawValue, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.descriptor.rawValue, events: Int16(POLLIN), revents: 0)]
            let timeout = silenceAt.map { pollMilliseconds(until: $0) } ?? -1
            if poll(&fds, 2, timeout) < 0, errno != EINTR { return }
            if fds[1].revents != 0 { wake.drain() }
            let now = monotonicNanoseconds()
            if fds[0].revents & Int16(POLLIN) != 0 {
                receive(now: now)
            } else if let silenceAt, now >= silenceAt, let event = decoder.silence() {
                handle(event)
            }
        }
    }

    private func receive(now: UInt64) {
        let n = input.withUnsafeMutableBytes { read(master.rawValue, $0.baseAddress, $0.count) }
        guard n > 0 else { return }
        if decoder.isEmpty { frameStart = max(now, lineFree) }
        lastByte = now
        decoder.append(input[0..<n])
        while let event = decoder.next() {
            handle(event)
            // A frame that followed in the same read began about now.
            frameStart = max(monotonicNanoseconds(), lineFree)
        }
    }

    private func handle(_ event: RTURequestDecoder.Event) {
        switch event {
        case .noise:
            bus.counters.badFrames.bump()
        case .frame(let frame):
            bus.counters.requests.bump()
            answer(frame)
        }
    }

    private func answer(_ frame: RTURequestDecoder.Frame) {
        let busFault = bus.faults.strike()
        if frame.unit == 0 {
            frame.pdu.withUnsafeBufferPointer { bus.directory.broadcast($0, busFault: busFault) }
            return
        }
        guard let device = bus.directory[frame.unit] else { return }
        var out: [UInt8] = [frame.unit]
        let plan = frame.pdu.withUnsafeBufferPointer { device.handle($0, busFault: busFault, into: &out) }
        guard let plan else { return }
        ModbusCRC.append(to: &out)
        if plan.corrupt {
            out[out.count - 1] ^= 0xFF
            out[out.count - 2] ^= 0xFF
        }
        bus.counters.replies.bump()
        transmit(out, after: plan.delay, requestLength: frame.length)
    }

    /// Writes an answer to the line, paced or at once.
    private func transmit(_ bytes: [UInt8], after delay: Duration, requestLength: Int) {
        let pacing = bus.pacing
        let now = monotonicNanoseconds()
        guard pacing.enabled else {
            if delay > .zero, !sleep(until: now + nanoseconds(delay)) { return }
            write(bytes[...])
            lineFree = monotonicNanoseconds()
            return
        }
        let requestEnd = frameStart + UInt64(requestLength) * characterTime
        let start = max(now, requestEnd + frameGap + nanoseconds(pacing.turnaround) + nanoseconds(delay))
        var sent = 0
        while sent < bytes.count {
            // Character i has fully arrived at the master one character time after it started.
            let t = monotonicNanoseconds()
            let due = t < start ? 0 : min(bytes.count, Int((t - start) / characterTime))
            if due > sent {
                write(bytes[sent..<due])
                sent = due
            }
            if sent < bytes.count, !sleep(until: start + UInt64(sent + 1) * characterTime) { return }
        }
        lineFree = start + UInt64(bytes.count) * characterTime
    }

    /// Bytes the pty cannot take now are lost, like bytes on a line nobody listens to.
    private func write(_ bytes: ArraySlice<UInt8>) {
        _ = bytes.withUnsafeBytes { Glibc.write(master.rawValue, $0.baseAddress, $0.count) }
    }

    /// Sleeps until a monotonic deadline; false when the bus is stopping.
    private func sleep(until deadline: UInt64) -> Bool {
        while true {
            if isStopping { return false }
            let now = monotonicNanoseconds()
            guard deadline > now else { return true }
            let left = deadline - now
            if left > 2_000_000 {
                // Coarse part in poll, so that stop() is not kept waiting.
                var fd = pollfd(fd: wake.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
                _ = poll(&fd, 1, CInt((left - 1_000_000) / 1_000_000))
            } else {
                var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
                _ = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
            }
        }
    }
}
