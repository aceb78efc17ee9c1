import FieldCore
import FieldDevices
import FieldEngine
import FieldStore
import FieldTestSupport
import Foundation
@testable import FieldUplink

/// An `UplinkLink` with no broker behind it, for driving an uplink service by hand: what the
/// service posts lands in a real outbox the test reads; `publishNow` finds no connection.
struct OfflineUplinkLink {
    let outbox: Outbox
    let link: UplinkLink

    struct Refuse: GatewayCommandHandler {
        func execute(_ command: GatewayCommand, origin: CommandOrigin) async -> Result<JSONValue, CommandError> {
            .failure(CommandError(.unavailable, "offline test link"))
        }
    }

    init(directory: String) throws {
        outbox = try Outbox(path: directory + "/outbox.db", maxBytes: 16 << 20)
        let topics = UplinkTopics(gateway: "demo-7")
        let core = UplinkCore(settings: UplinkSettings(url: MQTTURL("mqtt://127.0.0.1:1")!), encoder: UplinkEncoder(topics: topics, identity: RPCFuzzTests.identity),
                              devices: [], outbox: outbox, commands: Refuse(), clock: SystemClock(), log: Logger("uplink"))
        link = UplinkLink(core: core)
    }

    /// The JSON payloads posted on `topic` so far.
    func posted(on topic: String) async throws -> [JSONValue] {
        try await outbox.records().filter { $0.message.topic == topic }.compactMap { try? JSONValue.parse(Data($0.message.payload)) }
    }
}
