import FieldCore
@testable import FieldEngine
import Synchronization
import Testing
@testable import FieldRuntime

extension EngineTests {
    /// The platform's `ackAlarm` on a device sends the alarm type alone (docs/uplink.md), which
    /// the RPC layer makes `<device>/<type>`; on a point's alarm that is not the alarm's id.
    @Test func acknowledgingATypeOnADeviceFindsItsPointsAlarm() throws {
        let e = try engine()
        e.post(.readings(device: "t1", [("level", .number(1, at: clock.now()))]))
        e.processPending()
        clock.advance(by: .seconds(10))
        e.post(.tick)
        e.processPending()
        #expect(e.alarms.contains { $0.id.rawValue == "t1.level/low-level" && $0.active })

        let replies = Mutex<[Result<JSONValue, CommandError>]>([])
        for _ in 0..<2 {
            e.post(.command(.acknowledge(AlarmID(device: "t1", type: "low-level")), CommandOrigin(user: "platform", role: .viewer, channel: .platform),
                            reply: { r in replies.withLock { $0.append(r) } }))
        }
        e.processPending()
        let r = replies.withLock { $0 }
        #expect(try r[0].get() == ["alarm": "t1.level/low-level", "by": "platform"])
        #expect(r[1] == .failure(CommandError(.notFound, "alarm t1.level/low-level is not active or already acknowledged")))
        #expect(sink.alarms.withLock { $0.map(\.kind) }.last == .acknowledge)
    }
}
