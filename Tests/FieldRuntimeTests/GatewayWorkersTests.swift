import FieldApps
import FieldCore
import FieldDevices
import FieldTestSupport
import Foundation
import Synchronization
import Testing
@testable import FieldRuntime

/// The real gateway's workers through `WorkerSet`: which start, in which order, what a missing
/// state directory leaves out, and that a worker the daemon adds starts first and stops last.
@Suite struct GatewayWorkersTests {
    /// A plain Linux host (no GPIO lines) with one Modbus TCP bus whose device does not answer.
    func gateway(stateDirectory: String? = nil) throws -> (Gateway, TemporaryDirectory) {
        let dir = try TemporaryDirectory("gateway-workers")
        let port = try TestSupport.freeTCPPort()
        let site = """
        {"site": {"id": "w1"}, "board": "linux-host",
         "buses": [{"name": "tcp-1", "type": "tcp", "host": "127.0.0.1", "port": \(port)}],
         "devices": [{"id": "tilt-1", "profile": "fg-tilt", "bus": "tcp-1", "address": 1}]}
        """
        try site.write(toFile: dir.file("site.json"), atomically: false, encoding: .utf8)
        let configuration = try StoreFixture.validator(dir.path)(try JSONValue.parse(site))
        let gateway = try Gateway(configuration: configuration, stateDirectory: stateDirectory ?? dir.path,
                                  factories: BuiltinApps.factories, sink: RecordingSink())
        return (gateway, dir)
    }

    /// Review of issue 19: the local API's `device-command` takes `arguments` as an object of
    /// numbers; any other value there is refused naming `arguments`, not read as no arguments.
    @Test func theLocalAPIRefusesDeviceCommandArgumentsThatAreNoObject() throws {
        let (gateway, dir) = try gateway()
        defer { _ = dir }
        let bad: [JSONValue] = [.array([.number(4)]), .number(4), .string("address=4"), .null, .bool(true)]
        for value in bad {
            let got = Mutex<Result<JSONValue, CommandError>?>(nil)
            let request: JSONValue = .object(["op": "device-command", "device": "tilt-1", "command": "set-address", "arguments": value])
            gateway.handleAPI(request) { r in got.withLock { $0 = r } }
            let e: CommandError? = if case .failure(let e)? = got.withLock({ $0 }) { e } else { nil }
            #expect(e?.code == .invalidArgument, "\(value.serialized())")
            #expect(e?.message.hasPrefix("arguments: expected an object {PARAMETER: NUMBER}, got ") == true, "\(e?.message ?? "")")
        }
    }

    @Test func theGatewayStartsItsWorkersInOrderWatchesThemAndStopsThemAll() throws {
        let (gateway, dir) = try gateway()
        let journal = WorkerJournal()
        gateway.workers.prepend([.required(FakeWorker("uplink", journal, beat: nil))])
        try gateway.start()
        #expect(gateway.workers.names == ["uplink", "engine", "bus tcp-1", "api"])
        #expect(FileManager.default.fileExists(atPath: dir.file("fieldgate.sock")))
        #expect(gateway.staleWorker(maxAge: 20_000) == nil)
        #expect(gateway.staleWorker(maxAge: 20_000, now: monotonicMilliseconds() + 60_000) == "engine",
                "a minute without a heartbeat is a hung worker")
        gateway.stop()
        #expect(gateway.workers.names.isEmpty)
        #expect(journal.all == ["start uplink", "stop uplink"])
        #expect(!FileManager.default.fileExists(atPath: dir.file("fieldgate.sock")), "the local API removed its socket")
    }

    @Test func withoutAStateDirectoryTheGatewayRunsWithoutItsLocalAPI() throws {
        let (gateway, siteDirectory) = try gateway(stateDirectory: "/nonexistent/fieldgate-state")
        try withExtendedLifetime(siteDirectory) {
            try gateway.start()
            #expect(gateway.workers.names == ["engine", "bus tcp-1"])
            gateway.stop()
        }
    }
}
