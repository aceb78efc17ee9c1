import FieldCore
@testable import FieldEngine
import Testing
@testable import FieldRuntime

/// The audit trail's target of a platform or local-API command reads like the console's words
/// (issue 17: it was a Swift debug dump of the enum).
@Suite struct GatewayCommandDescriptionTests {
    @Test func everyCommandReadsPlainly() {
        let ack = AlarmID(rawValue: "hydrant-main.pressure/low-pressure")
        let cases: [(GatewayCommand, String)] = [
            (.app(device: "lamp-1", command: "lamp", arguments: ["action": "on", "for": "2h"]), #"lamp-1 lamp {"action":"on","for":"2h"}"#),
            (.app(device: "lift-1", command: "stats", arguments: [:]), "lift-1 stats"),
            (.acknowledge(ack), "ack hydrant-main.pressure/low-pressure"),
            (.writePoint(PointRef(device: "lamp-1", point: "dim"), .number(40)), "write lamp-1.dim = 40"),
            (.readRegisters(bus: "rs485-1", unit: 3, table: .holding, address: 0, count: 4), "read rs485-1 unit 3 holding 0+4"),
            (.writeRegisters(bus: "rs485-1", unit: 3, table: .holding, address: 10, values: [1, 2]), "write rs485-1 unit 3 holding 10 = 1,2"),
            (.setOutput(line: "DO5", value: true, revertAfter: .seconds(3)), "output DO5 on for 3s"),
            (.restart, "restart"),
        ]
        for (command, text) in cases { #expect("\(command)" == text) }
    }
}
