import FieldApps
import FieldCore
import FieldDevices
@testable import FieldEngine
import FieldHAL
import FoundationEssentials
import Testing
@testable import FieldRuntime

/// A board whose RS-485 transceivers switch on GPIO lines (the NanoPi NEO2's MAX485 modules,
/// `"rs485": "gpio:DE1"`): each bus drives its own line, and the GPIO worker leaves those alone.
@Suite struct RS485DirectionLineTests {
    static func nanoPiSite() throws -> GatewayConfiguration {
        let dir = FileManager.default.temporaryDirectory.path + "/fg-de-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        {"site": {"id": "pole-12"}, "board": "nanopi-neo2",
         "buses": [{"name": "pole", "type": "rtu", "port": "rs485-2", "baud": 9600}]}
        """.write(toFile: dir + "/site.json", atomically: true, encoding: .utf8)
        return try GatewayConfiguration.load(sitePath: dir + "/site.json", boardDirectories: [repositoryRoot + "/boards"],
                                             environment: [:], builtins: builtinProfiles, factories: BuiltinApps.factories)
    }

    @Test func theBusDrivesItsPortsDirectionLine() throws {
        let c = try Self.nanoPiSite()
        let settings = try Gateway.modbusSettings(c.site.buses[0], board: c.board)
        guard case .rtu(let rtu) = settings.link else {
            Issue.record("an RTU bus became \(settings.link)")
            return
        }
        #expect(rtu.device == "/dev/ttyS2")
        #expect(rtu.rs485 == .gpio(.output("DE2", chip: "1c20800.pinctrl", offset: 6)))
    }

    @Test func theGPIOWorkerLeavesTheDirectionLinesToTheBuses() throws {
        let c = try Self.nanoPiSite()
        let worker = try GPIOWorker(board: c.board, bindings: [], backend: SimulatedGPIOChip(lines: ["unused"]), clock: ManualClock()) { _, _ in }
        #expect(worker.lineConfigs.map(\.name) == ["DO1", "DO2", "LED-RUN"])
        guard case .failure(let error) = worker.set(line: "DE1", to: true) else {
            Issue.record("the console could drive an RS-485 direction line")
            return
        }
        #expect(error.description == "DE1 switches an RS-485 transceiver: its bus drives it")
    }
}
