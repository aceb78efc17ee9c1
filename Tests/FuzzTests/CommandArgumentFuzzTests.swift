import FieldApps
import FieldCore
import FieldDevices
import FieldEngine
import FieldRuntime
import FieldTestSupport
import FieldUplink
import Foundation
import Testing

/// The platform's typed commands (`runCommand`, `writePoint`) on every device of the example
/// sites, with hostile values for each parameter's type (numbers with units and ranges, words,
/// durations, flags, objects): each is a command whose values are in range or a refusal that
/// names the parameter; no conversion traps (issue 17).
@Suite struct CommandArgumentFuzzTests {
    static let hostile: [JSONValue] = [1e300, -1e300, 1.7976931348623157e308, 9.5e15, 9.2233720368547758e18, 4_294_967_296, 65536, -1, 0, 0.5, 1,
                                       100, -0.0, 5e-300, "1e300", "nan", "NaN", "inf", "-inf", "infinity", "0x10", "40", "1e20h", "-5s", "0s",
                                       "2h", "30m", "86401", "true", "on", "auto", "start", "", " ", "é", .string(String(repeating: "x", count: 5000)),
                                       nil, true, false, [], [:], [1], ["a": 1e300], ["faults": ["x": 1e300]]]

    static func devices() throws -> [UplinkDevice] {
        var out: [UplinkDevice] = []
        for path in SiteFileFuzzTests.sites {
            let document = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: path)))
            let configuration = try GatewayConfiguration.validate(
                document: document, sitePath: path, boardDirectories: [TestSupport.boards],
                environment: ["FIELDSIM_DIR": "/tmp/fieldgate-fuzz", "STATE_DIR": "/tmp/fieldgate-fuzz"],
                builtins: BuiltinProfiles.byID, factories: BuiltinApps.factories)
            out += configuration.site.devices.map(UplinkDevice.init)
        }
        return out
    }

    /// A value of the parameter's kind, sometimes fitting.
    static func value(for p: CommandParameter, _ g: inout SplitMix64) -> JSONValue {
        guard Int.random(in: 0..<3, using: &g) == 0 else { return hostile.randomElement(using: &g)! }
        switch p.kind {
        case .number:
            let r = p.range ?? 0...100
            return .number(Double.random(in: max(r.lowerBound, -1e6)...min(r.upperBound, 1e6), using: &g).rounded())
        case .word(let words): return .string(words.randomElement(using: &g) ?? "main")
        case .duration: return ["30m", "2h", "1m", "24h", 600].randomElement(using: &g)!
        case .flag: return .bool(Bool.random(using: &g))
        case .object: return ["x": 1]
        }
    }

    @Test func runCommandWithHostileArguments() throws {
        let devices = try Self.devices().filter { !$0.commands.isEmpty || !$0.appCommands.isEmpty }
        #expect(devices.count >= 5)
        let parser = UplinkRPC(topics: UplinkTopics(gateway: "demo-7"), identity: RPCFuzzTests.identity, devices: devices, allowRegisterRPC: true)
        FuzzRun("runCommand arguments").run { caseSeed, g in
            let d = devices.randomElement(using: &g)!
            let spec = (d.commands + d.appCommands).randomElement(using: &g)!
            var arguments: [String: JSONValue] = [:]
            for p in spec.parameters where p.required || Bool.random(using: &g) { arguments[p.name] = Self.value(for: p, &g) }
            if Int.random(in: 0..<8, using: &g) == 0 { arguments["bogus"] = 1 }
            var params: JSONValue = ["command": .string(spec.name), "arguments": .object(arguments)]
            if Int.random(in: 0..<10, using: &g) == 0 { params = ["command": .string(spec.name), "arguments": Self.hostile.randomElement(using: &g)!] }
            // In steps: light work for Swift 6.0.3's type checker.
            let data: JSONValue = ["id": 1, "method": "runCommand", "params": params]
            let payload: JSONValue = ["device": .string("demo-7.\(d.id)"), "data": data]
            let outcome = parser.parse(topic: "v1/gateway/rpc", payload: Array(payload.serialized().utf8))
            let tag = "FUZZ_CASE=0x\(String(caseSeed, radix: 16)): \(d.id) \(params.serialized().prefix(300))"
            switch outcome {
            case .refuse(_, let e):
                let names = Array(arguments.keys) + spec.parameters.map(\.name) + ["arguments"]
                // Arguments are checked first; well-formed ones above the platform's role
                // (uplink.rpcRole) are refused as forbidden, naming the role instead.
                let roleRefusal = e.code == .forbidden && e.message.contains("role")
                #expect(roleRefusal || names.contains { e.message.contains($0) }, "\(tag): \(e.message)")
            case .execute(let request):
                switch request.command {
                case .deviceCommand(_, _, let numbers, _):
                    let finite = numbers.values.allSatisfy { $0.isFinite }
                    #expect(finite, "\(tag)")
                case .app(_, _, let checked):
                    for p in spec.parameters {
                        guard let v = checked[p.name] else { continue }
                        if case .number(let n) = v {
                            var inRange = true
                            if let range = p.range { inRange = range.contains(n) }
                            #expect(n.isFinite && inRange, "\(tag): \(p.name) = \(n)")
                        }
                    }
                    // The app gets it: it must answer or refuse, not trap.
                    _ = checked.serialized()
                default:
                    Issue.record("\(tag): \(request.command)")
                }
            case .ignore(let reason):
                Issue.record("\(tag): ignored \(reason ?? "")")
            }
        }
    }

    @Test func writePointWithHostileValues() throws {
        let devices = try Self.devices().filter { !$0.points.isEmpty || !$0.signals.isEmpty }
        let parser = UplinkRPC(topics: UplinkTopics(gateway: "demo-7"), identity: RPCFuzzTests.identity, devices: devices, allowRegisterRPC: true)
        FuzzRun("writePoint values").run { caseSeed, g in
            let d = devices.randomElement(using: &g)!
            let name = (d.points.map(\.name) + d.signals.map(\.name) + ["nope"]).randomElement(using: &g)!
            let value = Self.hostile.randomElement(using: &g)!
            let params: JSONValue = ["point": .string(name), "value": value]
            let data: JSONValue = ["id": 2, "method": "writePoint", "params": params]
            let payload: JSONValue = ["device": .string("demo-7.\(d.id)"), "data": data]
            let tag = "FUZZ_CASE=0x\(String(caseSeed, radix: 16)): \(d.id).\(name) = \(value.serialized().prefix(80))"
            switch parser.parse(topic: "v1/gateway/rpc", payload: Array(payload.serialized().utf8)) {
            case .refuse(_, let e):
                #expect(e.message.contains("value") || e.message.contains("point") || e.message.contains(name), "\(tag): \(e.message)")
            case .execute(let request):
                if case .writePoint(_, .number(let n)) = request.command {
                    var inRange = true
                    if let range = d.points.first(where: { $0.name == name })?.range { inRange = range.contains(n) }
                    #expect(n.isFinite && inRange, "\(tag)")
                }
            case .ignore(let reason):
                Issue.record("\(tag): ignored \(reason ?? "")")
            }
        }
    }
}
