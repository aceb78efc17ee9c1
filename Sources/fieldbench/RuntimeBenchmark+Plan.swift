import FieldCore
import FieldDevices
import FieldRuntime
import FieldSim
import Foundation

extension RuntimeBenchmark {
    /// Part 3: requests per poll cycle on a site (the demo site by default), with the read
    /// planner's coalescing (`ReadPlan(profile:)`, with the bus's largest gap, as the gateway
    /// plans) against one request per point; on RTU buses also the cycle's time on the wire
    /// ((8 + 5 + 2N) characters + 2 × t3.5 + 5 ms turnaround per read).
    static func plan(sitePath: String) throws {
        let directory = try Waiting.temporaryDirectory(prefix: "fieldbench-plan")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (site, _) = try SiteFiles.load(sitePath: sitePath, stateDirectory: directory, environment: ["FIELDGATE_BOARDS": boards])
        let turnaround: Int64 = 5_000_000
        print("fieldbench runtime plan: \(sitePath) (site \(site.info.id))")
        print("requests per poll cycle: coalesced by the read planner vs one request per point; RTU: the cycle's time on the wire")
        print("")
        print("device       profile           bus          points  coalesced  per point   wire ms coalesced  per point")
        var totals = (points: 0, coalesced: 0, perPoint: 0, perSecondCoalesced: 0.0, perSecondPerPoint: 0.0)
        var busLoad: [String: (coalesced: Double, perPoint: Double)] = [:]
        for d in site.devices where d.enabled && d.profile.usesModbus {
            guard let bus = d.bus.flatMap({ site.bus($0) }) else { continue }
            var limits = d.profile.modbus.readLimits
            limits.maxGap = min(limits.maxGap, bus.maxGap)
            let plan = ReadPlan(profile: d.profile, limits: limits)
            let readable = d.profile.points.filter(\.isReadable)
            var wire = ""
            if case .rtu(let link) = bus.link {
                let time = RTUWireTime(baud: link.baud, bitsPerCharacter: link.bitsPerCharacter)
                func cost(_ reads: [(count: Int, bits: Bool)]) -> Double {
                    Double(reads.map { time.nanos(characters: RTUWireTime.readCharacters(count: $0.count, bits: $0.bits)) + turnaround }.reduce(0, +)) / 1e6
                }
                let coalesced = cost(plan.requests.map { ($0.count, $0.table.isBitTable) })
                let perPoint = cost(readable.map { ($0.count, $0.table.isBitTable) })
                wire = pad(String(format: "%.1f", coalesced), 19) + pad(String(format: "%.1f", perPoint), 11)
                let seconds = inSeconds(d.poll)
                busLoad[bus.name, default: (0, 0)].coalesced += coalesced / 1000 / seconds
                busLoad[bus.name, default: (0, 0)].perPoint += perPoint / 1000 / seconds
            }
            print(d.id.padding(toLength: 13, withPad: " ", startingAt: 0) + d.profile.id.padding(toLength: 18, withPad: " ", startingAt: 0)
                  + bus.name.padding(toLength: 12, withPad: " ", startingAt: 0) + pad(String(readable.count), 7)
                  + pad(String(plan.requests.count), 11) + pad(String(readable.count), 11) + wire)
            totals.points += readable.count
            totals.coalesced += plan.requests.count
            totals.perPoint += readable.count
            totals.perSecondCoalesced += Double(plan.requests.count) / inSeconds(d.poll)
            totals.perSecondPerPoint += Double(readable.count) / inSeconds(d.poll)
        }
        print("total".padding(toLength: 43, withPad: " ", startingAt: 0) + pad(String(totals.points), 7)
              + pad(String(totals.coalesced), 11) + pad(String(totals.perPoint), 11))
        print(String(format: "requests per second at the site's poll intervals: %.1f coalesced, %.1f one per point (%.1f× fewer)",
                     totals.perSecondCoalesced, totals.perSecondPerPoint, totals.perSecondPerPoint / max(totals.perSecondCoalesced, 1e-9)))
        for (bus, load) in busLoad.sorted(by: { $0.key < $1.key }) {
            print("\(bus): the polls take " + String(format: "%.0f %% of the line's time coalesced, %.0f %% with one request per point", load.coalesced * 100, load.perPoint * 100)
                  + (load.perPoint > 1 ? " (more than it has: polls fall behind)" : ""))
        }
    }
}
