import FieldCore
import FieldDevices
import FieldTestSupport
import Foundation
import Testing

@testable import FieldSim

/// A dead device must not eat its bus (issue 4): on the demo site's pole bus, lamp-2 falls silent
/// in the simulator; it goes offline with its comm-lost alarm and comm-error points while lamp-1,
/// env-1 and tilt-1 keep their one-second polls, and it comes back by itself when it answers again.
///
/// The bus-mates' rate is measured so that the test tells isolation from its absence: with the
/// pole bus's response timeout above the poll interval, a gateway that kept polling the silent
/// device gives its mates 0.67 polls/s (measured with `offlineAfter` raised out of reach); this
/// one gives them 1.0.
@Suite("fieldgate on the demo site: a silent device", .serialized)
struct DemoSiteOfflineTests {
    static let silent = "lamp-2"
    static let busMates = ["lamp-1", "env-1", "tilt-1"]

    /// The pole bus waits 2 s for an answer (a slow line), longer than the poll interval: a silent
    /// device that kept being polled would cost its bus-mates one poll in three. Isolated, it is
    /// retried after 2, 4, 8, 16… intervals.
    static func slowPoleBus(_ site: inout [String: Any]) throws {
        try EndToEndRig.editBuses(&site) { bus in
            if bus["name"] as? String == "pole-bus" { bus["responseTimeout"] = "2s" }
        }
    }

    /// Requests in one poll of each device: its read plan, planned as the gateway plans it.
    static func requestsPerPoll(_ field: SimulatedField, _ ids: [String]) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for id in ids {
            let d = try #require(field.device(id))
            var limits = d.profile.modbus.readLimits
            limits.maxGap = min(limits.maxGap, try #require(d.bus.flatMap { field.site.bus($0) }).maxGap)
            out[id] = ReadPlan(profile: d.profile, limits: limits).requests.count
        }
        return out
    }

    /// A device's counters in the gateway's `devices` answer.
    static func counter(_ devices: [String: JSONValue], _ id: String, _ name: String) -> Double {
        devices[id]?["stats"]?[name]?.numberValue ?? 0
    }

    /// Polls per second of each device over `window`, from the gateway's own request counters
    /// (a poll of a healthy device is its read plan's requests; lamp-1's also count the lamp
    /// app's writes). Counting polls rather than timing them keeps a loaded machine from failing
    /// the test: on a steady tick a poll that starts late still counts, only one late by a whole
    /// interval (here 1 s, with 0.2 s of the bus's time taken by the mates) is lost.
    static func pollRates(_ rig: EndToEndRig, _ perPoll: [String: Int], window: Duration) throws -> (rates: [String: Double], before: [String: JSONValue], after: [String: JSONValue]) {
        let before = try rig.devices()
        let start = monotonicMilliseconds()
        usleep(useconds_t(window.milliseconds * 1000))
        let after = try rig.devices()
        let seconds = Double(monotonicMilliseconds() - start) / 1000
        var rates: [String: Double] = [:]
        for (id, n) in perPoll {
            rates[id] = (counter(after, id, "requests") - counter(before, id, "requests")) / Double(n) / seconds
        }
        return (rates, before, after)
    }

    @Test("lamp-2 goes silent: offline with comm-lost, comm-error points, its bus-mates keep their rate; it comes back",
          .timeLimit(.minutes(4)))
    func aSilentDeviceIsIsolated() throws {
        let rig = try EndToEndRig(edit: Self.slowPoleBus) { field in try FieldValues.fill(field, variant: 0) }
        let offline = rig.waitUntilOnline()
        try #require(offline.isEmpty, "not online: \(offline)\n\(rig.gateway.logTail())")
        let perPoll = try Self.requestsPerPoll(rig.field, Self.busMates)
        let interval = 1.0 // the demo site's poll interval, s
        for id in Self.busMates + [Self.silent] {
            #expect(rig.field.device(id)?.poll == .seconds(1), "\(id) polls once a second on the demo site")
        }
        let healthy = try Self.pollRates(rig, perPoll, window: .seconds(6))

        let faults = try #require(rig.field.faults(Self.silent))
        faults.set(.noResponse)
        let lost = Waiting.until(timeout: .seconds(20), interval: .milliseconds(100)) {
            (try? rig.api.alarms())?.first { $0.id == "\(Self.silent)/comm-lost" && $0.active }
        }
        try #require(lost != nil, "no comm-lost alarm for \(Self.silent):\n\(rig.gateway.logTail())")
        #expect(lost?.severity == "major")
        let devices = try rig.devices()
        #expect(devices[Self.silent]?["online"] == .bool(false))
        let silentPoints = try rig.api.points().filter { $0.key.hasPrefix(Self.silent + ".") }
        let readable = try #require(rig.field.device(Self.silent)).profile.points.filter(\.isReadable).map { "\(Self.silent).\($0.name)" }
        for name in readable {
            #expect(silentPoints[name]?.quality == "comm-error", "\(name): \(String(describing: silentPoints[name]))")
        }

        // Once retried three times (after 2, 4 and 8 s), the next retry is 16 s away: its
        // bus-mates keep every poll.
        let offlineAfter = try #require(rig.field.site.bus("pole-bus")).offlineAfter
        let retried = Waiting.until(timeout: .seconds(45), interval: .milliseconds(100)) { () -> Double? in
            let tries = (try? rig.devices()).map { Self.counter($0, Self.silent, "timeouts") } ?? 0
            return tries >= Double(offlineAfter + 3) ? tries : nil
        }
        try #require(retried != nil, "\(Self.silent) was not retried three times:\n\(rig.gateway.logTail())")
        let window = Duration.seconds(12)
        let faulted = try Self.pollRates(rig, perPoll, window: window)
        for id in Self.busMates {
            let rate = faulted.rates[id] ?? 0
            #expect(rate >= 0.9 / interval,
                    "\(id) polled \(String(format: "%.2f", rate))/s while \(Self.silent) was silent (healthy \(String(format: "%.2f", healthy.rates[id] ?? 0))/s, configured \(1 / interval)/s)")
        }
        let retries = Self.counter(faulted.after, Self.silent, "timeouts") - Self.counter(faulted.before, Self.silent, "timeouts")
        #expect(retries <= 1, "\(Self.silent) was tried \(retries) times in \(window)")

        faults.clear()
        let back = Waiting.until(timeout: .seconds(45), interval: .milliseconds(200)) { () -> Bool? in
            guard let alarms = try? rig.api.alarms(), let devices = try? rig.devices() else { return nil }
            let cleared = !alarms.contains { $0.id == "\(Self.silent)/comm-lost" && $0.active }
            return cleared && devices[Self.silent]?["online"] == .bool(true) ? true : nil
        }
        #expect(back == true, "\(Self.silent) did not come back:\n\(rig.gateway.logTail())")
        let alarm = try rig.api.alarms().first { $0.id == "\(Self.silent)/comm-lost" }
        #expect(alarm?.clearedAt != nil, "the alarm is cleared, kept until acknowledged: \(String(describing: alarm))")
        let wrong = rig.waitForPoints(timeout: .seconds(10)) { FieldValues.mismatches($0, field: rig.field) }
        #expect(wrong.isEmpty, "after coming back:\n\(wrong.joined(separator: "\n"))")
    }
}
