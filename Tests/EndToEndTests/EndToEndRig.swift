import FieldCore
import FieldSim
import FieldTestSupport
import Foundation

/// The demo site (`simulator/sites/demo.json`: all four device families) on the simulator's wire
/// (`SimulatedField`) and the real `fieldgate run` on it (`GatewayProcess`), in a short
/// temporary directory of their own; the site's Modbus TCP endpoint gets a free port. `stop()`
/// or deinit (also when a test fails) ends the gateway, closes the wire and removes the
/// directory.
final class EndToEndRig {
    static let demoSitePath = TestSupport.repositoryRoot + "/simulator/sites/demo.json"

    let directory: String
    let sitePath: String
    let field: SimulatedField
    let gateway: GatewayProcess
    let api: GatewayClient
    private var stopped = false

    /// - Parameters:
    ///   - edit: changes to the demo site's document before anything starts.
    ///   - prepare: puts the field's first values in place before the gateway starts.
    init(edit: (inout [String: Any]) throws -> Void = { _ in }, prepare: (SimulatedField) throws -> Void) throws {
        directory = try Waiting.temporaryDirectory(prefix: "fieldgate-e2e")
        sitePath = directory + "/site.json"
        do {
            try EndToEndRig.writeDemoSite(to: sitePath, edit: edit)
            field = try SimulatedField(sitePath: sitePath, directory: directory + "/sim")
            try prepare(field)
            try field.start()
            gateway = try GatewayProcess(sitePath: sitePath, stateDirectory: directory + "/gw", simulatorDirectory: directory + "/sim")
            api = try GatewayClient(stateDirectory: directory + "/gw")
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit { stop() }

    /// Ends the gateway (SIGTERM) and the wire, removes the directory; the gateway's exit status.
    @discardableResult
    func stop() -> Int32 {
        let status = gateway.stop()
        guard !stopped else { return status }
        stopped = true
        field.stop()
        try? FileManager.default.removeItem(atPath: directory)
        return status
    }

    /// The demo site with a free port for its TCP bus and `edit` applied, written to `path`.
    static func writeDemoSite(to path: String, edit: (inout [String: Any]) throws -> Void) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: demoSitePath))
        guard var site = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ChildProcessError("\(demoSitePath) is not a JSON object")
        }
        try editBuses(&site) { bus in
            if bus["type"] as? String == "tcp" { bus["port"] = try TestSupport.freeTCPPort() }
        }
        try edit(&site)
        try JSONSerialization.data(withJSONObject: site, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// Applies `change` to every bus of a site document.
    static func editBuses(_ site: inout [String: Any], _ change: (inout [String: Any]) throws -> Void) throws {
        var buses = site["buses"] as? [[String: Any]] ?? []
        for i in buses.indices { try change(&buses[i]) }
        site["buses"] = buses
    }

    // MARK: What the gateway says

    /// The local API's `devices` answer, by device id.
    func devices() throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for d in try api.call(["op": "devices"]).arrayValue ?? [] {
            if let id = d["id"]?.stringValue { out[id] = d }
        }
        return out
    }

    /// Waits until every Modbus device of the site is online; the ones that are not, if any.
    func waitUntilOnline(timeout: Duration = .seconds(30)) -> [String] {
        let modbus = field.site.devices.filter { $0.enabled && $0.profile.usesModbus }.map(\.id)
        var offline = modbus
        _ = Waiting.until(timeout: timeout, interval: .milliseconds(200)) { () -> Bool? in
            guard let devices = try? self.devices() else { return nil }
            offline = modbus.filter { devices[$0]?["online"] != .bool(true) }
            return offline.isEmpty ? true : nil
        }
        return offline
    }

    /// Polls the gateway's points until `mismatches` finds none or `timeout` passes; what is still
    /// wrong then (empty when everything matched).
    func waitForPoints(timeout: Duration = .seconds(30), _ mismatches: ([String: GatewayPoint]) -> [String]) -> [String] {
        var wrong = ["no answer from the local API"]
        _ = Waiting.until(timeout: timeout, interval: .milliseconds(200)) { () -> Bool? in
            guard let points = try? self.api.points() else { return nil }
            wrong = mismatches(points)
            return wrong.isEmpty ? true : nil
        }
        return wrong
    }

    /// Sends an app command through the local API (`{"op": "command", …}`), as the console and the
    /// platform's RPC do; its result.
    @discardableResult
    func command(_ device: String, _ name: String, _ arguments: JSONValue) throws -> JSONValue {
        try api.call(["op": "command", "device": .string(device), "command": .string(name), "arguments": arguments])
    }
}
