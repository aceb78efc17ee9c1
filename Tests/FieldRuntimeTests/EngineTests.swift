import FieldApps
import FieldCore
import FieldDevices
@testable import FieldEngine
import Synchronization
import Testing
@testable import FieldRuntime

/// Records what the engine hands on (an in-memory double for logic tests).
final class RecordingSink: EngineSink {
    let alarms = Mutex<[AlarmEvent]>([])
    let batches = Mutex<[[TelemetryPoint]]>([])
    let audits = Mutex<[String]>([])
    func alarm(_ event: AlarmEvent) { alarms.withLock { $0.append(event) } }
    func telemetry(_ readings: [TelemetryPoint]) { batches.withLock { $0.append(readings) } }
    func audit(_ command: GatewayCommand, origin: CommandOrigin, result: Result<JSONValue, CommandError>) {
        audits.withLock { $0.append("\(origin.user): \(command) → \(result)") }
    }
}

/// A small app: doubles `level` into a derived value, raises `high` above 10, switches `pump`
/// with the `pump` command.
struct DoublerApp: DeviceApp {
    let context: AppContext
    var subscriptions: Set<PointRef> { [context.ref("level")] }
    mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        switch input {
        case .reading(_, let r):
            guard let v = r.goodNumber else { return [] }
            let id = AlarmID(device: context.deviceID, type: "high")
            return [.derived(name: "double", .number(v * 2, at: now), unit: "m"),
                    .alarm(id, .critical, v > 10 ? .raise(value: .number(v), message: "high") : .clear(value: .number(v)))]
        case .command(let c) where c.name == "pump":
            guard let on = c.arguments["on"]?.boolValue else { return [.reply(.failure(AppError("pump needs \"on\": true or false")))] }
            return [.write(context.ref("pump"), .bool(on)), .reply(.success(.bool(on)))]
        case .command(let c):
            return [.reply(.failure(AppError("no command \(c.name)")))]
        case .tick:
            return []
        }
    }
}

final class WriteLog: Sendable {
    let lines = Mutex<[String]>([])
    func append(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }
}

struct DoublerFactory: DeviceAppFactory {
    var name: String { "doubler" }
    var commands: [CommandSpec] { [CommandSpec(name: "pump", parameters: [CommandParameter(name: "on", kind: .flag)])] }
    func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? { DoublerApp(context: context) }
}

@Suite struct EngineTests {
    let clock = ManualClock()
    let sink = RecordingSink()
    let writes = WriteLog()

    func engine(restoredAlarms: [AlarmRecord] = []) throws -> Engine {
        let doc = try JSONValue.parse("""
        {"site": {"id": "t"}, "board": "sim", "buses": [{"name": "b", "type": "tcp", "host": "h"}],
         "profiles": [{"id": "tank", "family": "generic", "app": "doubler",
                       "points": [{"name": "level", "table": "input", "address": 0, "type": "u16", "unit": "m"}],
                       "signals": [{"name": "pump", "direction": "out"}]}],
         "devices": [{"id": "t1", "profile": "tank", "bus": "b", "address": 1, "signals": {"pump": "DO5"},
                      "alarms": [{"point": "level", "when": "below", "limit": 2, "onDelay": "10s", "severity": "major"}]}]}
        """)
        let site = try Site.parse(doc, source: "test", builtins: [:])
        let routes = EngineRoutes(
            writeModbus: { d, p, v, reply in reply(.success(.null)) },
            writeSignal: { [writes] d, s, v in writes.append("\(d).\(s)=\(v)"); return .success(()) },
            bus: { _, reply in reply(.failure(CommandError(.unavailable, "no bus in this test"))) },
            setOutput: { _, _, _ in .success(()) }, restart: {})
        let issues = JSONReader()
        let e = Engine(site: site, factories: ["doubler": DoublerFactory()], routes: routes, sink: sink, clock: clock, issues: issues,
                       restoredAlarms: restoredAlarms)
        #expect(issues.issues.isEmpty)
        return e
    }

    @Test func readingsFeedPointsAppsAndAlarms() throws {
        let e = try engine()
        e.post(.readings(device: "t1", [("level", .number(12, at: clock.now()))]))
        e.processPending()
        #expect(e.points.reading(PointRef(device: "t1", point: "double"))?.value == .number(24))
        #expect(e.points.point(PointRef(device: "t1", point: "double"))?.info.unit == "m")
        #expect(e.alarms.map(\.id.rawValue) == ["t1/high"])
        #expect(sink.alarms.withLock { $0.map(\.kind) } == [.raise])

        // The generic low-level rule waits for its on-delay, in simulated time.
        e.post(.readings(device: "t1", [("level", .number(1, at: clock.now()))]))
        e.processPending()
        #expect(!e.alarms.contains { $0.id.rawValue == "t1.level/low-level" && $0.active })
        clock.advance(by: .seconds(10))
        e.post(.tick)
        e.processPending()
        #expect(e.alarms.contains { $0.id.rawValue == "t1.level/low-level" && $0.active })
    }

    /// After a restart the alarms the platform has active come back: one raised again is not
    /// sent twice, one nothing raises again is cleared once the device was read and the settle
    /// time passed (docs/uplink.md, "Alarms after a restart").
    @Test func restoredAlarmsAreNotRaisedTwiceAndTheStaleOnesAreCleared() throws {
        func restored(_ id: String, acknowledged: Bool = false) -> AlarmRecord {
            AlarmRecord(id: AlarmID(rawValue: id), severity: .critical, active: true, raisedAt: clock.now() - .seconds(60),
                        valueAtRaise: .number(12), message: "before", acknowledgedAt: acknowledged ? clock.now() - .seconds(30) : nil,
                        acknowledgedBy: acknowledged ? "li" : nil)
        }
        let e = try engine(restoredAlarms: [restored("t1/high", acknowledged: true), restored("t1/comm-lost"), restored("t1.level/gone")])
        #expect(Set(e.alarms.map(\.id.rawValue)) == ["t1/high", "t1/comm-lost", "t1.level/gone"])
        // Still true: the app raises it again, nothing is sent; it stays acknowledged.
        e.post(.online(device: "t1", true, reason: "answering"))
        e.post(.readings(device: "t1", [("level", .number(12, at: clock.now()))]))
        e.processPending()
        #expect(sink.alarms.withLock { $0.map { "\($0.kind) \($0.id)" } } == ["clear t1/comm-lost"], "comm-lost ends as it would have")
        clock.advance(by: .seconds(9))
        e.post(.tick)
        e.processPending()
        #expect(sink.alarms.withLock { $0.count } == 1, "the settle time has not passed")
        clock.advance(by: .seconds(1))
        e.post(.tick)
        e.processPending()
        #expect(sink.alarms.withLock { $0.map { "\($0.kind) \($0.id)" } } == ["clear t1/comm-lost", "clear t1.level/gone"])
        #expect(e.alarms.filter(\.active).map(\.id.rawValue) == ["t1/high"])
        #expect(e.alarms.first { $0.active }?.acknowledgedBy == "li")
        // It ends like any other alarm.
        e.post(.readings(device: "t1", [("level", .number(5, at: clock.now()))]))
        e.processPending()
        #expect(sink.alarms.withLock { $0.last.map { "\($0.kind) \($0.id)" } } == "clear t1/high")
    }

    /// A write-only point is never polled: an offline spell marks it comm-error like the rest,
    /// and the device answering again makes it good (it would otherwise stay comm-error, and its
    /// device degraded, for ever).
    @Test func writeOnlyPointsAreGoodAgainWhenTheDeviceAnswers() throws {
        let doc = try JSONValue.parse("""
        {"site": {"id": "t"}, "board": "sim", "buses": [{"name": "b", "type": "tcp", "host": "h"}],
         "profiles": [{"id": "valve", "family": "generic",
                       "points": [{"name": "position", "table": "input", "address": 0, "type": "u16"},
                                  {"name": "command", "table": "holding", "address": 0, "type": "u16", "access": "write"}]}],
         "devices": [{"id": "v1", "profile": "valve", "bus": "b", "address": 1}]}
        """)
        let site = try Site.parse(doc, source: "test", builtins: [:])
        let routes = EngineRoutes(writeModbus: { _, _, _, reply in reply(.success(.null)) }, writeSignal: { _, _, _ in .success(()) },
                                  bus: { _, reply in reply(.failure(CommandError(.unavailable, "no bus"))) },
                                  setOutput: { _, _, _ in .success(()) }, restart: {})
        let e = Engine(site: site, factories: [:], routes: routes, sink: sink, clock: clock, issues: JSONReader())
        let command = PointRef(device: "v1", point: "command")
        e.post(.online(device: "v1", true, reason: "answering"))
        e.post(.readings(device: "v1", [("position", .number(3, at: clock.now()))]))
        e.post(.online(device: "v1", false, reason: "timeout"))
        e.processPending()
        #expect(e.points.reading(command)?.quality == .commError)
        e.post(.online(device: "v1", true, reason: "answering"))
        e.processPending()
        #expect(e.points.reading(command)?.quality == .good)
    }

    @Test func offlineDevicesRaiseCommLostAndMarkPoints() throws {
        let e = try engine()
        e.post(.readings(device: "t1", [("level", .number(5, at: clock.now()))]))
        e.post(.online(device: "t1", false, reason: "timeout"))
        e.processPending()
        #expect(e.points.reading(PointRef(device: "t1", point: "level"))?.quality == .commError)
        #expect(e.points.reading(PointRef(device: "t1", point: "level"))?.value == .number(5), "the last value is kept")
        #expect(e.alarms.first?.id.rawValue == "t1/comm-lost")
        e.post(.online(device: "t1", true, reason: "answering"))
        e.processPending()
        #expect(sink.alarms.withLock { $0.last?.kind } == .clear)
    }

    @Test func commandsGoThroughTheAppAndAreAudited() throws {
        let e = try engine()
        let results = Mutex<[Result<JSONValue, CommandError>]>([])
        let reply: @Sendable (Result<JSONValue, CommandError>) -> Void = { r in results.withLock { $0.append(r) } }
        let tech = CommandOrigin(user: "li", role: .technician, channel: .console)
        e.post(.command(.app(device: "t1", command: "pump", arguments: ["on": true]), tech, reply: reply))
        e.post(.command(.app(device: "t1", command: "pump", arguments: ["on": "yes"]), tech, reply: reply))
        e.post(.command(.app(device: "nope", command: "pump", arguments: [:]), tech, reply: reply))
        e.post(.command(.app(device: "t1", command: "pump", arguments: ["on": true]),
                        CommandOrigin(user: "guest", role: .viewer, channel: .console), reply: reply))
        e.processPending()
        let r = results.withLock { $0 }
        #expect(r.count == 4)
        #expect(try r[0].get() == .bool(true))
        #expect(writes.all == ["t1.pump=true"])
        #expect(r[1] == .failure(CommandError(.invalidArgument, "pump: on: expected true or false, got \"yes\"")), "the schema refused it, not the app")
        #expect((try? r[2].get()) == nil)
        if case .failure(let e) = r[3] { #expect(e.code == .forbidden) } else { Issue.record("a viewer may not switch a pump") }
        #expect(sink.audits.withLock { $0.count } == 4)
    }

    /// Issue 19: the engine holds every caller to the role a profile command declares, whichever
    /// way it comes (a console user, the platform with its `uplink.rpcRole`).
    @Test func aProfileCommandNeedsTheRoleItDeclares() throws {
        let doc = try JSONValue.parse("""
        {"site": {"id": "t"}, "board": "sim", "buses": [{"name": "b", "type": "tcp", "host": "h"}],
         "profiles": [{"id": "pt", "family": "generic",
                       "points": [{"name": "zero", "table": "holding", "address": 2, "type": "u16", "access": "readwrite"}],
                       "commands": [{"name": "zero", "writes": [{"point": "zero", "value": 1}]},
                                    {"name": "set-address", "role": "admin", "parameters": [{"name": "address", "range": [1, 247]}],
                                     "writes": [{"table": "holding", "address": 256, "parameter": "address"}]}]}],
         "devices": [{"id": "p1", "profile": "pt", "bus": "b", "address": 1}]}
        """)
        let site = try Site.parse(doc, source: "test", builtins: [:])
        let ran = Mutex<[String]>([])
        let routes = EngineRoutes(writeModbus: { _, _, _, reply in reply(.success(.null)) }, writeSignal: { _, _, _ in .success(()) },
                                  bus: { _, reply in reply(.failure(CommandError(.unavailable, "no bus"))) },
                                  deviceWrites: { device, _, _, writes, reply in
                                      ran.withLock { $0.append("\(device) \(writes.count)") }
                                      reply(.success(["unit": 1]))
                                  },
                                  setOutput: { _, _, _ in .success(()) }, restart: {})
        let e = Engine(site: site, factories: [:], routes: routes, sink: sink, clock: clock, issues: JSONReader())
        let results = Mutex<[Result<JSONValue, CommandError>]>([])
        let reply: @Sendable (Result<JSONValue, CommandError>) -> Void = { r in results.withLock { $0.append(r) } }
        let setAddress = GatewayCommand.deviceCommand(device: "p1", command: "set-address", arguments: ["address": 4])
        e.post(.command(setAddress, CommandOrigin(user: "li", role: .technician, channel: .console), reply: reply))
        e.post(.command(setAddress, .platform, reply: reply))
        e.post(.command(.deviceCommand(device: "p1", command: "zero", arguments: [:]), .platform, reply: reply))
        e.post(.command(setAddress, CommandOrigin(user: "wang", role: .admin, channel: .console), reply: reply))
        e.post(.command(setAddress, .platform(role: .admin), reply: reply))
        e.processPending()
        let r = results.withLock { $0 }
        #expect(r.count == 5)
        #expect(r[0] == .failure(CommandError(.forbidden, "li (technician) may not run set-address; it needs the admin role")))
        #expect(r[1] == .failure(CommandError(.forbidden, "platform (technician) may not run set-address; it needs the admin role")))
        #expect((try? r[2].get()) == ["unit": 1])
        #expect((try? r[3].get()) == ["unit": 1])
        #expect((try? r[4].get()) == ["unit": 1])
        #expect(ran.withLock { $0 } == ["p1 1", "p1 1", "p1 1"], "only the permitted commands wrote")
    }

    /// Review of issue 19: a point write needs the highest role among the profile's commands
    /// that write the point, whether they name it or its bare register (set-address writes
    /// holding 256, the `unit-id` point); a point only technician commands write stays the
    /// technician's, and the engine holds every caller to it.
    @Test func aPointWriteNeedsTheRoleOfTheCommandsThatWriteIt() throws {
        let doc = try JSONValue.parse("""
        {"site": {"id": "t"}, "board": "sim", "buses": [{"name": "b", "type": "tcp", "host": "h"}],
         "profiles": [{"id": "pt", "family": "generic",
                       "points": [{"name": "zero", "table": "holding", "address": 2, "type": "u16", "access": "readwrite"},
                                  {"name": "unit-id", "table": "holding", "address": 256, "type": "u16", "access": "readwrite"},
                                  {"name": "spare", "table": "holding", "address": 257, "type": "u16", "access": "readwrite"}],
                       "commands": [{"name": "zero", "writes": [{"point": "zero", "value": 1}]},
                                    {"name": "set-address", "role": "admin", "parameters": [{"name": "address", "range": [1, 247]}],
                                     "writes": [{"table": "holding", "address": 256, "parameter": "address"}]}]}],
         "devices": [{"id": "p1", "profile": "pt", "bus": "b", "address": 1}]}
        """)
        let site = try Site.parse(doc, source: "test", builtins: [:])
        let wrote = Mutex<[String]>([])
        let routes = EngineRoutes(writeModbus: { device, point, _, reply in
                                      wrote.withLock { $0.append("\(device).\(point)") }
                                      reply(.success(.null))
                                  }, writeSignal: { _, _, _ in .success(()) },
                                  bus: { _, reply in reply(.failure(CommandError(.unavailable, "no bus"))) },
                                  setOutput: { _, _, _ in .success(()) }, restart: {})
        let e = Engine(site: site, factories: [:], routes: routes, sink: sink, clock: clock, issues: JSONReader())
        let results = Mutex<[Result<JSONValue, CommandError>]>([])
        let reply: @Sendable (Result<JSONValue, CommandError>) -> Void = { r in results.withLock { $0.append(r) } }
        let tech = CommandOrigin(user: "li", role: .technician, channel: .console)
        let unitID = GatewayCommand.writePoint(PointRef(device: "p1", point: "unit-id"), .number(4))
        e.post(.command(unitID, tech, reply: reply))
        e.post(.command(unitID, .platform, reply: reply))
        e.post(.command(.writePoint(PointRef(device: "p1", point: "zero"), .number(1)), tech, reply: reply))
        e.post(.command(.writePoint(PointRef(device: "p1", point: "spare"), .number(1)), .platform, reply: reply))
        e.post(.command(unitID, CommandOrigin(user: "wang", role: .admin, channel: .console), reply: reply))
        e.processPending()
        let r = results.withLock { $0 }
        #expect(r.count == 5)
        #expect(r[0] == .failure(CommandError(.forbidden, "li (technician) may not write unit-id (set-address, an admin command, writes it); it needs the admin role")))
        #expect(r[1] == .failure(CommandError(.forbidden, "platform (technician) may not write unit-id (set-address, an admin command, writes it); it needs the admin role")))
        #expect(wrote.withLock { $0 } == ["p1.zero", "p1.spare", "p1.unit-id"], "only the permitted writes ran")
    }

    @Test func acknowledgeAnAlarm() throws {
        let e = try engine()
        e.post(.readings(device: "t1", [("level", .number(20, at: clock.now()))]))
        e.processPending()
        let done = Mutex<Result<JSONValue, CommandError>?>(nil)
        e.post(.command(.acknowledge(AlarmID(rawValue: "t1/high")), CommandOrigin(user: "op", role: .viewer, channel: .platform),
                        reply: { r in done.withLock { $0 = r } }))
        e.processPending()
        #expect(try done.withLock { $0 }?.get() == ["alarm": "t1/high", "by": "op"])
        #expect(e.alarms.first?.acknowledgedBy == "op")
        #expect(sink.alarms.withLock { $0.map(\.kind) } == [.raise, .acknowledge])
    }

    @Test func unknownAppsAndStraySettingsAreConfigErrors() throws {
        let doc = try JSONValue.parse("""
        {"site": {"id": "t"}, "board": "sim", "buses": [{"name": "b", "type": "tcp", "host": "h"}],
         "profiles": [{"id": "p1", "family": "generic", "app": "warp-drive", "points": [{"name": "v", "table": "input", "address": 0, "type": "u16"}]},
                      {"id": "p2", "family": "generic", "points": [{"name": "v", "table": "input", "address": 0, "type": "u16"}]}],
         "devices": [{"id": "a", "profile": "p1", "bus": "b", "address": 1}, {"id": "b2", "profile": "p2", "bus": "b", "address": 2, "settings": {"x": 1}}]}
        """)
        let site = try Site.parse(doc, source: "test", builtins: [:])
        let issues = JSONReader()
        let routes = EngineRoutes(writeModbus: { _, _, _, r in r(.success(.null)) }, writeSignal: { _, _, _ in .success(()) },
                                  bus: { _, r in r(.success(.null)) }, setOutput: { _, _, _ in .success(()) }, restart: {})
        _ = Engine(site: site, factories: [:], routes: routes, sink: sink, clock: clock, issues: issues)
        #expect(issues.issues.map(\.description) == [
            "devices[0].profile: profile p1 names app \"warp-drive\", which this firmware does not have",
            "devices[1].settings: profile p2 has no app, so the device takes no settings",
        ])
    }
}

/// An app that raises `late` when a delay it started on a reading runs out.
struct DelayApp: DeviceApp {
    let context: AppContext
    var due: Timestamp?
    var subscriptions: Set<PointRef> { [context.ref("level")] }
    var wakeUp: Timestamp? { due }
    mutating func handle(_ input: AppInput, now: Timestamp) -> [AppEffect] {
        switch input {
        case .reading:
            due = now + .milliseconds(300)
            return []
        case .tick:
            guard let d = due, now >= d else { return [] }
            due = nil
            return [.alarm(AlarmID(device: context.deviceID, type: "late"), .critical, .raise(value: nil, message: "late"))]
        case .command:
            return []
        }
    }
}

struct DelayFactory: DeviceAppFactory {
    var name: String { "doubler" }
    func make(context: AppContext, settings: JSONObjectReader?) -> (any DeviceApp)? { DelayApp(context: context) }
}

@Suite struct EngineWakeUpTests {
    @Test func anAppIsTickedWhenItsDelayRunsOutNotAtTheNextRegularTick() throws {
        let doc = try JSONValue.parse("""
        {"site": {"id": "t"}, "board": "sim", "buses": [{"name": "b", "type": "tcp", "host": "h"}],
         "profiles": [{"id": "tank", "family": "generic", "app": "doubler",
                       "points": [{"name": "level", "table": "input", "address": 0, "type": "u16"}]}],
         "devices": [{"id": "t1", "profile": "tank", "bus": "b", "address": 1}]}
        """)
        let site = try Site.parse(doc, source: "test", builtins: [:])
        let sink = RecordingSink()
        let clock = ManualClock()
        let routes = EngineRoutes(writeModbus: { _, _, _, r in r(.success(.null)) }, writeSignal: { _, _, _ in .success(()) },
                                  bus: { _, r in r(.success(.null)) }, setOutput: { _, _, _ in .success(()) }, restart: {})
        let engine = Engine(site: site, factories: ["doubler": DelayFactory()], routes: routes, sink: sink, clock: clock,
                            issues: JSONReader())
        let start = clock.now()
        engine.post(.readings(device: "t1", [("level", .number(1, at: start))]))
        engine.processPending()
        #expect(engine.nextWakeUp == start + .milliseconds(300), "the engine knows when the app wants its tick")
        clock.advance(by: .milliseconds(200))
        engine.post(.wake)
        engine.processPending()
        #expect(sink.alarms.withLock { $0.isEmpty }, "not due yet")
        clock.advance(by: .milliseconds(100))
        engine.post(.wake)
        engine.processPending()
        #expect(sink.alarms.withLock { $0.map(\.id.rawValue) } == ["t1/late"], "raised when its delay ran out")
        #expect(engine.nextWakeUp == nil)
    }
}
