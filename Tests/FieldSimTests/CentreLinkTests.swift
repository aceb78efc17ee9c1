#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import Foundation
import GB26875
import Synchronization
import Testing

@testable import FieldSim

/// The gateway's link (`GB26875Link`) against the simulated centre over real TCP: confirms,
/// denies, dropped frames, disconnects, outages, time sync, roll call, a hostile peer.
@Suite("GB 26875.3 link and centre", .serialized)
struct CentreLinkTests {
    final class Events: Sendable {
        let confirmed = Mutex<[Int32]>([])
        let rejected = Mutex<[Int32]>([])
        let readyChanges = Mutex<[Bool]>([])

        var handlers: GB26875LinkEvents {
            GB26875LinkEvents(confirmed: { t in self.confirmed.withLock { $0.append(t) } },
                              rejected: { t, _ in self.rejected.withLock { $0.append(t) } },
                              ready: { r in self.readyChanges.withLock { $0.append(r) } },
                              deviceState: { .monitoring })
        }
    }

    struct Rig {
        let centre: GB26875Centre
        let link: GB26875Link
        let events: Events
        let thread: Thread

        init(ackTimeout: Duration = .milliseconds(300), retries: Int = 2, heartbeat: Duration = .seconds(60)) throws {
            centre = GB26875Centre()
            try centre.start()
            events = Events()
            let settings = GB26875LinkSettings(host: "127.0.0.1", port: centre.port, source: GB26875Address(2001), destination: GB26875Address(1),
                                               ackTimeout: ackTimeout, retries: retries, heartbeat: heartbeat,
                                               reconnectMin: .milliseconds(100), reconnectMax: .milliseconds(400))
            let link = try GB26875Link(settings: settings, events: events.handlers, utcOffsetMinutes: 480)
            self.link = link
            thread = Thread { link.run() }
            thread.start()
        }

        func stop() {
            link.stop()
            centre.stop()
            // The link's thread ends with its loop (it polls the wake-up pipe).
            _ = Waiting.until(timeout: .seconds(5)) { link.status.connected ? nil : true }
        }

        func unit(_ value: Int) throws -> [UInt8] {
            try GB26875DataUnit(.analogValue, objects: [try GB26875Object.analogValue(
                GB26875System(type: 11, address: 1), GB26875ComponentRef(type: 0, address: 1), analogType: 5, value: value,
                time: CivilTime(year: 2026, month: 12, day: 7))]).encoded()
        }

        /// The analogue values that reached the centre, in order.
        var values: [Int] {
            centre.received.compactMap { $0.object["kind"] == "analog-value" ? $0.object["value"]?.numberValue.map { Int($0) } : nil }
        }

        func waitFor(_ what: String, _ condition: () -> Bool) {
            if Waiting.until(timeout: .seconds(15), { condition() ? true : nil }) == nil {
                Issue.record("timed out waiting for \(what); link \(link.status), centre problems \(centre.problems)")
            }
        }
    }

    @Test func recordsAreConfirmedInOrderAndTheHeartbeatFollowsWhenIdle() throws {
        let rig = try Rig()
        defer { rig.stop() }
        for i in 1...5 { rig.link.send(tag: Int32(i), data: try rig.unit(i * 100)) }
        rig.waitFor("five confirms") { rig.events.confirmed.withLock { $0.count } == 5 }
        #expect(rig.events.confirmed.withLock { $0 } == [1, 2, 3, 4, 5])
        #expect(rig.values == [100, 200, 300, 400, 500])
        // The heartbeat goes whenever the link is idle (at the connection, then every `heartbeat`).
        rig.waitFor("a heartbeat") { rig.centre.received.contains { $0.object["kind"] == "device-status" } }
        #expect(rig.centre.problems.isEmpty)
        #expect(rig.link.status.heartbeats >= 1)
    }

    @Test func aDeniedFrameIsRetriedThenGivenUp() throws {
        let rig = try Rig(retries: 2)
        defer { rig.stop() }
        rig.waitFor("the connection") { rig.link.status.connected && rig.centre.received.count >= 1 }
        rig.centre.setFault(.deny)
        rig.link.send(tag: 7, data: try rig.unit(1))
        rig.waitFor("the frame given up") { rig.events.rejected.withLock { $0 } == [7] }
        #expect(rig.link.status.denied == 3)
        // The next record is not held back by the refused one.
        rig.centre.setFault(.none)
        rig.link.send(tag: 8, data: try rig.unit(2))
        rig.waitFor("the next confirm") { rig.events.confirmed.withLock { $0 } == [8] }
        #expect(rig.values == [2])
    }

    @Test func droppedFramesTimeOutAndAreSentAgainAfterAReconnect() throws {
        let rig = try Rig(ackTimeout: .milliseconds(200), retries: 1)
        defer { rig.stop() }
        rig.waitFor("the connection") { rig.link.status.connected && rig.centre.received.count >= 1 }
        rig.centre.setFault(.drop)
        rig.link.send(tag: 1, data: try rig.unit(11))
        rig.waitFor("a reconnect after the timeouts") { rig.link.status.connects >= 2 }
        #expect(rig.link.status.timeouts >= 2)
        #expect(rig.events.confirmed.withLock { $0 }.isEmpty && rig.events.rejected.withLock { $0 }.isEmpty)
        rig.centre.setFault(.none)
        rig.waitFor("the kept frame confirmed") { rig.events.confirmed.withLock { $0 } == [1] }
        #expect(rig.values == [11])
    }

    @Test func anOutageAndADisconnectLoseNothing() throws {
        let rig = try Rig()
        defer { rig.stop() }
        rig.waitFor("the connection") { rig.link.status.connected }
        rig.centre.setDown(true)
        rig.waitFor("the link down") { !rig.link.status.connected }
        for i in 1...3 { rig.link.send(tag: Int32(i), data: try rig.unit(i)) }
        usleep(300_000)
        rig.centre.setDown(false)
        rig.waitFor("three confirms") { rig.events.confirmed.withLock { $0.count } == 3 }
        rig.centre.setFault(.disconnect)
        rig.link.send(tag: 4, data: try rig.unit(4))
        rig.waitFor("the link dropped by the centre") { rig.link.status.connects >= 3 }
        rig.centre.setFault(.none)
        rig.waitFor("the fourth confirm") { rig.events.confirmed.withLock { $0 } == [1, 2, 3, 4] }
        #expect(rig.values == [1, 2, 3, 4])
        #expect(rig.events.readyChanges.withLock { $0 }.filter { $0 }.count >= 3)
    }

    @Test func aLateConfirmWithinTheTimeoutIsEnough() throws {
        let rig = try Rig(ackTimeout: .seconds(2))
        defer { rig.stop() }
        rig.centre.setFault(.delay, delay: .milliseconds(500))
        rig.link.send(tag: 1, data: try rig.unit(5))
        rig.waitFor("the confirm") { rig.events.confirmed.withLock { $0 } == [1] }
        #expect(rig.link.status.timeouts == 0 && rig.values == [5])
    }

    @Test func timeSyncAndRollCallFromTheCentreAreConfirmed() throws {
        let rig = try Rig()
        defer { rig.stop() }
        rig.waitFor("the connection") { rig.link.status.connected && rig.centre.connectionCount == 1 }
        let ahead = SystemClock().now() + .seconds(3600)
        CentreAction.timeSync.apply(to: rig.centre, now: ahead)
        rig.waitFor("the offset applied") { abs(rig.link.status.clockOffset.inSeconds - 3600) < 5 }
        CentreAction.rollCall.apply(to: rig.centre)
        usleep(300_000)
        // The device's answers are confirms of the centre's frames: nothing refused on either side.
        #expect(rig.centre.problems.isEmpty)
        #expect(rig.link.status.connected && rig.link.status.connects == 1)
    }

    @Test func aHostilePeerGetsLogLinesNotACrash() throws {
        let rig = try Rig()
        defer { rig.stop() }
        rig.waitFor("the connection") { rig.link.status.connected }
        // Garbage, a frame with a bad checksum, an absurd length, a half frame, from a second client.
        var random = SplitMix64(seed: 26875)
        var garbage = (0..<5000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var bad = try GB26875Frame(serial: 9, time: CivilTime(year: 2026, month: 1, day: 1), source: GB26875Address(5),
                                   destination: GB26875Address(1), command: .sendData, data: try rig.unit(1)).encoded()
        bad[bad.count - 3] &+= 1
        garbage += bad + [0x40, 0x40] + Array(repeating: 0xFF, count: 30) + Array(bad.prefix(20))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(rig.centre.port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(rc == 0)
        _ = garbage.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        usleep(300_000)
        close(fd)
        rig.waitFor("the checksum logged") { rig.centre.problems.contains { $0.contains("checksum") } }
        // The centre still serves the gateway.
        rig.link.send(tag: 1, data: try rig.unit(42))
        rig.waitFor("the confirm") { rig.events.confirmed.withLock { $0 } == [1] }
        #expect(rig.values.last == 42)
    }

    @Test func theGatewaysReaderSurvivesGarbageToo() throws {
        var reader = GB26875FrameReader()
        var random = SplitMix64(seed: 7)
        reader.feed((0..<10_000).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        var problems = 0
        while let item = reader.next() { if case .problem = item { problems += 1 } }
        #expect(problems > 0)
        let confirm = try GB26875Frame(serial: 3, time: CivilTime(year: 2026, month: 1, day: 1), source: GB26875Address(1),
                                       destination: GB26875Address(2001), command: .confirm).encoded()
        reader.feed(confirm)
        var frames: [GB26875Frame] = []
        while let item = reader.next() { if case .frame(let f) = item { frames.append(f) } }
        #expect(frames.map(\.serial) == [3] && frames.first?.command == .confirm)
    }
}
