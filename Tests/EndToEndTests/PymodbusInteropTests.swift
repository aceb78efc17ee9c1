import FieldCore
import FieldTestSupport
import Foundation
import Testing

/// The real gateway against pymodbus (an implementation we did not write), its values compared
/// exactly in the point table and at a platform that keeps the latest value per key.
@Suite(.serialized) struct PymodbusInteropTests {
    @Test("every type and word order, a refused register, unit 0 and an absent unit, as pymodbus serves them",
          .timeLimit(.minutes(3)))
    func valuesExceptionsAndUnits() async throws {
        guard InteropRig.available() else { return }
        let rig = try await InteropRig()
        let ready = await UplinkRig.until(.seconds(40), every: .milliseconds(500)) {
            let points = try DemoSiteValueTests.pointsFromTheCommandLine(stateDirectory: rig.stateDirectory)
            return ["full-1", "refusing-2", "native-0"].allSatisfy { d in points["\(d).u16"]?.quality == "good" }
                && points["absent-9.u16"]?.quality == "comm-error"
        }
        #expect(ready, "the gateway did not read the field:\n\(rig.gateway.logTail())")
        let points = try DemoSiteValueTests.pointsFromTheCommandLine(stateDirectory: rig.stateDirectory)
        for device in ["full-1", "native-0"] {
            for (name, value) in InteropRig.expected {
                let p = points["\(device).\(name)"]
                #expect(p?.value == .number(value) && p?.quality == "good", "\(device).\(name): \(String(describing: p)), pymodbus holds \(value)")
            }
        }
        // Unit 2 refuses register 33 (the second word of f32-cdab): that point alone is marked,
        // the coalesced read is split and every other point reads.
        for (name, value) in InteropRig.expected {
            let p = points["refusing-2.\(name)"]
            if name == "f32-cdab" {
                #expect(p?.quality == "comm-error" && p?.value == .null, "refusing-2.f32-cdab: \(String(describing: p))")
            } else {
                #expect(p?.value == .number(value) && p?.quality == "good", "refusing-2.\(name): \(String(describing: p))")
            }
        }
        let devices = try rig.api(["op": "devices"]).arrayValue ?? []
        let refusing = devices.first { $0["id"] == "refusing-2" }
        #expect(refusing?["stats"]?["refused"]?["f32-cdab"]?.stringValue?.contains("illegal data address") == true,
                "the exception is named in the device's status: \(String(describing: refusing?["stats"]))")
        let log = rig.gateway.log
        #expect(log.components(separatedBy: "refusing-2 (unit 2) refused").count == 2, "one log line for the split:\n\(rig.gateway.logTail())")
        #expect(!log.contains("full-1 (unit 1) refused"), "a device that never refuses keeps its coalesced reads")

        // The platform, keeping the latest value per key, sees the same numbers and qualities.
        let seen = await UplinkRig.until(.seconds(20), every: .milliseconds(500)) {
            let view = rig.platform()
            return view["interop.refusing-2"]?["f32-cdab.quality"] == .string("comm-error")
                && view["interop.absent-9"]?["alarm.comm-lost"] == .number(1)
                && InteropRig.expected.keys.allSatisfy { view["interop.full-1"]?[$0] != nil }
        }
        let view = rig.platform()
        #expect(seen, "the platform's view: \(view)")
        for device in ["full-1", "native-0"] {
            for (name, value) in InteropRig.expected {
                #expect(view["interop.\(device)"]?[name] == .number(value), "platform \(device).\(name): \(String(describing: view["interop.\(device)"]?[name]))")
                #expect(view["interop.\(device)"]?["\(name).quality"] == .string("good"), "platform \(device).\(name).quality")
            }
        }
        #expect(view["interop.refusing-2"]?["u16.quality"] == .string("good"))
        #expect(view["interop.absent-9"]?["u16"] == nil, "an absent unit never sent a value")
    }
}
