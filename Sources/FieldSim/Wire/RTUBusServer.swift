#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldDevices
import FieldHAL
import Synchronization

/// One simulated RS-485 bus: a pseudo-terminal whose tty end the gateway opens like a serial port
/// (through a stable symlink such as `${FIELDSIM_DIR}/rs485-1`), with any number of devices on it
/// by unit address (1–247), each answering only its own address. Broadcasts (unit 0) are applied
/// by every device and answered by none; a request with a bad CRC, or for an address nobody has,
/// gets silence — all as on a real multi-drop line. Answers are paced at the line's character
/// rate (`RTUPacing`), which can be changed or turned off while the bus runs.
///
/// Readiness: when `start` returns, the pty and the link exist and requests are answered.
/// `stop` joins the bus's thread, closes the pty and removes the link.
public final class RTUBusServer: SimulatedBus {
    /// The site's bus name, e.g. `rs485-1`.
    public let name: String
    /// Baud rate and framing, for the character time and t3.5.
    public let link: RTULink
    /// Where the symlink to the pty goes, if asked for.
    public let linkPath: String?
    public let faults = WireFaults()
    let directory: UnitDirectory
    let counters = WireCounters()
    private let pacingSetting: Mutex<RTUPacing>
    private let state = Mutex<BusState>(.idle)

    private enum BusState {
        case idle
        case running(pty: PseudoTerminal, thread: WireThread, wake: FileDescriptor.WakeUp, stopping: StopFlag)
        case stopped
    }

    /// - Parameters:
    ///   - linkPath: a stable path the gateway opens (a symlink to the pty is made there on
    ///     `start`, replacing a stale one); nil for none (use `devicePath`).
    public init(name: String, link: RTULink, linkPath: String? = nil, pacing: RTUPacing = RTUPacing()) {
        self.name = name
        self.link = link
        self.linkPath = linkPath
        pacingSetting = Mutex(pacing)
        directory = UnitDirectory(bus: name, allowed: 1...247)
    }

    deinit { stop() }

    /// The pacing in force.
    public var pacing: RTUPacing { pacingSetting.withLock { $0 } }

    /// Changes the pacing from the next answer on.
    public func setPacing(_ pacing: RTUPacing) {
        pacingSetting.withLock { $0 = pacing }
    }

    /// The pty's tty path (`/dev/pts/N`) while the bus runs.
    public var slavePath: String? {
        state.withLock { s in
            if case .running(let pty, _, _, _) = s { return pty.slavePath }
            return nil
        }
    }

    /// What a master opens: the link if one was asked for, else the tty; nil before `start`.
    public var devicePath: String? { slavePath.map { linkPath ?? $0 } }

    /// What the bus has seen since it was made.
    public var statistics: WireStatistics { counters.snapshot }

    public var units: [UInt8] { directory.all.map(\.address) }

    @discardableResult
    public func attach(_ bank: RegisterBank, unit: UInt8, faults: WireFaults) throws(SimWireError) -> WireFaults {
        try directory.attach(bank, unit: unit, faults: faults)
        return faults
    }

    public func detach(unit: UInt8) { directory.detach(unit) }
    public func bank(unit: UInt8) -> RegisterBank? { directory[unit]?.bank }
    public func faults(unit: UInt8) -> WireFaults? { directory[unit]?.faults }

    /// Opens the pty, makes the link and starts answering on the bus's own thread. Calling it
    /// again while the bus runs does nothing; a stopped bus cannot be started again.
    ///
    /// - Throws: `.system` from openpty, symlink (`EEXIST` when something other than a symlink
    ///   is at `linkPath`), or the thread.
    public func start() throws(SimWireError) {
        try state.withLock { (s: inout BusState) throws(SimWireError) in
            switch s {
            case .running: return
            case .stopped: preconditionFailure("\(name): a stopped RTUBusServer cannot be started again")
            case .idle: break
            }
            do throws(SystemError) {
                let settings = (try? SerialSettings(baud: link.baud, stopBits: link.stopBits)) ?? .console
                let pty = try PseudoTerminal(settings: settings, linkPath: linkPath)
                do throws(SystemError) {
                    try pty.master.setNonBlocking(true)
                    let wake = try FileDescriptor.WakeUp()
                    let stopping = StopFlag()
                    let thread = try WireThread(name: "sim-\(name)") { [self] in
                        RTUBusLoop(bus: self, master: pty.master, wake: wake, stopping: stopping).run()
                    }
                    s = .running(pty: pty, thread: thread, wake: wake, stopping: stopping)
                } catch {
                    pty.close()
                    throw error
                }
            } catch {
                throw .system(bus: name, error)
            }
        }
    }

    /// Stops answering, joins the bus's thread, closes the pty and removes the link. Calling it
    /// again does nothing.
    public func stop() {
        let previous = state.withLock { s in
            defer { s = .stopped }
            return s
        }
        guard case .running(let pty, let thread, let wake, let stopping) = previous else { return }
        stopping.raise()
        wake.signal()
        thread.join()
        pty.close()
    }
}

/// The bus's loop, made on the bus's thread and used only there.
private final class RTUBusLoop {
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
            let timeout = pollTimeout(until: silenceAt, now: monotonicNanoseconds())
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
