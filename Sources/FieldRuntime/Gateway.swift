import FieldApps
import FieldCore
import FieldDevices
import FieldEngine
import FieldHAL
import Synchronization

/// A running gateway: the engine, one worker per bus, the GPIO worker and the local API, built
/// from a validated configuration, and the workers the daemon adds (the uplink). Start it, stop
/// it; nothing else is global.
package final class Gateway: Sendable {
    package let configuration: GatewayConfiguration
    package let engine: Engine
    package let buses: [String: BusWorker]
    package let gpio: GPIOWorker?
    package let stateDirectory: String
    package let startedAt: Timestamp
    /// Every worker, in start order (`WorkerSet`): the daemon's first (`prepend`), then the GPIO
    /// worker, the engine, the bus workers by name, the local API.
    package let workers: WorkerSet
    private let restartHook = RestartHook()
    private let statusExtras = Mutex<(@Sendable () -> [String: JSONValue])?>(nil)
    let clock: any FieldClock
    private let log = Logger("gateway")

    /// - Parameters:
    ///   - sink: where alarm events, telemetry and the audit go (the outbox and uplink).
    ///   - restoredAlarms: the alarms active at the platform before this start (`AlarmStateStore`).
    package init(configuration: GatewayConfiguration, stateDirectory: String, factories: [String: any DeviceAppFactory],
                sink: any EngineSink, clock: any FieldClock = SystemClock(), restoredAlarms: [AlarmRecord] = []) throws {
        self.configuration = configuration
        self.stateDirectory = stateDirectory
        self.clock = clock
        startedAt = clock.now()
        let site = configuration.site
        let board = configuration.board

        // The engine's routes need the workers, and the workers post to the engine: the box is
        // filled once everything exists, before anything starts.
        let engineBox = EngineBox()
        // One backend for the board's lines: the GPIO worker's, and the RS-485 direction lines
        // that bus workers drive themselves.
        let gpioBackend: any GPIOBackend
        switch board.gpio {
        case .gpiod: gpioBackend = GPIOLibgpiodBackend(clock: clock)
        case .simulator(let socket): gpioBackend = GPIOSocketBackend(socketPath: socket, clock: clock)
        }
        var buses: [String: BusWorker] = [:]
        for bus in site.buses {
            let polled = site.devices.filter { $0.enabled && $0.bus == bus.name && $0.profile.usesModbus }.map { d in
                var limits = d.profile.modbus.readLimits
                limits.maxGap = min(limits.maxGap, bus.maxGap)
                return PolledDevice(id: d.id, unit: UInt8(d.address ?? 1), plan: ReadPlan(profile: d.profile, limits: limits), interval: d.poll)
            }
            let settings = try Gateway.modbusSettings(bus, board: board)
            buses[bus.name] = BusWorker(config: bus, devices: polled, clock: clock,
                                        makeTransport: { () throws(ModbusError) -> any ModbusTransport in
                                            try ModbusClient(settings, gpio: gpioBackend)
                                        },
                                        sink: { engineBox.engine?.post($0) })
        }
        self.buses = buses
        let workers = buses

        var bindings: [SignalBinding] = []
        for d in site.devices where d.enabled {
            for s in d.profile.signals {
                guard let lineName = d.signals[s.name], let line = board.line(lineName) else { continue }
                bindings.append(SignalBinding(device: d.id, signal: s.name, line: line, debounce: s.debounce))
            }
        }
        let hasOutputs = board.lines.contains { $0.direction == .output }
        if bindings.isEmpty && !hasOutputs {
            gpio = nil
        } else {
            gpio = try GPIOWorker(board: board, bindings: bindings, backend: gpioBackend, clock: clock, indication: {
                guard let engine = engineBox.engine else { return StatusLEDs.Indication() }
                return StatusLEDs.Indication(majorAlarm: engine.alarms.contains { $0.active && $0.severity <= .major },
                                             deviceOffline: engine.online.values.contains(false))
            }, sink: { device, readings in
                engineBox.engine?.post(.readings(device: device, readings))
            })
        }

        let issues = JSONReader()
        let gpioWorker = gpio
        let restart = restartHook
        let routes = EngineRoutes(
            writeModbus: { device, point, value, reply in
                Gateway.writeModbus(site: site, buses: workers, device: device, point: point, value: value, engine: engineBox, reply: reply)
            },
            writeSignal: { device, signal, value in
                gpioWorker?.write(device: device, signal: signal, value) ?? .failure(CommandError(.unavailable, "this gateway has no GPIO"))
            },
            bus: { command, reply in Gateway.raw(command, buses: workers, reply: reply) },
            deviceWrites: { device, bus, unit, writes, reply in
                Gateway.deviceWrites(device: device, bus: bus, unit: unit, configured: site.device(device)?.address, writes: writes,
                                     buses: workers, reply: reply)
            },
            setOutput: { line, value, revert in
                gpioWorker?.set(line: line, to: value, revertAfter: revert) ?? .failure(CommandError(.unavailable, "this gateway has no GPIO"))
            },
            restart: { restart.fire() })
        engine = Engine(site: site, factories: factories, routes: routes, sink: sink, clock: clock, issues: issues,
                        restoredAlarms: restoredAlarms)
        engineBox.engine = engine
        var entries: [WorkerSet.Entry] = []
        if let gpio { entries.append(.required(gpio)) }
        entries.append(.required(engine))
        entries += buses.keys.sorted().map { .required(buses[$0]!) }
        self.workers = WorkerSet(entries)
        try issues.check(source: configuration.sitePath)
        let apiLog = self.log
        self.workers.append([.optional(LocalAPIWorker(path: stateDirectory + "/fieldgate.sock") { [weak self] request, reply in
            guard let self else { return reply(.failure(CommandError(.unavailable, "the gateway is stopping"))) }
            self.handleAPI(request, reply: reply)
        }, unavailable: { error in
            // A state directory that is missing or read-only must not stop the monitoring.
            apiLog.error("the local API is not available: \(error); the gateway runs on without it")
        })])
    }

    /// Starts the workers in order (the GPIO worker first: outputs into their safe state before
    /// anything can drive them). A required worker that cannot start stops those started.
    package func start() throws {
        try workers.start()
        gpio?.markStarted()
        log.notice("started: site \(configuration.site.info.id), board \(configuration.board.id), \(plural(buses.count, "bus", "buses")), \(plural(configuration.site.devices.count, "device", "devices"))")
    }

    /// Stops the workers in the reverse order: stops taking requests, drains the buses and the
    /// engine, and puts every output into its safe state.
    package func stop() {
        workers.stop()
        log.notice("stopped")
    }

    /// What `restart` (console or RPC) calls; the daemon exits so its supervisor starts it again.
    package func onRestart(_ hook: @escaping @Sendable () -> Void) { restartHook.set(hook) }

    /// Adds fields to the local API's `status` (the daemon's uplink and outbox).
    package func setStatusProvider(_ provider: @escaping @Sendable () -> [String: JSONValue]) {
        statusExtras.withLock { $0 = provider }
    }

    /// What the daemon adds to `status` (the GB 26875.3 link under `gb26875`), for the console too.
    package var extraStatus: [String: JSONValue] { statusExtras.withLock { $0 }?() ?? [:] }

    /// Every worker's heartbeat is younger than `maxAge` (the watchdog is fed only then).
    package func workersAlive(maxAge: Int64, now: Int64 = monotonicMilliseconds()) -> Bool {
        staleWorker(maxAge: maxAge, now: now) == nil
    }

    /// The name of the first worker whose heartbeat is older than `maxAge`, for the log.
    package func staleWorker(maxAge: Int64, now: Int64 = monotonicMilliseconds()) -> String? {
        workers.staleWorker(maxAge: maxAge, now: now)
    }

    /// Runs a command through the engine (DESIGN rule 7) and answers on `reply`.
    package func execute(_ command: GatewayCommand, origin: CommandOrigin, reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) {
        engine.post(.command(command, origin, reply: reply))
    }

    // MARK: - Building

    static func modbusSettings(_ bus: BusConfig, board: Board) throws -> ModbusSettings {
        let timeouts = ModbusTimeouts(response: bus.responseTimeout, byte: bus.byteTimeout, broadcastTurnaround: bus.turnaround)
        switch bus.link {
        case .tcp(let host, let port):
            return ModbusSettings(bus: bus.name, link: .tcp(ModbusTCPSettings(host: host, port: port)), timeouts: timeouts,
                                  interFrameDelay: bus.interFrameDelay)
        case .rtu(let rtu):
            guard let port = board.serialPort(rtu.port) else {
                throw ConfigError(source: "board \(board.id)", issues: [ConfigIssue(path: .root, message: "no serial port \(rtu.port)")])
            }
            let mode: ModbusRS485Mode
            switch port.direction {
            case .automatic: mode = .none
            case .kernel: mode = .kernel
            case .rts: mode = .rts(.up)
            case .gpio(let name):
                guard let line = board.line(name) else {
                    throw ConfigError(source: "board \(board.id)", issues: [ConfigIssue(path: .root, message: "\(port.name): no line \(name)")])
                }
                mode = .gpio(.output(line.name, chip: line.chip, offset: line.offset, activeLow: line.activeLow))
            }
            let parity: ModbusRTUSettings.Parity = switch rtu.parity {
            case .none: .none
            case .even: .even
            case .odd: .odd
            }
            let settings = ModbusRTUSettings(device: port.device, baud: rtu.baud, parity: parity, dataBits: rtu.dataBits,
                                             stopBits: rtu.stopBits, rs485: mode)
            return ModbusSettings(bus: bus.name, link: .rtu(settings), timeouts: timeouts, interFrameDelay: bus.interFrameDelay)
        }
    }

    // MARK: - Routes

    private static func writeModbus(site: Site, buses: [String: BusWorker], device: String, point: String, value: PointValue,
                                    engine: EngineBox, reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) {
        guard let d = site.device(device), let busName = d.bus, let worker = buses[busName], let spec = d.profile.point(point) else {
            reply(.failure(CommandError(.notFound, "\(device).\(point) is not a Modbus point of this site")))
            return
        }
        let write: PointWrite
        do throws(CodecError) {
            write = try spec.write(value)
        } catch {
            reply(.failure(CommandError(.invalidArgument, "\(device).\(point): \(error)")))
            return
        }
        // The worker's address: a sensor readdressed from the console is written where it now answers.
        let unit = worker.unit(of: device) ?? UInt8(d.address ?? 1)
        let accepted = worker.submit(BusJob("write \(device).\(point)") { access in
            switch access.write(write, unit: unit, device: device) {
            case .failure(let e):
                reply(.failure(CommandError(.deviceError, "\(e)")))
            case .success:
                // Read the point back so the point table shows what the device now holds.
                guard spec.isReadable else {
                    reply(.success(value.jsonValue))
                    return
                }
                let plan = ReadPlan(points: [spec])
                let responses = plan.requests.map { request in
                    (try? access.read(request, unit: unit, device: device).get()) ?? .failed
                }
                var readings: [Reading?] = []
                plan.decode(responses, now: SystemClock().now(), onlineSince: nil, into: &readings)
                if let r = readings.first ?? nil {
                    engine.engine?.post(.readings(device: device, [(point, r)]))
                    reply(.success(r.value?.jsonValue ?? .null))
                } else {
                    reply(.success(value.jsonValue))
                }
            }
        })
        if !accepted { reply(.failure(CommandError(.unavailable, "bus \(busName) is stopping"))) }
    }

    private static func raw(_ command: GatewayCommand, buses: [String: BusWorker],
                            reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) {
        switch command {
        case .readRegisters(let bus, let unit, let table, let address, let count):
            guard let worker = buses[bus] else { return reply(.failure(noBus(bus, buses))) }
            if let problem = modbusUnitProblem(unit, isRTU: worker.isRTU, writes: false) {
                return reply(.failure(CommandError(.invalidArgument, problem)))
            }
            guard count <= table.protocolReadLimit, ModbusLimits.fits(address: address, count: count) else {
                return reply(.failure(CommandError(.invalidArgument, "read \(count) at \(address): at most \(table.protocolReadLimit) \(table.isBitTable ? "bits" : "registers") within 0…65535")))
            }
            let request = ReadRequest(table: table, address: address, count: count)
            let accepted = worker.submit(BusJob("read \(bus) \(unit) \(request)") { access in
                switch access.read(request, unit: UInt8(unit), device: nil) {
                case .success(.registers(let regs)): reply(.success(["values": .array(regs.map { .number(Double($0)) })]))
                case .success(.bits(let bits)): reply(.success(["values": .array(bits.map { .bool($0) })]))
                case .success(.failed): reply(.failure(CommandError(.deviceError, "\(bus) unit \(unit) \(table) \(address): no answer")))
                case .failure(let e): reply(.failure(CommandError(.deviceError, "\(e)")))
                }
            })
            if !accepted { reply(.failure(CommandError(.unavailable, "bus \(bus) is stopping"))) }
        case .writeRegisters(let bus, let unit, let table, let address, let values, let asked):
            guard let worker = buses[bus] else { return reply(.failure(noBus(bus, buses))) }
            guard table.isWritable else { return reply(.failure(CommandError(.invalidArgument, "\(table) registers cannot be written"))) }
            if let problem = modbusUnitProblem(unit, isRTU: worker.isRTU, writes: true) {
                return reply(.failure(CommandError(.invalidArgument, problem)))
            }
            let limit = table.isBitTable ? ModbusLimits.writeBits : ModbusLimits.writeRegisters
            guard (1...limit).contains(values.count), ModbusLimits.fits(address: address, count: values.count) else {
                return reply(.failure(CommandError(.invalidArgument, "write \(values.count) at \(address): 1…\(limit) values within 0…65535")))
            }
            let function: ModbusFunction = asked ?? (table.isBitTable ? (values.count == 1 ? .writeSingleCoil : .writeMultipleCoils)
                                                                       : (values.count == 1 ? .writeSingleRegister : .writeMultipleRegisters))
            let fits: Bool = switch function {
            case .writeSingleCoil: table.isBitTable && values.count == 1
            case .writeMultipleCoils: table.isBitTable
            case .writeSingleRegister: !table.isBitTable && values.count == 1
            case .writeMultipleRegisters: !table.isBitTable
            default: false
            }
            guard fits else {
                return reply(.failure(CommandError(.invalidArgument, "FC\(function.rawValue) cannot write \(values.count) \(table) value\(values.count == 1 ? "" : "s")")))
            }
            let slave = UInt8(unit), start = UInt16(address)
            let characters = RTUWireTime.writeCharacters(count: values.count, bits: table.isBitTable)
            let accepted = worker.submit(BusJob("write \(bus) \(unit) FC\(function.rawValue) \(address)") { access in
                let result = access.transact(device: nil, unit: slave, characters: characters) { t throws(ModbusError) in
                    switch function {
                    case .writeSingleCoil: try t.writeCoil(unit: slave, address: start, value: values[0] != 0)
                    case .writeMultipleCoils: try t.writeCoils(unit: slave, address: start, values: values.map { $0 != 0 })
                    case .writeSingleRegister: try t.writeRegister(unit: slave, address: start, value: values[0])
                    default: try t.writeRegisters(unit: slave, address: start, values: values)
                    }
                }
                switch result {
                case .success: reply(.success(.number(Double(values.count))))
                case .failure(let e): reply(.failure(CommandError(.deviceError, "\(e)")))
                }
            })
            if !accepted { reply(.failure(CommandError(.unavailable, "bus \(bus) is stopping"))) }
        default:
            reply(.failure(CommandError(.invalidArgument, "not a bus command")))
        }
    }
}

extension Gateway {
    /// A profile command's writes, in order, on the device's bus worker at `unit` when the command
    /// names one, else where the worker polls the device (which follows a readdress), else at the
    /// site's address; answered after the last write took, or with the first the device refused.
    fileprivate static func deviceWrites(device: String, bus: String, unit: Int?, configured: Int?, writes: [PointWrite],
                                         buses: [String: BusWorker],
                                         reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) {
        guard let worker = buses[bus] else { return reply(.failure(noBus(bus, buses))) }
        guard let target = unit ?? worker.unit(of: device).map(Int.init) ?? configured else {
            return reply(.failure(CommandError(.invalidArgument, "\(device) has no unit address on \(bus)")))
        }
        if let problem = modbusUnitProblem(target, isRTU: worker.isRTU, writes: true) {
            return reply(.failure(CommandError(.invalidArgument, problem)))
        }
        let slave = UInt8(target)
        let accepted = worker.submit(BusJob("command \(device) at unit \(target)") { access in
            for write in writes {
                if case .failure(let e) = access.write(write, unit: slave, device: device) {
                    return reply(.failure(CommandError(.deviceError, "\(e)")))
                }
            }
            reply(.success(["unit": .number(Double(target))]))
        })
        if !accepted { reply(.failure(CommandError(.unavailable, "bus \(bus) is stopping"))) }
    }

    /// `.notFound` naming the buses there are.
    fileprivate static func noBus(_ bus: String, _ buses: [String: BusWorker]) -> CommandError {
        let names = buses.keys.sorted()
        return CommandError(.notFound, "no bus \"\(bus)\" (this site's buses: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
    }
}

/// What a `restart` command calls, set by the daemon after the gateway is built.
final class RestartHook: Sendable {
    private let hook = Mutex<(@Sendable () -> Void)?>(nil)
    func set(_ h: @escaping @Sendable () -> Void) { hook.withLock { $0 = h } }
    func fire() { hook.withLock { $0 }?() }
}

/// Lets the workers' callbacks reach the engine that is created after them.
final class EngineBox: Sendable {
    private let slot = Mutex<Engine?>(nil)
    var engine: Engine? {
        get { slot.withLock { $0 } }
        set { slot.withLock { $0 = newValue } }
    }
}

extension PointValue {
    /// The value as JSON (numbers, booleans, strings).
    package var jsonValue: JSONValue {
        switch self {
        case .number(let v): .number(v)
        case .bool(let b): .bool(b)
        case .text(let s): .string(s)
        }
    }
}

/// `1 bus`, `3 buses`.
func plural(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
