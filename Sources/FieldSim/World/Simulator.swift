#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldCore
import FieldDevices
import FieldHAL
import Foundation
import Synchronization

/// How a simulator runs.
package struct SimulatorOptions: Sendable {
    /// Simulated seconds per real second.
    package var acceleration: Double
    /// Simulated time at start; nil: now.
    package var start: Timestamp?
    /// RTU answers paced at the line's character rate (as slow as the real bus).
    package var pacing: Bool
    /// Real time between physics steps.
    package var tick: Duration
    /// `set` requests applied before the buses open (a scenario's `initial` settings).
    package var settings: [SimulatorSetting]

    package init(acceleration: Double = 1, start: Timestamp? = nil, pacing: Bool = true, tick: Duration = .milliseconds(20),
                settings: [SimulatorSetting] = []) {
        self.acceleration = acceleration
        self.start = start
        self.pacing = pacing
        self.tick = tick
        self.settings = settings
    }
}

/// A knob, point or contact setting (`lamp-2.wattage` = 250).
package struct SimulatorSetting: Sendable, Hashable {
    package var target: String
    package var value: JSONValue

    package init(_ target: String, _ value: JSONValue) {
        self.target = target
        self.value = value
    }
}

/// A running simulated site (`fieldsim run`, `fieldsim scenario`, tests): every device of the
/// site file on the wire — RTU buses on ptys linked at the board's serial device paths, TCP
/// buses at the site's host and port, the board's GPIO lines on its socket — with its physics
/// stepped on a `SimulationClock`, and a control socket. `start` returns when everything
/// answers and `endpoints.json` is written; `stop` (or deinit) closes it all and removes its
/// sockets, links and `endpoints.json`.
package final class Simulator: Sendable {
    package let site: Site
    package let board: Board
    package let stateDirectory: String
    package let clock: SimulationClock
    package let options: SimulatorOptions
    private let world: Mutex<World>
    private let tcp: ModbusTCPServer
    private let tcpBuses: [(bus: BusConfig, listener: ModbusTCPListener)]
    private let rtuBuses: [(bus: BusConfig, server: RTUBusServer)]
    private let gpio: GPIOWorld?
    private let running = Mutex<Running?>(nil)

    private struct Running {
        var gpioServer: GPIOSocketServer?
        var control: ControlServer
        var physics: WorkerThread
        var stopping: PhysicsStop
    }

    private final class PhysicsStop: Sendable {
        let raised = Atomic<Bool>(false)
    }

    package var controlSocketPath: String { stateDirectory + "/control.sock" }
    package var endpointsPath: String { stateDirectory + "/endpoints.json" }

    /// Reads the site and its board and binds the TCP listeners (the RTU buses, the GPIO socket
    /// and the physics start with `start`).
    ///
    /// - Parameter stateDirectory: `FIELDSIM_DIR`: the ptys' links and the sockets go here
    ///   (created if missing).
    /// - Throws: `.config` with JSON paths for a bad site or board, `.wire` for a port in use.
    package init(sitePath: String, stateDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                options: SimulatorOptions = SimulatorOptions()) throws(SimulatorError) {
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw .file(path: stateDirectory, "cannot create the state directory (\(error.localizedDescription))")
        }
        let loaded: (site: Site, board: Board)
        do {
            loaded = try SiteFiles.load(sitePath: sitePath, stateDirectory: stateDirectory, environment: environment)
        } catch {
            throw .config(error)
        }
        site = loaded.site
        board = loaded.board
        self.stateDirectory = stateDirectory
        self.options = options
        clock = SimulationClock(start: options.start ?? SystemClock().now(), rate: options.acceleration)

        var gpio: GPIOWorld?
        if case .simulator(let socket) = board.gpio, !board.lines.isEmpty {
            do {
                gpio = try GPIOWorld(board: board, socketPath: socket)
            } catch {
                throw .unsupported(error.message)
            }
        }
        self.gpio = gpio
        let world = World(site: site, board: board, gpio: gpio)

        tcp = ModbusTCPServer(name: "fieldsim")
        var tcpBuses: [(BusConfig, ModbusTCPListener)] = []
        var rtuBuses: [(BusConfig, RTUBusServer)] = []
        for bus in site.buses {
            switch bus.link {
            case .tcp(let host, let port):
                do {
                    let listener = try tcp.listen(host: host, port: port)
                    tcpBuses.append((bus, listener))
                    world.buses[bus.name] = listener
                } catch {
                    tcp.stop()
                    throw .wire(error)
                }
            case .rtu(let link):
                let path = board.serialPort(link.port)?.device
                let server = RTUBusServer(name: bus.name, link: link, linkPath: path, pacing: options.pacing ? RTUPacing() : .off)
                rtuBuses.append((bus, server))
                world.buses[bus.name] = server
            }
        }
        self.tcpBuses = tcpBuses
        self.rtuBuses = rtuBuses
        for d in world.devices {
            guard let bank = d.bank, let busName = d.model.device.bus, let bus = world.buses[busName],
                  let address = d.model.device.address else { continue }
            do {
                try bus.attach(bank, unit: UInt8(clamping: address), faults: d.wireFaults)
            } catch {
                tcp.stop()
                throw .wire(error)
            }
            d.bus = bus
            d.unit = UInt8(clamping: address)
        }
        for s in options.settings {
            do {
                _ = try world.execute(.set(target: s.target, value: s.value), now: clock.now())
            } catch {
                tcp.stop()
                throw .unsupported("setting \(s.target): \(error.message)")
            }
        }
        let ids = world.devices.compactMap { d in d.bank.map { (d.id, $0) } }
        self.world = Mutex(world)
        for (id, bank) in ids {
            bank.onGatewayWrite { [weak self] write in self?.gatewayWrote(id, write) }
        }
    }

    deinit { stop() }

    private func gatewayWrote(_ id: String, _ write: GatewayWrite) {
        let now = clock.now(), wall = monotonicMilliseconds()
        world.withLock { $0.gatewayWrote(id, write, wall: wall, now: now) }
    }

    /// Steps the physics once, opens every bus, the GPIO socket and the control socket, starts
    /// the physics thread and writes `endpoints.json`. Calling it again does nothing.
    ///
    /// - Throws: `.wire` or `.system` when a pty, link, socket or thread cannot be made; what
    ///   was opened is closed again.
    package func start() throws(SimulatorError) {
        if running.withLock({ $0 != nil }) { return }
        let now = clock.now(), wall = monotonicMilliseconds()
        world.withLock { $0.step(wall: wall, now: now) }
        var gpioServer: GPIOSocketServer?
        do {
            for (_, server) in rtuBuses { try server.start() }
            try tcp.start()
            if let gpio { gpioServer = try GPIOSocketServer(socketPath: gpio.socketPath, chip: gpio.chip) }
        } catch let e as SimWireError {
            closeWire(gpioServer)
            throw .wire(e)
        } catch let e as SystemError {
            closeWire(gpioServer)
            throw .system(e)
        } catch {
            closeWire(gpioServer)
            throw .unsupported("\(error)")
        }
        let stop = PhysicsStop()
        let physics: WorkerThread
        let control: ControlServer
        do throws(SystemError) {
            let tick = options.tick
            physics = try WorkerThread.start("sim-physics") { [weak self] in self?.runPhysics(tick: tick, stop: stop) }
            do throws(SystemError) {
                control = try ControlServer(path: controlSocketPath) { [weak self] json in
                    guard let self else { return .failure(ControlError("the simulator is stopping")) }
                    return self.handle(json)
                }
            } catch {
                stop.raised.store(true, ordering: .releasing)
                physics.join()
                throw error
            }
        } catch {
            closeWire(gpioServer)
            throw .system(error)
        }
        running.withLock { $0 = Running(gpioServer: gpioServer, control: control, physics: physics, stopping: stop) }
        do {
            let data = try JSONEncoder.sorted.encode(endpoints)
            try data.write(to: URL(fileURLWithPath: endpointsPath), options: .atomic)
        } catch {
            self.stop()
            throw .file(path: endpointsPath, "cannot write it (\(error.localizedDescription))")
        }
    }

    private func closeWire(_ gpioServer: GPIOSocketServer?) {
        gpioServer?.stop()
        for (_, server) in rtuBuses { server.stop() }
        tcp.stop()
    }

    /// Stops the physics and the control socket, closes every bus and the GPIO socket, removes
    /// the links, sockets and `endpoints.json`. Calling it again does nothing.
    package func stop() {
        guard let r = running.withLock({ r -> Running? in defer { r = nil }; return r }) else {
            tcp.stop()
            return
        }
        unlink(endpointsPath)
        r.control.stop()
        r.stopping.raised.store(true, ordering: .releasing)
        r.physics.join()
        closeWire(r.gpioServer)
    }

    private func runPhysics(tick: Duration, stop: PhysicsStop) {
        let period = max(1, tick.milliseconds)
        var next = monotonicMilliseconds()
        while !stop.raised.load(ordering: .acquiring) {
            let wall = monotonicMilliseconds()
            let now = clock.now()
            world.withLock { $0.step(wall: wall, now: now) }
            next += period
            let wait = next - monotonicMilliseconds()
            if wait > 0 {
                usleep(useconds_t(wait * 1000))
            } else {
                next = monotonicMilliseconds()
            }
        }
    }

    // MARK: Control

    /// Carries out a control request, as the control socket does.
    package func execute(_ request: ControlRequest) -> Result<JSONValue, ControlError> {
        switch request {
        case .accelerate(let rate):
            clock.setRate(rate)
            return .success(["acceleration": .number(rate), "time": .string(simulatedTime)])
        case .status:
            return .success(status)
        default:
            let now = clock.now()
            return world.withLock { w in Result { () throws(ControlError) in try w.execute(request, now: now) } }
        }
    }

    private func handle(_ json: JSONValue) -> Result<JSONValue, ControlError> {
        do {
            return execute(try ControlRequest.parse(json))
        } catch {
            return .failure(ControlError(error.issues.map(\.description).joined(separator: "; ")))
        }
    }

    /// Simulated local time, ISO 8601 with the site's offset.
    package var simulatedTime: String { clock.now().iso8601(offsetMinutes: site.info.utcOffsetMinutes) }

    private var status: JSONValue {
        var buses: [JSONValue] = []
        for (bus, listener) in tcpBuses {
            buses.append(["bus": .string(bus.name), "kind": "tcp", "endpoint": .string(listener.name),
                          "units": .array(listener.units.map { .number(Double($0)) }),
                          "fault": listener.faults.fault.map { .string($0.description) } ?? .null])
        }
        for (bus, server) in rtuBuses {
            let s = server.statistics
            buses.append(["bus": .string(bus.name), "kind": "rtu", "path": .string(server.devicePath ?? ""),
                          "units": .array(server.units.map { .number(Double($0)) }),
                          "requests": .number(Double(s.requests)), "replies": .number(Double(s.replies)),
                          "badFrames": .number(Double(s.badFrames)),
                          "fault": server.faults.fault.map { .string($0.description) } ?? .null])
        }
        let tcpStats = tcp.statistics
        var o: [String: JSONValue] = [
            "site": .string(site.info.id),
            "time": .string(simulatedTime),
            "acceleration": .number(clock.rate),
            "buses": .array(buses),
            "tcp": ["requests": .number(Double(tcpStats.requests)), "replies": .number(Double(tcpStats.replies)),
                    "connections": .number(Double(tcpStats.connections))],
            "devices": .number(Double(site.devices.count)),
        ]
        if let gpio { o["gpio"] = .object(gpio.snapshot) }
        return .object(o)
    }

    /// What `endpoints.json` says.
    package var endpoints: SimulatorEndpoints {
        let tcp = tcpBuses.map { bus, listener in
            SimulatorEndpoints.TCPEndpoint(bus: bus.name, host: listener.host, port: listener.port, units: listener.units.map(Int.init))
        }
        let rtu = rtuBuses.compactMap { bus, server -> SimulatorEndpoints.RTUEndpoint? in
            guard case .rtu(let link) = bus.link else { return nil }
            return SimulatorEndpoints.RTUEndpoint(bus: bus.name, port: link.port, path: server.devicePath ?? "", pty: server.slavePath ?? "",
                                                  baud: link.baud, framing: "\(link.dataBits)\(link.parity.rawValue)\(link.stopBits)",
                                                  units: server.units.map(Int.init), paced: server.pacing.enabled)
        }
        let gpioEndpoint = gpio.map { g in
            SimulatorEndpoints.GPIOEndpoint(socket: g.socketPath, chip: g.chip.name,
                                            lines: Dictionary(board.lines.map { ($0.name, $0.offset) }, uniquingKeysWith: { a, _ in a }))
        }
        return SimulatorEndpoints(site: site.info.id, pid: getpid(), stateDirectory: stateDirectory, tcp: tcp, rtu: rtu, gpio: gpioEndpoint,
                                  control: controlSocketPath, acceleration: options.acceleration,
                                  simulatedStart: (options.start ?? clock.now()).description)
    }
}

extension JSONEncoder {
    /// Pretty, with sorted keys: files people read and diff.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
