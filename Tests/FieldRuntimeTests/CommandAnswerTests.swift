import FieldApps
import FieldCore
import FieldDevices
import Synchronization
import Testing
@testable import FieldEngine
@testable import FieldRuntime

/// Sets `limit` to the value of its `limit` command: one write, then the app's answer.
struct LimiterApp: DeviceApp {
    let context: AppContext
    var subscriptions: Set<PointRef> { [] }
    mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        guard case .command(let c) = input else { return [] }
        guard let v = c.arguments["watts"]?.numberValue else { return [.reply(.failure(AppError("limit needs \"watts\"")))] }
        return [.write(context.ref("limit"), .number(v)), .reply(.success(["limit": .number(v)]))]
    }
}

struct LimiterFactory: DeviceAppFactory {
    var name: String { "limiter" }
    func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? { LimiterApp(context: context) }
    var commands: [CommandSpec] {
        [CommandSpec(name: "limit", parameters: [CommandParameter(name: "watts", unit: "W", range: 0...5000, integer: false)])]
    }
}

/// Writes and command answers the test holds, so it decides when the device "takes" a write.
final class HeldWrites: Sendable {
    typealias Reply = @Sendable (Result<JSONValue, CommandError>) -> Void
    let writes = Mutex<[(String, Reply)]>([])
    let answers = Mutex<[Result<JSONValue, CommandError>]>([])

    func hold(_ what: String, _ reply: @escaping Reply) { writes.withLock { $0.append((what, reply)) } }
    var held: [String] { writes.withLock { $0.map(\.0) } }

    /// The device takes (or refuses) the oldest held write.
    func finish(_ result: Result<JSONValue, CommandError>) {
        let reply = writes.withLock { $0.isEmpty ? nil : $0.removeFirst().1 }
        reply?(result)
    }

    func answer(_ r: Result<JSONValue, CommandError>) { answers.withLock { $0.append(r) } }
    var all: [Result<JSONValue, CommandError>] { answers.withLock { $0 } }
}

/// Issue 19: a command is answered after it has taken effect on the device, or with the device's
/// error; a profile command's typed, fractional arguments are checked by its schema once.
@Suite struct CommandAnswerTests {
    let clock = ManualClock()
    let held = HeldWrites()

    func engine() throws -> Engine {
        let doc = try JSONValue.parse("""
        {"site": {"id": "t"}, "board": "sim", "buses": [{"name": "b", "type": "tcp", "host": "h"}],
         "profiles": [{"id": "inverter", "family": "generic", "app": "limiter",
                       "points": [{"name": "limit", "table": "holding", "address": 10, "type": "f32", "unit": "W", "access": "readwrite",
                                   "range": [0, 5000]}],
                       "commands": [{"name": "set-power-limit", "parameters": [{"name": "limit", "unit": "W", "range": [0, 5000], "integer": false}],
                                     "writes": [{"point": "limit", "parameter": "limit"}]}]}],
         "devices": [{"id": "inv-1", "profile": "inverter", "bus": "b", "address": 7}]}
        """)
        let site = try Site.parse(doc, source: "test", builtins: [:])
        let routes = EngineRoutes(
            writeModbus: { [held] d, p, v, reply in held.hold("\(d).\(p)=\(v)", reply) },
            writeSignal: { _, _, _ in .success(()) },
            bus: { _, reply in reply(.failure(CommandError(.unavailable, "no bus in this test"))) },
            deviceWrites: { [held] d, bus, unit, writes, reply in held.hold("\(d)@\(bus):\(unit.map(String.init) ?? "-") \(writes)", reply) },
            setOutput: { _, _, _ in .success(()) }, restart: {})
        let issues = JSONReader()
        let e = Engine(site: site, factories: ["limiter": LimiterFactory()], routes: routes, sink: RecordingSink(), clock: clock, issues: issues)
        #expect(issues.issues.isEmpty, "\(issues.issues)")
        return e
    }

    func run(_ e: Engine, _ command: GatewayCommand) {
        e.post(.command(command, .platform, reply: { [held] in held.answer($0) }))
        e.processPending()
    }

    @Test func anAppCommandIsAnsweredOnlyAfterTheDeviceTookTheWrite() throws {
        let e = try engine()
        run(e, .app(device: "inv-1", command: "limit", arguments: ["watts": 2500.75]))
        #expect(held.held == ["inv-1.limit=2500.75"])
        #expect(held.all.isEmpty, "no answer while the write is on its way")
        held.finish(.success(.number(2500.75)))
        #expect(held.all == [.success(["limit": 2500.75])])
    }

    @Test func aWriteTheDeviceRefusesIsTheCommandsAnswer() throws {
        let e = try engine()
        run(e, .app(device: "inv-1", command: "limit", arguments: ["watts": 100]))
        held.finish(.failure(CommandError(.deviceError, "b unit 7 FC16 @10: exception 4 server device failure")))
        #expect(held.all == [.failure(CommandError(.deviceError, "writing inv-1.limit: b unit 7 FC16 @10: exception 4 server device failure"))])
        // An app's refusal is answered at once: nothing to wait for.
        run(e, .app(device: "inv-1", command: "limit", arguments: [:]))
        #expect(held.all.last == .failure(CommandError(.invalidArgument, "limit: missing argument \"watts\"")))
    }

    /// Issue 19: an app command is checked by the app's declared schema in the engine; the app
    /// (which would write whatever number it gets) never sees a refused one.
    @Test func anAppsSchemaRefusesACommandBeforeTheAppSeesIt() throws {
        let e = try engine()
        run(e, .app(device: "inv-1", command: "limit", arguments: ["watts": 6000]))
        run(e, .app(device: "inv-1", command: "limit", arguments: ["watts": 100, "volts": 230]))
        run(e, .app(device: "inv-1", command: "limit", arguments: ["watts": "many"]))
        run(e, .app(device: "inv-1", command: "reboot", arguments: [:]))
        #expect(held.held.isEmpty, "nothing refused reached the app or the bus")
        #expect(held.all == [
            .failure(CommandError(.invalidArgument, "limit: watts: 6000 is out of range (expected 0…5000)")),
            .failure(CommandError(.invalidArgument, "limit: volts: no such argument (limit takes watts)")),
            .failure(CommandError(.invalidArgument, "limit: watts: expected a number (0…5000 W, fractional), got \"many\"")),
            .failure(CommandError(.invalidArgument, "device inv-1 (app limiter) has no command \"reboot\" (it takes limit)")),
        ])
        // A number given as a word (a console line, a widget's string) is read by its type.
        run(e, .app(device: "inv-1", command: "limit", arguments: ["watts": "250.5"]))
        #expect(held.held == ["inv-1.limit=250.5"])
    }

    @Test func aProfileCommandTakesFractionalArgumentsCheckedByItsSchema() throws {
        let e = try engine()
        run(e, .deviceCommand(device: "inv-1", command: "set-power-limit", arguments: ["limit": 2500.75]))
        // 2500.75 as an f32 ABCD: 0x451C 0x4C00.
        let write = PointWrite(point: "limit", table: .holding, address: 10, value: .registers([0x451C, 0x4C00]))
        #expect(held.held == ["inv-1@b:- \([write])"])
        #expect(held.all.isEmpty)
        held.finish(.success(["unit": 7]))
        #expect(held.all == [.success(["unit": 7])])

        run(e, .deviceCommand(device: "inv-1", command: "set-power-limit", arguments: ["limit": 5000.5]))
        run(e, .deviceCommand(device: "inv-1", command: "set-power-limit", arguments: [:]))
        run(e, .deviceCommand(device: "inv-1", command: "reboot", arguments: [:]))
        #expect(held.held.isEmpty, "nothing refused reaches the bus")
        #expect(held.all.dropFirst().map { (try? $0.get()).map { _ in "ok" } ?? "\($0)" } == [
            "failure(set-power-limit: limit: 5000.5 is out of range (expected 0…5000))",
            "failure(set-power-limit: missing argument \"limit\")",
            "failure(the profile inverter of inv-1 defines no command \"reboot\" (it defines: set-power-limit))",
        ])
    }

    /// The one unit-id check every path to a bus goes through.
    @Test func unitIdsAreCheckedOnceByTheBusKind() {
        #expect(modbusUnitProblem(1, isRTU: true, writes: false) == nil)
        #expect(modbusUnitProblem(247, isRTU: true, writes: true) == nil)
        #expect(modbusUnitProblem(0, isRTU: true, writes: true) == nil, "an RTU broadcast write")
        #expect(modbusUnitProblem(0, isRTU: true, writes: false) == "unit 0 is the RTU broadcast address: it takes writes only and never answers")
        #expect(modbusUnitProblem(248, isRTU: true, writes: true) == "unit 248 is not an RTU unit id (1…247, or 0 to broadcast a write)")
        #expect(modbusUnitProblem(0, isRTU: false, writes: false) == nil, "TCP unit 0 is the device itself")
        #expect(modbusUnitProblem(255, isRTU: false, writes: true) == nil)
        #expect(modbusUnitProblem(250, isRTU: false, writes: false) == "unit 250 cannot be sent on Modbus TCP (libmodbus takes 0…247 and 255)")
        #expect(modbusUnitProblem(256, isRTU: false, writes: false) == "unit 256 is not a Modbus TCP unit id (0…247, 255)")
    }
}
