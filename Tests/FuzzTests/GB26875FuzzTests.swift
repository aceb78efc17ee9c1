#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldSystem
import FieldTestSupport
import Foundation
import GB26875
import Synchronization
import Testing

/// GB/T 26875.3 frames from the alarm operations centre: the frame reader and the request parser
/// on mangled bytes, and a running `GB26875Link` against a hostile centre over loopback TCP
/// (garbage, cut frames, huge length fields, valid frames with hostile data units). The link
/// logs, skips or denies, keeps or remakes its connection, and still answers afterwards.
@Suite(.serialized) struct GB26875FuzzTests {
    static let device = GB26875Address(2001), centre = GB26875Address(1)
    static let time = CivilTime(year: 2026, month: 12, day: 8, hour: 9, minute: 30, second: 15)

    /// A frame as the centre sends it, its 30 header and trailer bytes written by hand from the
    /// standard's layout (§6), not by our encoder.
    static func raw(serial: UInt16, command: UInt8, data: [UInt8], time t: [UInt8] = [15, 30, 9, 8, 12, 26]) -> [UInt8] {
        var body: [UInt8] = [UInt8(serial & 0xFF), UInt8(serial >> 8), 1, 0]
        body += t
        body += centre.bytes
        body += device.bytes
        body += [UInt8(data.count & 0xFF), UInt8((data.count >> 8) & 0xFF), command]
        body += data
        let sum = body.reduce(UInt8(0)) { $0 &+ $1 }
        return [0x40, 0x40] + body + [sum, 0x23, 0x23]
    }

    /// A data unit the centre might send: mostly well-formed, with hostile values.
    static func hostileUnit(_ g: inout SplitMix64) -> (command: UInt8, data: [UInt8]) {
        let readTypes = Array(GB26875Query.readTypes.keys)
        switch Int.random(in: 0..<8, using: &g) {
        case 0:
            // Time sync (90) with any civil time, valid or not (month 0, day 31 of February, hour 24, year 255).
            let t: [UInt8] = [[0, 59, 60, 255], [0, 59, 60], [0, 23, 24], [1, 29, 31, 0, 32], [1, 2, 12, 0, 13], [26, 0, 255, 254]]
                .map { $0.randomElement(using: &g)! }
            return (1, [90, 1] + t + (Bool.random(using: &g) ? [] : Mutator.bytes(&g, count: Int.random(in: 0...4, using: &g))))
        case 1: return (1, Mutator.bytes(&g, count: Int.random(in: 0...12, using: &g)))
        case 2: return (1, [91, UInt8.random(in: 0...3, using: &g)] + Mutator.bytes(&g, count: Int.random(in: 0...3, using: &g)))
        case 3: return ([3, 6].randomElement(using: &g)!, Mutator.bytes(&g, count: Int.random(in: 0...4, using: &g)))
        case 4:
            let type = readTypes.randomElement(using: &g)!
            let spec = GB26875Query.readTypes[type]!
            let count = [0, 1, 2, 255, Int.random(in: 0...255, using: &g)].randomElement(using: &g)!
            let size = Bool.random(using: &g) ? count * spec.size : Int.random(in: 0...40, using: &g)
            return (4, [type, UInt8(count)] + Mutator.bytes(&g, count: min(size, 240)))
        case 5: return (4, Mutator.bytes(&g, count: Int.random(in: 0...20, using: &g)))
        case 6: return ([2, 5, 0, 7, 255].randomElement(using: &g)!, Mutator.bytes(&g, count: Int.random(in: 0...30, using: &g)))
        default: return (4, [88, 1, 0])
        }
    }

    /// Bytes a hostile centre sends in one go.
    static func hostileBytes(_ g: inout SplitMix64) -> [UInt8] {
        let (command, data) = hostileUnit(&g)
        let frame = raw(serial: UInt16.random(in: 0 ... .max, using: &g), command: command, data: data)
        switch Int.random(in: 0..<9, using: &g) {
        case 0: return Mutator.bytes(&g, count: Int.random(in: 1...300, using: &g))
        case 1: return Array(frame.prefix(Int.random(in: 0..<frame.count, using: &g)))
        case 2:
            // A length field far past anything a centre sends.
            var f = frame
            f[24] = 0xFF
            f[25] = UInt8.random(in: 0...255, using: &g)
            return f
        case 3: return Mutator.mutate(frame, &g)
        case 4: return raw(serial: 9, command: 2, data: Mutator.bytes(&g, count: Int.random(in: 257...2000, using: &g)))
        case 5: return [0x40, 0x40] + frame
        default: return frame
        }
    }

    // MARK: - Unit level

    @Test func theFrameReaderOnMangledStreams() {
        FuzzRun("GB 26875.3 frame reader").run { caseSeed, g in
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &g) { stream += Self.hostileBytes(&g) }
            // A valid frame after the noise, then padding that completes any frame the noise began.
            let marker = Self.raw(serial: 0xBEEF, command: 3, data: [])
            stream += marker + [UInt8](repeating: 0, count: 300)
            var reader = GB26875FrameReader()
            var found = false
            var at = 0
            while at < stream.count {
                let n = min(stream.count - at, [1, 2, 7, 64, 4096].randomElement(using: &g)!)
                reader.feed(Array(stream[at..<(at + n)]))
                at += n
                var items = 0
                while let item = reader.next() {
                    items += 1
                    #expect(items < 10_000, "FUZZ_CASE=0x\(String(caseSeed, radix: 16)): the reader spins")
                    if items >= 10_000 { return }
                    switch item {
                    case .problem(let p): #expect(!p.isEmpty)
                    case .frame(let f):
                        #expect(f.data.count <= reader.maxData, "FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
                        if f.serial == 0xBEEF, f.command == .confirm, f.data.isEmpty { found = true }
                    }
                }
            }
            #expect(found, "FUZZ_CASE=0x\(String(caseSeed, radix: 16)): the valid frame after the noise was lost")
        }
    }

    @Test func theRequestParserOnHostileDataUnits() {
        FuzzRun("GB 26875.3 request parser").run { caseSeed, g in
            let data = Bool.random(using: &g) ? Self.hostileUnit(&g).data : Mutator.mutate([62, 1, 1, 1, 4, 3, 2, 1], &g)
            switch GB26875Query.parse(data) {
            case .success(let queries):
                // In steps: light work for Swift 6.0.3's type checker.
                let spec = GB26875Query.readTypes[data[0]]
                let size = spec?.size ?? 0
                var fits = spec?.answered == true
                fits = fits && queries.count == Int(data[1])
                fits = fits && data.count == 2 + queries.count * size
                #expect(fits, "FUZZ_CASE=0x\(String(caseSeed, radix: 16)): \(data) parsed as \(queries)")
            case .failure(let e):
                #expect(!e.description.isEmpty)
            }
        }
    }

    /// The gateway's answers to well-formed reads of hostile objects (mapped and unmapped systems
    /// and components, any address) while its points read anything: a response that fits a
    /// frame, or a deny that says why.
    @Test func theTranslatorsAnswersToHostileReads() {
        let hydrant = GB26875System(type: 11, address: 1)
        let pressure = PointRef(device: "main-pt", point: "pressure")
        let translator = GB26875Translator(mappings: [
            GB26875PointMapping(point: pressure, device: "main-pt", system: hydrant, component: GB26875ComponentRef(type: 0, address: 1),
                                analog: (5, 10_000)),
            GB26875PointMapping(point: PointRef(device: "pump-room", point: "fire-pump-run"), device: "pump-room", system: hydrant,
                                component: GB26875ComponentRef(type: 91, address: 4), whenTrue: .started, alarms: ["pump-fault": .fault]),
            GB26875PointMapping(point: nil, device: "cabinet-1", system: GB26875System(type: 128, address: 2),
                                component: GB26875ComponentRef(type: 0, address: 9)),
        ], utcOffsetMinutes: 480)
        let values: [Double] = [0, 0.35, -1, 3.2767, 3.2768, -3.2768, 1e300, -1e300, .infinity, .nan, .greatestFiniteMagnitude]
        let times: [Int64] = [0, 1_796_644_800_000, -62_135_596_800_000, 8_000_000_000_000, 253_402_300_799_999]
        FuzzRun("GB 26875.3 answers to reads").run { caseSeed, g in
            let type: UInt8 = [61, 62, 63, 81, 88].randomElement(using: &g)!
            let size = GB26875Query.readTypes[type]!.size
            let count = Int.random(in: 1...255, using: &g)
            var data: [UInt8] = [type, UInt8(count)]
            for _ in 0..<count {
                var object = Mutator.bytes(&g, count: size)
                if size >= 2, Bool.random(using: &g) { object[0] = 11; object[1] = 1 }
                if size == 6, Bool.random(using: &g) { object[2] = [1, 4, 9].randomElement(using: &g)!; object[3] = 0; object[4] = 0; object[5] = 0 }
                data += object
            }
            guard case .success(let queries) = GB26875Query.parse(data) else { return }
            let reading = Reading(.number(values.randomElement(using: &g)!), quality: Quality.allCases.randomElement(using: &g)!,
                                  at: Timestamp(milliseconds: times.randomElement(using: &g)!))
            let now = CivilTime(year: Int.random(in: 2000...2254, using: &g), month: 12, day: 31, hour: 23, minute: 59, second: 59)
            switch translator.answer(queries, now: now, current: { _ in reading }) {
            case .response(let unit):
                let frame = try? GB26875Frame(serial: 1, time: now, source: Self.device, destination: Self.centre, command: .response, data: unit).encoded()
                #expect(frame != nil && unit.first != nil, "FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
            case .deny(let why):
                #expect(!why.isEmpty, "FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
            }
        }
    }

    // MARK: - A running link against a hostile centre

    @Test func aHostileCentreAgainstTheRunningLink() throws {
        let centre = try HostileCentre()
        defer { centre.stop() }
        let settings = GB26875LinkSettings(host: "127.0.0.1", port: centre.port, source: Self.device, destination: Self.centre,
                                           ackTimeout: .milliseconds(300), retries: 1, heartbeat: .seconds(60), connectTimeout: .seconds(1),
                                           reconnectMin: .milliseconds(10), reconnectMax: .milliseconds(50))
        let events = GB26875LinkEvents(confirmed: { _ in }, rejected: { _, _ in }, ready: { _ in }, deviceState: { .monitoring },
                                       answer: { queries, _ in queries == [.deviceTime] ? .response([28, 1, 0, 0, 0, 1, 1, 26]) : .deny("not in this test") })
        let link = try GB26875Link(settings: settings, events: events, utcOffsetMinutes: 480)
        let linkThread = LinkThreadID()
        let thread = Thread {
            // "/proc/thread-self" links to "<pid>/task/<tid>" (Glibc's gettid is not imported).
            let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self"))?.split(separator: "/").last
            linkThread.tid.store(me.flatMap { Int32($0) } ?? 0, ordering: .releasing)
            link.run()
        }
        thread.start()
        defer {
            link.stop()
            _ = Waiting.until(timeout: .seconds(5)) { link.status.connected ? nil : true }
        }
        #expect(centre.waitForClient(), "the link connects")
        FuzzRun("a hostile centre against the link").run { _, g in
            for _ in 0..<Int.random(in: 1...4, using: &g) { centre.send(Self.hostileBytes(&g)) }
            if Int.random(in: 0..<40, using: &g) == 0 { centre.hangUp() }
            if Int.random(in: 0..<10, using: &g) == 0 { link.send(tag: 1, data: [21, 1, 0, 1, 2, 3, 4, 5, 26]) }
            usleep(2000)
        }
        // Still answering: a roll call (91) is confirmed with its serial.
        let answered = Waiting.until(timeout: .seconds(10)) { () -> Bool? in
            centre.send([UInt8](repeating: 0, count: 300) + Self.raw(serial: 0xBEEF, command: 1, data: [91, 1, 0]))
            return Waiting.until(timeout: .milliseconds(300)) { centre.received(serial: 0xBEEF, command: .confirm) ? true : nil }
        }
        #expect(answered == true, "the link answers the centre after the noise (status \(link.status))")
        // And does not spin: with the centre quiet, its thread sleeps in poll.
        let tid = linkThread.tid.load(ordering: .acquiring)
        let before = Self.cpuTicks(ofThread: tid)
        Thread.sleep(forTimeInterval: 1)
        let after = Self.cpuTicks(ofThread: tid)
        #expect(before != nil && after != nil, "the link's thread \(tid) is found in /proc")
        if let before, let after { #expect(after - before < 30, "the link's thread used \(after - before) ticks of CPU in 1 s") }
    }

    /// User plus system CPU time of this process's thread `tid`, in clock ticks (Linux).
    static func cpuTicks(ofThread tid: Int32) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the name: state is the 3rd field of the line, utime the 14th, stime the 15th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// A time sync to the last second the one-byte year can label: the link denies it and keeps
    /// framing (before the fix, a second later every frame's time label overflowed: heartbeats and
    /// answers failed, records were rejected as "cannot be framed").
    @Test func aTimeSyncToTheEndOfTheYearFieldIsDenied() throws {
        let centre = try HostileCentre()
        defer { centre.stop() }
        let settings = GB26875LinkSettings(host: "127.0.0.1", port: centre.port, source: Self.device, destination: Self.centre,
                                           ackTimeout: .milliseconds(300), retries: 1, reconnectMin: .milliseconds(10), reconnectMax: .milliseconds(50))
        let rejected = RejectedTags()
        let events = GB26875LinkEvents(confirmed: { _ in }, rejected: { t, _ in rejected.tags.withLock { $0.append(t) } }, ready: { _ in },
                                       deviceState: { .monitoring })
        let link = try GB26875Link(settings: settings, events: events, utcOffsetMinutes: 480)
        let thread = Thread { link.run() }
        thread.start()
        defer {
            link.stop()
            _ = Waiting.until(timeout: .seconds(5)) { link.status.connected ? nil : true }
        }
        #expect(centre.waitForClient())
        centre.send(Self.raw(serial: 0x5151, command: 1, data: [90, 1, 59, 59, 23, 31, 12, 255]))
        let denied = Waiting.until(timeout: .seconds(5)) { centre.received(serial: 0x5151, command: .deny) ? true : nil }
        #expect(denied == true, "the sync is denied")
        #expect(link.status.clockOffset == .zero)
        Thread.sleep(forTimeInterval: 1.2)
        // 14 data bytes: not a heartbeat's 9.
        link.send(tag: 3, data: [2, 1] + [UInt8](repeating: 7, count: 12))
        let sent = Waiting.until(timeout: .seconds(5)) { centre.received(serial: nil, command: .sendData, dataCount: 14) ? true : nil }
        #expect(sent == true, "a record is still framed and sent")
        #expect(rejected.tags.withLock { $0 }.isEmpty)
    }
}

/// The kernel's id of the link's thread, for its CPU time.
final class LinkThreadID: Sendable {
    let tid = Atomic<Int32>(0)
}

/// Tags the link gave up on.
final class RejectedTags: Sendable {
    let tags = Mutex<[Int32]>([])
}

/// A centre that sends what the test says to the link's current connection and records what
/// the link sends back, decoded by the link's own reader.
final class HostileCentre: Sendable {
    let port: Int
    private let listener: CInt
    private let client = Mutex<CInt>(-1)
    private let frames = Mutex<[GB26875Frame]>([])
    private let stopping = Atomic<Bool>(false)
    private let done = BlockingQueueLite()

    init() throws {
        (listener, port) = try loopbackListener()
        let done = self.done
        Thread.detachNewThread { [self] in
            serve()
            done.signal()
        }
    }

    func waitForClient() -> Bool {
        Waiting.until(timeout: .seconds(5)) { client.withLock { $0 } >= 0 ? true : nil } == true
    }

    func send(_ bytes: [UInt8]) {
        client.withLock { fd in
            guard fd >= 0 else { return }
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        }
    }

    func hangUp() {
        client.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// Whether the link sent a frame with this command (and serial, and data size).
    func received(serial: UInt16?, command: GB26875Frame.Command, dataCount: Int? = nil) -> Bool {
        frames.withLock { $0.contains { f in
            f.command == command && (serial == nil || f.serial == serial) && (dataCount == nil || f.data.count == dataCount)
        } }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        done.wait()
        hangUp()
        close(listener)
    }

    private func serve() {
        var reader = GB26875FrameReader(maxData: 4096)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopping.load(ordering: .relaxed) {
            let current = client.withLock { $0 }
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: current, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, current >= 0 ? 2 : 1, 20) > 0 else { continue }
            if fds[0].revents != 0 {
                let fd = accept(listener, nil, nil)
                if fd >= 0 {
                    hangUp()
                    client.withLock { $0 = fd }
                    reader = GB26875FrameReader(maxData: 4096)
                }
                continue
            }
            let n = client.withLock { fd in fd == current && fd >= 0 ? read(fd, &buffer, buffer.count) : 0 }
            guard n > 0 else {
                if n == 0 { client.withLock { fd in if fd == current, fd >= 0 { close(fd); fd = -1 } } }
                continue
            }
            reader.feed(Array(buffer[0..<n]))
            while let item = reader.next() {
                if case .frame(let f) = item { frames.withLock { $0.append(f) } }
            }
        }
    }
}
