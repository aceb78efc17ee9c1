#if canImport(Glibc)
import Glibc
#endif
import FieldCore
import FieldDevices
import FieldSim
import FieldTestSupport
import Foundation
import Testing

/// Remote configuration with the real processes (docs/uplink.md, "Remote configuration"): the
/// platform, played by `mosquitto_pub` on a real broker, reads the site document and its hash,
/// pushes a bad one (refused with every error and its path, nothing changed), a stale one
/// (conflict), one that cuts the gateway off its broker (rolled back by itself after the health
/// window), a good one (applied, its hash reported) and asks for a rollback. The gateway runs
/// under a supervisor that restarts it like systemd's `Restart=always`.
@Suite("remote configuration end to end", .serialized)
struct RemoteConfigTests {
    static let attributes = "v1/devices/me/attributes"
    static let healthWindow = 8

    final class Rig: @unchecked Sendable {
        let directory: TemporaryDirectory
        let sitePath: String
        let broker: MosquittoBroker
        let observer: MosquittoSubscriber
        let simulator: ChildProcess
        let control: ControlClient
        let gateway: SupervisedGateway
        var nextID = 100

        /// - Parameters:
        ///   - observe: what the platform's observer subscribes to.
        ///   - arguments: more options for `fieldgate run`.
        init(observe: String = "#", arguments: [String] = []) async throws {
            directory = try TemporaryDirectory("fg-remote-config")
            sitePath = directory.file("site.json")
            broker = try MosquittoBroker(MosquittoBroker.Options(persistent: true))
            try await broker.start()
            let url = broker.url
            try EndToEndRig.writeDemoSite(to: sitePath) { site in
                UplinkRig.shortDelays(&site)
                site["uplink"] = ["url": url]
                site["storage"] = ["telemetryInterval": "5s"]
            }
            observer = try MosquittoSubscriber(port: broker.port, filter: observe, persistent: true)
            try await observer.start()
            let simDir = directory.file("sim")
            simulator = try ChildProcess(executable: try TestSupport.executable("fieldsim"),
                                         arguments: ["run", "--site", sitePath, "--state-dir", simDir],
                                         environment: ["FIELDGATE_BOARDS": TestSupport.boards, "FIELDSIM_DIR": simDir],
                                         logPath: directory.file("fieldsim.log"))
            let up = await UplinkRig.until(.seconds(30)) { [simulator] in
                FileManager.default.fileExists(atPath: simDir + "/endpoints.json") || !simulator.isRunning
            }
            guard up, simulator.isRunning else { throw ChildProcessError("fieldsim run did not come up:\n\(simulator.logTail())") }
            control = try ControlClient(path: simDir + "/control.sock")
            gateway = try SupervisedGateway(executable: try TestSupport.executable("fieldgate"),
                                            arguments: ["run", "--site", sitePath, "--state-dir", directory.file("gw"),
                                                        "--health-window", "\(RemoteConfigTests.healthWindow)s"] + arguments,
                                            environment: ["FIELDGATE_BOARDS": TestSupport.boards, "FIELDSIM_DIR": simDir, "PATH": "/usr/bin:/bin"],
                                            stateDirectory: directory.file("gw"))
        }

        deinit {
            gateway.stop(grace: .seconds(2))
            simulator.terminate(grace: .seconds(2))
            observer.stop()
            broker.stop()
        }

        /// Runs `fieldsim ctl WORDS…` against the simulator.
        @discardableResult
        func ctl(_ words: String...) throws -> JSONValue { try control.call(ControlCommandLine.parse(words)) }

        /// The gateway's own attributes as the platform keeps them: the latest value per key.
        var gatewayAttributes: [String: JSONValue] {
            var latest: [String: JSONValue] = [:]
            for m in observer.messages(on: RemoteConfigTests.attributes) {
                guard let o = (try? JSONValue.parse(m.payload))?.objectValue else { continue }
                latest.merge(o) { _, new in new }
            }
            return latest
        }

        /// Calls a gateway RPC method as the platform does and waits for the answer.
        func call(_ method: String, _ params: JSONValue, timeout: Duration = .seconds(30)) async throws -> JSONValue? {
            nextID += 1
            let id = nextID
            let request: JSONValue = ["method": .string(method), "params": params]
            try broker.publish(topic: "v1/devices/me/rpc/request/\(id)", payload: request.serialized())
            var answer: JSONValue?
            _ = await UplinkRig.until(timeout, every: .milliseconds(50)) {
                answer = observer.messages(on: "v1/devices/me/rpc/response/\(id)").last.flatMap { try? JSONValue.parse($0.payload) }
                return answer != nil
            }
            return answer
        }

        /// Waits until the platform's view of the gateway's attributes satisfies `condition`.
        func waitForAttributes(_ timeout: Duration, _ condition: @escaping ([String: JSONValue]) -> Bool) async -> Bool {
            await UplinkRig.until(timeout, every: .milliseconds(100)) { condition(self.gatewayAttributes) }
        }

        var siteDocument: JSONValue {
            get throws { try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: sitePath))) }
        }
    }

    static func hash(_ document: JSONValue) -> String { SHA256.hex(of: Array(document.serialized().utf8)) }

    static func setting(_ document: JSONValue, _ path: [String], _ value: JSONValue) -> JSONValue {
        guard case .object(var o) = document, let key = path.first else { return value }
        o[key] = path.count == 1 ? value : setting(o[key] ?? .object([:]), Array(path.dropFirst()), value)
        return .object(o)
    }

    @Test("getConfig, a refused push, a conflict, a push that cuts the uplink (rolled back by itself), a good push, a rollback on request",
          .timeLimit(.minutes(5)))
    func pushesThroughTheBroker() async throws {
        let rig = try await Rig()
        let original = try rig.siteDocument
        let h0 = Self.hash(original)
        let connected = await rig.waitForAttributes(.seconds(60)) { $0["configHash"] == .string(h0) }
        #expect(connected, "no configHash \(h0) among the gateway's attributes: \(rig.gatewayAttributes)\n\(rig.gateway.logTail())")

        // Read: the running document and its hash.
        let read = try await rig.call("getConfig", [:])
        #expect(read?["success"] == .bool(true) && read?["result"]?["hash"] == .string(h0), "getConfig: \(String(describing: read))")
        #expect(read?["result"]?["config"] == original, "getConfig returns the site document")

        // A bad document: every error with its JSON path, nothing written, no restart.
        let fileBefore = try Data(contentsOf: URL(fileURLWithPath: rig.sitePath))
        var bad = Self.setting(original, ["site", "utcOffset"], "+25:00")
        bad = Self.setting(bad, ["storage", "telemetryInterval"], "soon")
        let refused = try await rig.call("setConfig", ["config": bad, "baseHash": .string(h0)])
        let paths = refused?["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        #expect(refused?["success"] == .bool(false) && refused?["error"] == .string("invalid-argument"), "bad push: \(String(describing: refused))")
        #expect(paths.contains("site.utcOffset") && paths.contains("storage.telemetryInterval"), "the errors' paths: \(paths)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: rig.sitePath)) == fileBefore, "the site file is unchanged")

        // Based on a configuration that is not the running one: a conflict, nothing written.
        let staleDocument = Self.setting(original, ["site", "name"], "stale")
        let otherHash = String(repeating: "0", count: 64)
        let stale = try await rig.call("setConfig", ["config": staleDocument, "baseHash": .string(otherHash)])
        #expect(stale?["success"] == .bool(false) && stale?["error"] == .string("conflict"), "stale push: \(String(describing: stale))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: rig.sitePath)) == fileBefore, "the site file is unchanged")
        // A push that makes the platform an admin, from a platform that acts as technician:
        // forbidden, named, nothing written.
        let raised = try await rig.call("setConfig", ["config": Self.setting(original, ["uplink", "rpcRole"], "admin"), "baseHash": .string(h0)])
        #expect(raised?["success"] == .bool(false) && raised?["error"] == .string("forbidden"), "raised rpcRole: \(String(describing: raised))")
        #expect(raised?["message"]?.stringValue?.hasPrefix("raising uplink.rpcRole from technician to admin: needs the admin role") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: rig.sitePath)) == fileBefore, "the site file is unchanged")
        #expect(rig.gateway.startCount == 1, "no restart for refused pushes")

        // A push that cuts the gateway off its broker: applied by a restart, not healthy within
        // the window (the uplink never connects), rolled back by itself, and reported.
        let deadPort = try TestSupport.freeTCPPort()
        let cutOff = Self.setting(original, ["uplink", "url"], .string("mqtt://127.0.0.1:\(deadPort)"))
        let pushedAt = ContinuousClock.now
        let accepted = try await rig.call("setConfig", ["config": cutOff, "baseHash": .string(h0)])
        #expect(accepted?["success"] == .bool(true) && accepted?["result"]?["hash"] == .string(Self.hash(cutOff)), "push: \(String(describing: accepted))")
        let rolledBack = await rig.waitForAttributes(.seconds(90)) {
            $0["configState"] == .string("rolled-back") && $0["configHash"] == .string(h0)
        }
        let rollbackTime = ContinuousClock.now - pushedAt
        #expect(rolledBack, "not rolled back: \(rig.gatewayAttributes)\n\(rig.gateway.logTail())")
        let reason = rig.gatewayAttributes["configError"]?.stringValue ?? ""
        #expect(reason.contains("uplink") && reason.contains("not connected"), "the reason the platform is told: \(reason)")
        #expect(try rig.siteDocument == original, "the previous site file is back")
        print("remote-config: push that cuts the uplink rolled back and reported \(rollbackTime) after the push (health window \(Self.healthWindow) s)")

        // A good push: applied by a restart, healthy, its hash reported.
        let renamed = Self.setting(original, ["site", "name"], "Demo street 7, pushed")
        let h1 = Self.hash(renamed)
        let goodAt = ContinuousClock.now
        let good = try await rig.call("setConfig", ["config": renamed, "baseHash": .string(h0)])
        #expect(good?["success"] == .bool(true), "good push: \(String(describing: good))")
        let applied = await rig.waitForAttributes(.seconds(60)) { $0["configState"] == .string("applied") && $0["configHash"] == .string(h1) }
        #expect(applied, "not applied: \(rig.gatewayAttributes)\n\(rig.gateway.logTail())")
        #expect(rig.gatewayAttributes["siteName"] == .string("Demo street 7, pushed"), "the gateway runs on it: \(rig.gatewayAttributes)")
        print("remote-config: good push applied and reported healthy \(ContinuousClock.now - goodAt) after the push")
        #expect(rig.gateway.log.contains("config push") && rig.gateway.log.contains("config applied"), "audited")

        // Back to the previous one on request.
        let back = try await rig.call("rollbackConfig", [:])
        #expect(back?["success"] == .bool(true) && back?["result"]?["hash"] == .string(h0), "rollbackConfig: \(String(describing: back))")
        let restored = await rig.waitForAttributes(.seconds(60)) { a in
            let state: Bool = a["configState"] == .string("rolled-back")
            let hash: Bool = a["configHash"] == .string(h0)
            return state && hash && a["configError"] == .string("asked for by the platform")
        }
        #expect(restored, "not restored: \(rig.gatewayAttributes)\n\(rig.gateway.logTail())")
        #expect(!rig.gateway.exits.contains { $0 != 75 }, "every exit was a requested restart: \(rig.gateway.exits)")
    }
}
