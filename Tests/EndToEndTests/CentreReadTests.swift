import FieldCore
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// The centre's reads (GB 26875.3 command 4) answered by the running gateway: the demo site with
/// its link to a simulated centre, which asks and reads the answers with its own decoder.
@Suite("GB 26875.3 reads end to end", .serialized)
struct CentreReadTests {
    @Test("the centre reads the running gateway: the main's pressure as its point table has it, a component, the device",
          .timeLimit(.minutes(2)))
    func readsFromTheRunningGateway() async throws {
        let centre = GB26875Centre()
        try centre.start()
        defer { centre.stop() }
        let rig = try await UplinkRig.start(adjust: { site in site["uplinks"] = ["gb26875": CentreOutageTests.mapping(port: centre.port)] })
        let connected = await UplinkRig.until(.seconds(20)) { try rig.status()["gb26875"]?["connected"] == .bool(true) }
        #expect(connected, "the link to the centre did not connect: \(String(describing: try? rig.status()["gb26875"]))")
        func ask(_ data: [UInt8]) async -> GB26875Centre.Answer? {
            let serial = centre.query(data)
            _ = await UplinkRig.until(.seconds(10)) { centre.answer(to: serial) != nil }
            return centre.answer(to: serial)
        }

        // The pressure (component 1 of the hydrant system, in 0.1 kPa) is the point table's value:
        // compared when no new sample came between the two looks at the point table.
        var compared = 0
        for _ in 0..<20 where compared < 3 {
            let before = try rig.api.points()["main-pt.pressure"]
            let answer = try #require(await ask([63, 1, 11, 1, 1, 0, 0, 0]))
            let after = try rig.api.points()["main-pt.pressure"]
            guard let b = before, b.quality == "good", b.time == after?.time, let mpa = b.value.numberValue else { continue }
            #expect(answer.command == "response" && answer.objects.first?["analogType"] == 5)
            #expect(answer.objects.first?["value"]?.numberValue == (mpa * 10_000).rounded(), "\(answer.objects) for \(mpa) MPa")
            compared += 1
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(compared == 3, "the pressure never held still between two looks")

        let valve = try #require(await ask([62, 1, 11, 1, 2, 0, 0, 0]))
        #expect(valve.command == "response" && valve.objects.first?["description"] == "pump-room.valve-open")
        #expect(valve.objects.first?["component"]?["type"] == 97)
        let device = try #require(await ask([81, 1, 0]))
        #expect(device.objects.first?["kind"] == "device-status")
        let time = try #require(await ask([88, 1, 0]))
        #expect(time.objects.first?["kind"] == "device-time")
        // A software version read is denied; the link and the records go on.
        #expect(await ask([65, 1, 11, 1])?.command == "deny")
        let status = try rig.status()["gb26875"]
        #expect(status?["answered"]?.numberValue ?? 0 >= 6 && status?["refused"] == 1, "\(String(describing: status))")
        #expect(status?["connects"] == 1)
        #expect(centre.problems.isEmpty, "the centre refused frames: \(centre.problems)")
    }
}
