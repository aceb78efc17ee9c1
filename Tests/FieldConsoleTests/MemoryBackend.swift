import FieldApps
import FieldConsole
import FieldCore
import FieldDevices
import FieldRuntime
import Synchronization

/// An in-memory gateway for logic tests: a small pump-room site with a pressure transmitter,
/// a lamp head, a lift and two GPIO lines. Records every call that changes something.
final class MemoryBackend: ConsoleBackend {
    struct State {
        var users: [ConsoleUser] = []
        var config: [String: JSONValue] = ["site.name": "pump-room-7", "devices[0].address": 3, "buses[0].baud": 9600]
        var savedConfig: [String: JSONValue] = ["site.name": "pump-room-7", "devices[0].address": 3, "buses[0].baud": 9600]
        var registers: [Int: [Int: UInt16]] = [3: [0: 0x3E9A, 1: 0x0000, 16: 7]]
        var answering: Set<Int> = [3, 9]
        var alarms: [AlarmRecord] = []
        var audit: [AuditEntry] = []
        var gpio: [String: Bool] = ["relay-1": false, "door-1": true]
        var history: [Reading] = []
        var pressure = 0.31
        var time = Timestamp(milliseconds: 1_767_225_600_000)
        /// Changes and raw bus traffic, in order (`modbus write rs485-1 3 16 …`, `config set …`).
        var calls: [String] = []
    }

    let state = Mutex(State())
    let clock: ManualClock

    init(clock: ManualClock, users: [ConsoleUser]) {
        self.clock = clock
        state.withLock { s in
            s.users = users
            var table = AlarmTable()
            _ = table.apply(.raise(value: .number(0.08), message: "pressure 0.08 MPa below 0.14 MPa"),
                            id: AlarmID(rawValue: "hydrant-main.pressure/low-pressure"), severity: .major, now: clock.now() - .minutes(5))
            s.alarms = table.all
        }
    }

    var calls: [String] { state.withLock { $0.calls } }
    var auditEntries: [AuditEntry] { state.withLock { $0.audit } }
    private func log(_ call: String) { state.withLock { $0.calls.append(call) } }

    func consoleUsers() -> [ConsoleUser] { state.withLock { $0.users } }

    func setPasswordHash(user: String, hash: String, by actor: String) throws(BackendError) -> ConfigChange {
        log("passwd \(user)")
        return state.withLock { s in
            let i = s.users.firstIndex { $0.name == user }!
            s.users[i].passwordHash = hash
            return ConfigChange(key: "console.users[\(i)].hash", old: nil, new: nil, effect: .immediate)
        }
    }

    func status() -> GatewayStatus {
        GatewayStatus(site: "pump-room-7", board: "sim", time: clock.now(), utcOffsetMinutes: 480, uptime: .seconds(3 * 3600 + 120),
                      buses: [BusStatus(name: "rs485-1", endpoint: "/dev/ttyS1 9600 8N1", devices: 2, devicesOnline: 2, transactionsPerSecond: 12.5),
                              BusStatus(name: "rs485-2", endpoint: "/dev/ttyS2 9600 8N1", devices: 1, devicesOnline: 0, errors: 4, lastError: "timeout")],
                      uplink: UplinkStatus(broker: "mqtt.example:8883", state: .connected), outbox: OutboxStatus(pending: 0),
                      devicesOnline: 2, devicesTotal: 3, activeAlarms: [.major: 1], unacknowledgedAlarms: 1, maintenance: [],
                      centre: CentreLinkStatus(json: ["centre": "119.3.0.10:9100", "connected": true, "sent": 12, "confirmed": 11, "pending": 1,
                                                      "answered": 2, "refused": 1, "heartbeats": 4]))
    }

    func versionInfo() -> VersionInfo { VersionInfo(board: "sim", components: ["libmodbus": "3.1.10"]) }

    func devices() -> [DeviceSummary] {
        [DeviceSummary(id: "hydrant-main", profile: "fg-pressure-tx", bus: "rs485-1", address: 3, state: .online, activeAlarms: 1, lastSeen: clock.now()),
         DeviceSummary(id: "hydrant-north", profile: "fg-pressure-tx", bus: "rs485-1", address: 4, state: .offline),
         DeviceSummary(id: "lamp-a", profile: "fg-slc", bus: "rs485-2", address: 7, state: .online),
         DeviceSummary(id: "lift-1", profile: "fg-lift", state: .online)]
    }

    func device(_ id: String) throws(BackendError) -> DeviceDetail {
        guard let d = devices().first(where: { $0.id == id }) else {
            throw .notFound(kind: "device", name: id, suggestions: devices().map(\.id).filter { editDistance($0, id) <= 3 })
        }
        return DeviceDetail(summary: d, points: pointRefs().filter { $0.device == id }.map { (try? point($0))! },
                            commands: try deviceCommands(id))
    }

    func pointRefs() -> [PointRef] {
        ["hydrant-main.pressure", "hydrant-main.sensor-fault", "hydrant-north.pressure", "lamp-a.switch", "lamp-a.dim", "lift-1.floor"].map { PointRef($0)! }
    }

    func point(_ ref: PointRef) throws(BackendError) -> PointSnapshot {
        guard pointRefs().contains(ref) else { throw .notFound(kind: "point", name: ref.description, suggestions: []) }
        let now = clock.now()
        switch ref.point {
        case "pressure":
            let v = state.withLock { $0.pressure }
            return PointSnapshot(ref: ref, info: PointInfo(unit: "MPa", source: .modbus), reading: .number(v, at: now), location: "input 0x0000 f32 CDAB")
        case "floor": return PointSnapshot(ref: ref, info: PointInfo(source: .derived), reading: .number(3, at: now))
        default: return PointSnapshot(ref: ref, info: PointInfo(source: .signal, writable: true), reading: .bool(true, at: now))
        }
    }

    /// One bucket per stored reading, a second wide.
    func history(_ ref: PointRef, since: Timestamp) throws(BackendError) -> [TrendBucket] {
        state.withLock { s in
            s.history.filter { $0.time >= since }.compactMap { r in
                r.goodNumber.map { TrendBucket(start: r.time, duration: .seconds(1), minimum: $0, maximum: $0, mean: $0, count: 1) }
            }
        }
    }

    func alarms() -> [AlarmRecord] { state.withLock { $0.alarms } }

    func acknowledge(_ id: AlarmID, by actor: String) throws(BackendError) -> AlarmRecord {
        let result: AlarmRecord? = state.withLock { s in
            guard let i = s.alarms.firstIndex(where: { $0.id == id }) else { return nil }
            s.alarms[i].acknowledgedAt = clock.now()
            s.alarms[i].acknowledgedBy = actor
            s.calls.append("ack \(id)")
            return s.alarms[i]
        }
        guard let result else { throw .notFound(kind: "alarm", name: id.rawValue, suggestions: []) }
        return result
    }

    func recentLog(_ count: Int) -> [LogLine] { [] }

    func configKeys() -> [String] { state.withLock { $0.config.keys.sorted() } }

    func configGet(_ key: String) throws(BackendError) -> JSONValue {
        guard let v = state.withLock({ $0.config[key] }) else { throw .notFound(kind: "config key", name: key, suggestions: []) }
        return v
    }

    func configSet(_ key: String, to value: JSONValue, by actor: String) throws(BackendError) -> ConfigChange {
        guard let old = state.withLock({ $0.config[key] }) else { throw .notFound(kind: "config key", name: key, suggestions: []) }
        if key == "devices[0].address" {
            guard let n = value.numberValue, (1...247).contains(n) else {
                throw .invalid([ConfigIssue(path: JSONPath.root.key("devices").index(0).key("address"),
                                            message: "must be a unit address 1-247, got \(value.serialized())")])
            }
        }
        state.withLock {
            $0.config[key] = value
            $0.calls.append("config set \(key) \(value.serialized())")
        }
        return ConfigChange(key: key, old: old, new: value, effect: key.hasPrefix("buses") ? .restartNeeded("the bus is reopened at start") : .immediate)
    }

    func configDiff() -> [ConfigDifference] {
        state.withLock { s in
            s.config.keys.sorted().compactMap { k in s.config[k] == s.savedConfig[k] ? nil : ConfigDifference(key: k, saved: s.savedConfig[k], running: s.config[k]) }
        }
    }

    func configSave(by actor: String) throws(BackendError) -> ConfigSaveResult {
        state.withLock {
            $0.savedConfig = $0.config
            $0.calls.append("config save")
        }
        return ConfigSaveResult(file: "/etc/fieldgate/site.json", previous: "/etc/fieldgate/site.json.prev")
    }

    func configRevert(by actor: String) throws(BackendError) -> [ConfigDifference] {
        let diff = configDiff()
        state.withLock {
            $0.config = $0.savedConfig
            $0.calls.append("config revert")
        }
        return diff
    }

    /// Raw Modbus on `rs485-1` against `registers`, the lamp app's answer, and the profile
    /// commands of the transmitters (checked by their schema, as the engine does).
    func execute(_ command: GatewayCommand, by actor: String) throws(BackendError) -> JSONValue {
        switch command {
        case .readRegisters(let bus, let unit, let table, let address, let count):
            guard bus == "rs485-1" else { throw .notFound(kind: "bus", name: bus, suggestions: ["rs485-1"]) }
            guard let regs = state.withLock({ $0.registers[unit] }) else {
                throw .deviceError("\(bus) unit \(unit) \(table) @\(address): timeout (ETIMEDOUT)")
            }
            log("modbus read \(bus) \(unit) \(table) \(address) \(count)")
            if table.isBitTable { return ["values": .array((0..<count).map { .bool((regs[address + $0] ?? 0) != 0) })] }
            return ["values": .array((0..<count).map { .number(Double(regs[address + $0] ?? 0)) })]
        case .writeRegisters(let bus, let unit, let table, let address, let values, let function):
            guard table == .holding else {
                log("modbus write bits")
                return .number(Double(values.count))
            }
            state.withLock { s in
                for (i, v) in values.enumerated() { s.registers[unit, default: [:]][address + i] = v }
                s.calls.append("modbus write \(bus) \(unit) \(function.map { String($0.rawValue) } ?? "-") \(address) \(values)")
            }
            return .number(Double(values.count))
        case .deviceCommand(let device, let name, let arguments, let unit):
            guard let spec = try deviceCommands(device).first(where: { $0.name == name }) else { throw .rejected("no \(name)") }
            do {
                _ = try spec.writes(arguments: arguments)
            } catch {
                throw .rejected("\(name): \(error)")
            }
            log("action \(device) \(name) \(arguments.values.first.map { formatNumber($0) } ?? "-") from \(unit.map(String.init) ?? "-")")
            return ["unit": .number(Double(unit ?? 3))]
        case .app(let device, "lamp", let arguments):
            log("lamp \(device) \(arguments.serialized())")
            let action = arguments["action"]?.stringValue ?? ""
            guard ["on", "off", "dim", "auto"].contains(action) else { throw .rejected("lamp: action must be one of: on, off, dim, auto") }
            let level = action == "off" ? 0 : arguments["level"]?.numberValue ?? 100
            let until = arguments["for"]?.stringValue.flatMap(parseDuration).map { clock.now() + $0 }
            return ["level": .number(level), "until": until.map { .string($0.iso8601(offsetMinutes: 480)) } ?? .null]
        case .app(let device, let name, let arguments):
            // As the engine does: the app's declared schema checks the command first.
            guard let spec = try appCommands(device).first(where: { $0.name == name }) else { throw .rejected("\(device) has no command \(name)") }
            do {
                let checked = try spec.checked(arguments: arguments)
                log("app \(device) \(name) \(checked.serialized())")
                return checked
            } catch {
                throw .rejected("\(name): \(error)")
            }
        default:
            log("\(command)")
            return .null
        }
    }

    func appCommands(_ device: String) throws(BackendError) -> [CommandSpec] {
        guard devices().contains(where: { $0.id == device }) else { throw .notFound(kind: "device", name: device, suggestions: []) }
        return device == "lift-1" ? LiftFactory().commands : []
    }

    func modbusScan(bus: String, units: ClosedRange<Int>, progress: (ScanProgress) -> ScanDecision) throws(BackendError) -> [ScanHit] {
        let answering = state.withLock { $0.answering }
        var hits: [ScanHit] = []
        for (n, u) in units.enumerated() {
            let hit = answering.contains(u) ? ScanHit(unit: u, answer: "holding 0 = 0x3E9A", device: u == 3 ? "hydrant-main" : nil) : nil
            if let hit { hits.append(hit) }
            log("probe \(u)")
            if progress(ScanProgress(unit: u, done: n + 1, total: units.count, hit: hit)) == .stop { break }
        }
        return hits
    }

    /// A command with a fractional parameter (`"integer": false`).
    static let powerLimit = CommandSpec(
        name: "set-power-limit", description: "Caps the driver's power.",
        parameters: [CommandParameter(name: "limit", unit: "W", range: 0...250, integer: false)],
        writes: [CommandWrite(target: PointSpec(name: "power-limit", table: .holding, address: 4, type: .f32, access: .write),
                              isProfilePoint: true, value: .parameter("limit"))])

    func deviceCommands(_ device: String) throws(BackendError) -> [CommandSpec] {
        guard devices().contains(where: { $0.id == device }) else { throw .notFound(kind: "device", name: device, suggestions: []) }
        if device == "lamp-a" { return [Self.powerLimit] }
        guard device.hasPrefix("hydrant") else { return [] }
        return BuiltinProfiles["fg-pressure-tx"]?.commands ?? []
    }

    func gpioLines() -> [GPIOLineInfo] {
        [GPIOLineInfo(name: "door-1", isOutput: false, location: "gpiochip0:4"), GPIOLineInfo(name: "relay-1", isOutput: true, location: "gpiochip1:17")]
    }

    func gpioGet(_ line: String) throws(BackendError) -> GPIOLineState {
        guard let v = state.withLock({ $0.gpio[line] }) else { throw .notFound(kind: "line", name: line, suggestions: []) }
        return GPIOLineState(name: line, active: v, isOutput: line.hasPrefix("relay"))
    }

    func gpioSet(_ line: String, active: Bool, revertAfter: Duration?, by actor: String) throws(BackendError) -> GPIOLineState {
        guard line.hasPrefix("relay") else { throw .rejected("\(line) is an input") }
        state.withLock {
            $0.gpio[line] = active
            $0.calls.append("gpio set \(line) \(active) \(revertAfter.map(formatDuration) ?? "-")")
        }
        return GPIOLineState(name: line, active: active, isOutput: true, revertsAt: revertAfter.map { clock.now() + $0 })
    }

    func liftStatus(_ device: String?) throws(BackendError) -> [LiftStatus] {
        [LiftStatus(device: "lift-1", floor: 3, direction: .stopped, inDoorZone: true, doorsClosed: true, occupied: false, mode: "normal",
                    safetyCircuitClosed: true, mainsPresent: true, speed: 0)]
    }

    func maintenance(_ action: MaintenanceAction, by actor: String) throws(BackendError) -> [MaintenanceWindow] {
        log("maintenance \(action)")
        if case .start(let scope, let d) = action {
            return [MaintenanceWindow(scope: scope, startedBy: actor, since: clock.now(), until: d.map { clock.now() + $0 })]
        }
        return []
    }

    func systemTime() -> SystemTime { SystemTime(now: clock.now(), utcOffsetMinutes: 480, source: "manual") }

    func setSystemTime(_ time: Timestamp, by actor: String) throws(BackendError) {
        log("date set \(time)")
    }

    func restart(by actor: String) throws(BackendError) { log("restart") }
    func factoryReset(by actor: String) throws(BackendError) { log("factory-reset") }

    func recordAudit(_ entry: AuditEntry) { state.withLock { $0.audit.append(entry) } }
    func auditLog(limit: Int) -> [AuditEntry] { state.withLock { Array($0.audit.reversed().prefix(limit)) } }
}
