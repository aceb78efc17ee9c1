import FieldCore
import FieldRuntime
import FieldTestSupport
import Testing

/// Platform RPCs mutated byte by byte and value by value: each becomes a command or a refusal
/// that says why; none crashes the gateway (issue 17: `"for": "1e20h"` did).
@Suite struct RPCFuzzTests {
    static let identity = UplinkIdentity(gateway: "demo-7", siteName: "Demo street 7", board: "sim", firmware: "0.1.0", latitude: 34.75, longitude: 113.62)
    static let devices = [
        UplinkDevice(id: "hydrant-main", name: "Hydrant main", profile: "fg-pressure-tx", family: "fire-water", app: "pressure",
                     bus: "rs485-1", address: 3, units: ["pressure": "MPa"]),
        UplinkDevice(id: "lamp-1", name: "Lamp 1", profile: "fg-slc", family: "lamp-pole", app: "lamp-head", bus: "rs485-1", address: 5, units: [:]),
        UplinkDevice(id: "lift-1", name: "Lift 1", profile: "fg-lift", family: "elevator", app: "lift"),
    ]
    static let parser = UplinkRPC(topics: UplinkTopics(gateway: "demo-7"), identity: identity, devices: devices, allowRegisterRPC: true)

    static let seeds: [(String, String)] = [
        ("v1/gateway/rpc", #"{"device": "demo-7.lamp-1", "data": {"id": 1, "method": "setLamp", "params": {"action": "dim", "level": 40, "for": "2h"}}}"#),
        ("v1/gateway/rpc", #"{"device": "demo-7.hydrant-main", "data": {"id": 2, "method": "setThreshold", "params": {"alarm": "low-pressure", "value": 0.2}}}"#),
        ("v1/gateway/rpc", #"{"device": "demo-7.hydrant-main", "data": {"id": 3, "method": "readRegisters", "params": {"table": "holding", "address": 0, "count": 4}}}"#),
        ("v1/gateway/rpc", #"{"device": "demo-7.lamp-1", "data": {"id": 4, "method": "writeRegisters", "params": {"address": 1, "values": [40, 50]}}}"#),
        ("v1/gateway/rpc", #"{"device": "demo-7.lift-1", "data": {"id": 5, "method": "ackAlarm", "params": {"alarm": "trapped-passenger"}}}"#),
        ("v1/devices/me/rpc/request/9", #"{"method": "maintenance", "params": {"action": "start", "for": "30m"}}"#),
        ("v1/devices/me/rpc/request/10", #"{"method": "restart", "params": {}}"#),
    ]

    @Test func mutatedRPCsAreCommandsOrRefusals() {
        FuzzRun("RPC payloads").run { caseSeed, g in
            let (topic, payload) = Self.seeds.randomElement(using: &g)!
            let mutated = Mutator.mutate(Array(payload.utf8), &g, rounds: 4)
            if case .refuse(_, let e) = Self.parser.parse(topic: topic, payload: mutated) {
                #expect(!e.message.isEmpty, "FUZZ_CASE=0x\(String(caseSeed, radix: 16))")
            }
        }
    }
}
