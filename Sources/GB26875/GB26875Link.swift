import FieldCore
import FieldSystem
import Synchronization

/// How the link reaches and talks to the centre (site file `uplinks.gb26875`, docs/gb26875.md).
package struct GB26875LinkSettings: Sendable, Hashable {
    package var host: String
    package var port: Int
    /// This device's address and the centre's.
    package var source: GB26875Address
    package var destination: GB26875Address
    /// How long to wait for the centre's confirm (确认) or deny (否认) of a frame.
    package var ackTimeout: Duration
    /// How often a frame is sent again after a timeout or a deny before giving up on it: after
    /// timeouts the connection is dropped and made again (the frame is kept); after denies the
    /// frame is dropped (the centre refuses its content) and counted.
    package var retries: Int
    /// The device's running state is sent this often while nothing else is (巡检, heartbeat).
    package var heartbeat: Duration
    package var connectTimeout: Duration
    /// Reconnect delay: from `reconnectMin`, doubling to `reconnectMax`, ±20 % jitter.
    package var reconnectMin: Duration
    package var reconnectMax: Duration

    package init(host: String, port: Int, source: GB26875Address, destination: GB26875Address, ackTimeout: Duration = .seconds(10),
                retries: Int = 3, heartbeat: Duration = .seconds(60), connectTimeout: Duration = .seconds(5),
                reconnectMin: Duration = .seconds(1), reconnectMax: Duration = .seconds(60)) {
        (self.host, self.port, self.source, self.destination) = (host, port, source, destination)
        (self.ackTimeout, self.retries, self.heartbeat, self.connectTimeout) = (ackTimeout, retries, heartbeat, connectTimeout)
        (self.reconnectMin, self.reconnectMax) = (reconnectMin, reconnectMax)
    }

    package var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// What the link tells its owner (the outbox's courier): a record confirmed by the centre, a
/// record the centre keeps denying, the connection up or down.
package struct GB26875LinkEvents: Sendable {
    package var confirmed: @Sendable (Int32) -> Void
    package var rejected: @Sendable (Int32, String) -> Void
    package var ready: @Sendable (Bool) -> Void
    /// The device's running state for the next heartbeat.
    package var deviceState: @Sendable () -> GB26875DeviceState
    /// The answer to a read from the centre (its queries, the link's time now); called on the
    /// link's thread. Without it every read is denied.
    package var answer: @Sendable ([GB26875Query], CivilTime) -> GB26875Answer

    package init(confirmed: @escaping @Sendable (Int32) -> Void, rejected: @escaping @Sendable (Int32, String) -> Void,
                ready: @escaping @Sendable (Bool) -> Void, deviceState: @escaping @Sendable () -> GB26875DeviceState,
                answer: @escaping @Sendable ([GB26875Query], CivilTime) -> GB26875Answer = { _, _ in .deny("reads are not answered") }) {
        (self.confirmed, self.rejected, self.ready, self.deviceState, self.answer) = (confirmed, rejected, ready, deviceState, answer)
    }
}

/// Counters and state of the link, for the status and tests.
package struct GB26875LinkStatus: Sendable, Hashable {
    package var connected = false
    package var sent = 0
    package var confirmed = 0
    package var denied = 0
    package var timeouts = 0
    package var connects = 0
    package var heartbeats = 0
    /// Reads from the centre answered with a response, and reads denied.
    package var answered = 0
    package var refused = 0
    /// The centre's clock minus ours, from its last time sync (`GB26875TimeSync`: applied to every
    /// time label the device sends from then on).
    package var clockOffset: Duration = .zero
    package var lastError: String?
}

/// The TCP link to the alarm operations centre (GB/T 26875.3 §5–7): one frame in flight at a
/// time, each confirmed or denied by the centre; retries, timeouts, heartbeats, the centre's time
/// sync and roll call, reconnect with backoff. `run()` does blocking socket I/O and is meant for
/// a thread the owner starts for the link; everything else may be called from any thread.
package final class GB26875Link: Sendable {
    package let settings: GB26875LinkSettings
    private let events: GB26875LinkEvents
    private let clock: any FieldClock
    private let utcOffsetMinutes: Int
    /// The centre's time sync, shared with the translator that labels the records and answers.
    package let timeSync: GB26875TimeSync
    private let log: Logger
    private let queue = Mutex<[(tag: Int32, data: [UInt8])]>([])
    private let state = Mutex(GB26875LinkStatus())
    private let stopped = Atomic<Bool>(false)
    /// Wakes the loop's poll: a record queued, or stop.
    private let wake: FileDescriptor.WakeUp

    /// - Parameter timeSync: where the centre's time sync goes: the translator's
    ///   (`GB26875Translator.timeSync`), so the records it labels share the link's clock.
    /// - Throws: `GB26875Error.valueOutOfRange` naming the failed `pipe` (out of descriptors).
    package init(settings: GB26875LinkSettings, events: GB26875LinkEvents, utcOffsetMinutes: Int, timeSync: GB26875TimeSync = GB26875TimeSync(),
                clock: any FieldClock = SystemClock(), logger: Logger = Logger("gb26875")) throws(GB26875Error) {
        self.settings = settings
        self.events = events
        self.clock = clock
        self.utcOffsetMinutes = utcOffsetMinutes
        self.timeSync = timeSync
        log = logger
        do {
            wake = try FileDescriptor.WakeUp()
        } catch {
            throw .valueOutOfRange("cannot make the link's wake-up pipe: \(error)")
        }
    }

    package var status: GB26875LinkStatus {
        var s = state.withLock { $0 }
        s.clockOffset = timeSync.offset
        return s
    }

    /// Records queued and not yet confirmed (the one in flight included).
    package var queued: Int { queue.withLock { $0.count } }

    /// Queues a record's data units for the centre; returns at once. The link sends queued
    /// records in order, one at a time.
    package func send(tag: Int32, data: [UInt8]) {
        queue.withLock { $0.append((tag, data)) }
        poke()
    }

    /// Ends `run()` (the connection is closed; queued records stay for nobody: the outbox keeps
    /// them and hands them over again after a restart).
    package func stop() {
        stopped.store(true, ordering: .releasing)
        poke()
    }

    private func poke() {
        wake.signal()
    }

    // MARK: - The link's thread

    /// Connects, talks, reconnects with backoff, until `stop()`.
    package func run() {
        var delay = settings.reconnectMin
        var random = SplitMix64(seed: UInt64(truncatingIfNeeded: monotonicMilliseconds()) ^ UInt64(settings.port))
        var failures = 0
        while !isStopped {
            switch connect() {
            case .connected(let fd):
                failures = 0
                delay = settings.reconnectMin
                state.withLock { $0.connected = true; $0.connects += 1; $0.lastError = nil }
                log.notice("connected to the centre at \(settings.endpoint)")
                events.ready(true)
                // Each connection's frames are numbered from a random start (the system's random
                // source), not from 1: a centre numbers its requests from 1 too, and the answer to
                // one carries its number, so a centre that confirmed a response by mistake would
                // otherwise confirm the record in flight under the same number.
                let why = session(fd, firstSerial: UInt16.random(in: .min ... .max))
                try? fd.close()
                state.withLock { $0.connected = false; $0.lastError = why }
                events.ready(false)
                if isStopped { return }
                log.warning("link to the centre at \(settings.endpoint) lost: \(why); reconnecting")
            case .failed(let why):
                failures += 1
                state.withLock { $0.lastError = why }
                // Logged on the 1st, 10th, 100th… failure: an outage of hours is a handful of lines.
                if [1, 10, 100, 1000].contains(failures) || failures % 10_000 == 0 {
                    log.error("cannot connect to the centre at \(settings.endpoint): \(why) (attempt \(failures)); retrying")
                }
            }
            let jitter = 0.8 + 0.4 * Double(random.next() % 1000) / 1000
            pause(.milliseconds(Int64(Double(delay.milliseconds) * jitter)))
            delay = min(delay * 2, settings.reconnectMax)
        }
    }

    private enum Connection {
        case connected(FileDescriptor)
        case failed(String)
    }

    private var isStopped: Bool { stopped.load(ordering: .acquiring) }

    private struct Outstanding {
        var serial: UInt16
        var bytes: [UInt8]
        var tag: Int32?
        var attempts: Int
        var deadline: Int64
    }

    /// One connection: returns why it ended.
    /// - Parameter firstSerial: the serial number of the connection's first frame; the next ones
    ///   count up by one, the two-byte field wrapping from 65535 to 0.
    private func session(_ fd: FileDescriptor, firstSerial: UInt16) -> String {
        var reader = GB26875FrameReader()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var outstanding: Outstanding?
        var serial = firstSerial &- 1
        var nextHeartbeat = monotonicMilliseconds()
        func nextSerial() -> UInt16 {
            serial = serial &+ 1
            return serial
        }
        while !isStopped {
            let now = monotonicMilliseconds()
            if outstanding == nil {
                if let (tag, data) = queue.withLock({ $0.first }) {
                    let s = nextSerial()
                    guard let bytes = frame(serial: s, command: .sendData, data: data) else {
                        _ = queue.withLock { $0.removeFirst() }
                        events.rejected(tag, "cannot be framed")
                        continue
                    }
                    outstanding = Outstanding(serial: s, bytes: bytes, tag: tag, attempts: 1, deadline: now + settings.ackTimeout.milliseconds)
                    if let e = transmit(fd, bytes) { return e }
                    state.withLock { $0.sent += 1 }
                } else if now >= nextHeartbeat {
                    let s = nextSerial()
                    let time = civilNow()
                    guard let object = try? GB26875Object.deviceStatus(events.deviceState(), time: time),
                          let data = try? GB26875DataUnit(.deviceStatus, objects: [object]).encoded(),
                          let bytes = frame(serial: s, command: .sendData, data: data) else { return "cannot frame a heartbeat" }
                    outstanding = Outstanding(serial: s, bytes: bytes, tag: nil, attempts: 1, deadline: now + settings.ackTimeout.milliseconds)
                    nextHeartbeat = now + settings.heartbeat.milliseconds
                    if let e = transmit(fd, bytes) { return e }
                    state.withLock { $0.heartbeats += 1 }
                }
            }
            if var o = outstanding, now >= o.deadline {
                state.withLock { $0.timeouts += 1 }
                guard o.attempts <= settings.retries else {
                    return "no confirm for frame \(o.serial) after \(o.attempts) tries of \(formatDuration(settings.ackTimeout))"
                }
                log.warning("no confirm for frame \(o.serial) within \(formatDuration(settings.ackTimeout)); sending it again")
                o.attempts += 1
                o.deadline = now + settings.ackTimeout.milliseconds
                outstanding = o
                if let e = transmit(fd, o.bytes) { return e }
            }
            let until = min(outstanding?.deadline ?? Int64.max, outstanding == nil ? nextHeartbeat : Int64.max)
            var fds = [FileDescriptor.PollRequest(fd), FileDescriptor.PollRequest(wake.descriptor)]
            let timeout = Duration.milliseconds(max(0, min(until - monotonicMilliseconds(), 1000)))
            do {
                _ = try FileDescriptor.poll(&fds, timeout: timeout)
            } catch {
                return "\(error)"
            }
            if !fds[1].returned.isEmpty { wake.drain() }
            guard !fds[0].returned.isEmpty else { continue }
            let n: Int
            do {
                n = try fd.read(into: &buffer)
            } catch where error.isWouldBlock {
                continue
            } catch {
                return "\(error)"
            }
            if n == 0 { return "the centre closed the connection" }
            reader.feed(Array(buffer[0..<n]))
            while let item = reader.next() {
                switch item {
                case .problem(let p):
                    log.warning("from the centre at \(settings.endpoint): \(p)")
                case .frame(let f):
                    if let e = handle(f, fd: fd, outstanding: &outstanding) { return e }
                }
            }
        }
        return "stopped"
    }

    /// An answer to our frame, or a command of the centre's.
    private func handle(_ f: GB26875Frame, fd: FileDescriptor, outstanding: inout Outstanding?) -> String? {
        switch f.command {
        case .confirm, .deny:
            guard var o = outstanding, o.serial == f.serial else {
                log.warning("the centre answered frame \(f.serial), which is not waiting for an answer: ignored")
                return nil
            }
            if f.command == .confirm {
                outstanding = nil
                state.withLock { $0.confirmed += 1 }
                if let tag = o.tag {
                    _ = queue.withLock { $0.removeFirst() }
                    events.confirmed(tag)
                }
                return nil
            }
            state.withLock { $0.denied += 1 }
            guard o.attempts <= settings.retries else {
                outstanding = nil
                log.error("the centre denied frame \(f.serial) \(o.attempts) times: dropped")
                if let tag = o.tag {
                    _ = queue.withLock { $0.removeFirst() }
                    events.rejected(tag, "denied by the centre \(o.attempts) times")
                }
                return nil
            }
            log.warning("the centre denied frame \(f.serial); sending it again")
            o.attempts += 1
            o.deadline = monotonicMilliseconds() + settings.ackTimeout.milliseconds
            outstanding = o
            return transmit(fd, o.bytes)
        case .control:
            guard f.data.count >= 2, let kind = GB26875DataUnit.Kind(rawValue: f.data[0]) else {
                log.warning("control frame \(f.serial) from the centre with type \(f.data.first.map(String.init) ?? "none"): not supported, denied")
                return reply(.deny, to: f, fd: fd)
            }
            switch kind {
            case .timeSync where f.data.count >= 8:
                let b = f.data
                let t = CivilTime(year: 2000 + Int(b[7]), month: Int(b[6]), day: Int(b[5]), hour: Int(b[4]), minute: Int(b[3]), second: Int(b[2]))
                guard (1...12).contains(t.month), (1...31).contains(t.day), t.hour < 24, t.minute < 60, t.second < 60 else {
                    log.warning("time sync from the centre with an invalid time \(Array(b[2..<8])): denied")
                    return reply(.deny, to: f, fd: fd)
                }
                // The time labels end with 2255: a clock set into that year would overflow them
                // within a year (at worst a second), and every frame after could not be made.
                guard t.year < 2255 else {
                    log.warning("time sync from the centre to \(t.year): past what the time labels hold (2254 at most), denied")
                    return reply(.deny, to: f, fd: fd)
                }
                let offset = t.timestamp(offsetMinutes: utcOffsetMinutes) - clock.now()
                timeSync.set(offset)
                log.notice("time sync from the centre: its clock is \(formatDuration(offset)) from ours (applied to every time label sent from now on)")
                return reply(.confirm, to: f, fd: fd)
            case .rollCall:
                log.info("roll call from the centre answered")
                return reply(.confirm, to: f, fd: fd)
            default:
                log.warning("control frame \(f.serial) with data unit type \(kind.rawValue): not supported, denied")
                return reply(.deny, to: f, fd: fd)
            }
        case .request:
            return answer(f, fd: fd)
        case .sendData, .response:
            log.warning("\(f.command) frame \(f.serial) from the centre: not supported, denied")
            return reply(.deny, to: f, fd: fd)
        }
    }

    /// A read from the centre: a response (command 5) with the data asked for, or a deny. Both
    /// carry the request's serial number (request/response mode: the answering side returns the
    /// requester's serial). The record in flight, if any, is not touched: its confirm is matched
    /// by its own serial, which the device's counter gave it.
    private func answer(_ f: GB26875Frame, fd: FileDescriptor) -> String? {
        switch GB26875Query.parse(f.data) {
        case .failure(let e):
            state.withLock { $0.refused += 1 }
            log.warning("request \(f.serial) from the centre: \(e); denied")
            return reply(.deny, to: f, fd: fd)
        case .success(let queries):
            switch events.answer(queries, civilNow()) {
            case .response(let data) where data.count > GB26875Frame.maxData:
                // The translator denies such reads itself; this keeps any other answerer from
                // ending the connection with a frame that cannot be made.
                state.withLock { $0.refused += 1 }
                log.warning("request \(f.serial) from the centre (type \(f.data[0])): the answer's \(data.count) bytes are over the standard's \(GB26875Frame.maxData); denied")
                return reply(.deny, to: f, fd: fd)
            case .response(let data):
                state.withLock { $0.answered += 1 }
                log.info("request \(f.serial) from the centre (type \(f.data[0]), \(queries.count) objects) answered")
                return reply(.response, to: f, data: data, fd: fd)
            case .deny(let why):
                state.withLock { $0.refused += 1 }
                log.warning("request \(f.serial) from the centre (type \(f.data[0])): \(why); denied")
                return reply(.deny, to: f, fd: fd)
            }
        }
    }

    /// Confirm, deny or answer a frame of the centre's: the answer carries its serial number.
    private func reply(_ command: GB26875Frame.Command, to f: GB26875Frame, data: [UInt8] = [], fd: FileDescriptor) -> String? {
        guard let bytes = frame(serial: f.serial, command: command, data: data) else { return "cannot frame an answer" }
        return transmit(fd, bytes)
    }

    private func civilNow() -> CivilTime {
        timeSync.civil(clock.now(), utcOffsetMinutes: utcOffsetMinutes)
    }

    private func frame(serial: UInt16, command: GB26875Frame.Command, data: [UInt8]) -> [UInt8]? {
        do {
            return try GB26875Frame(serial: serial, time: civilNow(), source: settings.source, destination: settings.destination,
                                    command: command, data: data).encoded()
        } catch {
            log.error("cannot frame a \(command) for the centre: \(error)")
            return nil
        }
    }

    /// Writes all of `bytes` (the socket has a send timeout); the error, or nil.
    /// A send that times out is an `EAGAIN` error here, not a wait for room: the send timeout is
    /// what bounds a centre that stopped reading.
    private func transmit(_ fd: FileDescriptor, _ bytes: [UInt8]) -> String? {
        var rest = bytes[...]
        while !rest.isEmpty {
            do {
                rest = rest.dropFirst(try fd.send(rest))
            } catch {
                return "\(error)"
            }
        }
        return nil
    }

    /// Sleeps `d`, or less when stopped.
    private func pause(_ d: Duration) {
        let end = monotonicMilliseconds() + d.milliseconds
        while !isStopped {
            let left = end - monotonicMilliseconds()
            guard left > 0 else { return }
            if let ready = try? FileDescriptor.poll(wake.descriptor, for: .readable, timeout: .milliseconds(left)), !ready.isEmpty {
                wake.drain()
            }
        }
    }

    /// A connected, blocking socket with a send timeout, or why not.
    private func connect() -> Connection {
        do {
            return .connected(try FileDescriptor.tcpConnection(host: settings.host, port: settings.port,
                                                                timeout: settings.connectTimeout, sendTimeout: .seconds(5)))
        } catch {
            return .failed("\(error)")
        }
    }
}
