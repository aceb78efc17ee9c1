import FieldCore
import FieldDevices
import FieldHAL
import FieldTestSupport
import Foundation

@testable import FieldSim

/// A site's devices on the simulator's wire with nothing behind their registers: every Modbus
/// device of the site file is a `RegisterBank` answering at its address on its bus (RTU buses
/// on paced ptys linked where the board says, TCP buses at the site's host and port), and the
/// board's GPIO lines are the simulator's chip on its socket. No physics moves a value: what the
/// gateway reads is exactly what the test put in the banks and on the lines, so every value can
/// be checked against what the simulator holds. `stop()` (or deinit) closes it all.
final class SimulatedField {
    let site: Site
    let board: Board
    /// `FIELDSIM_DIR`: the ptys' links and the GPIO socket are here.
    let directory: String
    private let tcp = ModbusTCPServer(name: "end-to-end")
    private var rtu: [String: RTUBusServer] = [:]
    private var buses: [String: any SimulatedBus] = [:]
    private let gpio: GPIOWorld
    private var gpioServer: GPIOSocketServer?

    /// Reads the site and its board the way `fieldsim` does and attaches a bank for every Modbus
    /// device (all values 0); `start()` opens the wire.
    ///
    /// - Parameter directory: `FIELDSIM_DIR` (created if missing).
    /// - Throws: the site's `ConfigError`, a `SimWireError` for a TCP port in use.
    init(sitePath: String, directory: String, pacing: RTUPacing = RTUPacing()) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        (site, board) = try SiteFiles.load(sitePath: sitePath, stateDirectory: directory,
                                           environment: ["FIELDGATE_BOARDS": TestSupport.boards])
        self.directory = directory
        guard case .simulator(let socket) = board.gpio else { throw ChildProcessError("board \(board.id) is not a simulator board") }
        gpio = try GPIOWorld(board: board, socketPath: socket)
        for bus in site.buses {
            switch bus.link {
            case .tcp(let host, let port):
                buses[bus.name] = try tcp.listen(host: host, port: port)
            case .rtu(let link):
                let server = RTUBusServer(name: bus.name, link: link, linkPath: board.serialPort(link.port)?.device, pacing: pacing)
                rtu[bus.name] = server
                buses[bus.name] = server
            }
        }
        for d in site.devices where d.profile.usesModbus {
            guard let busName = d.bus, let bus = buses[busName], let address = d.address else { continue }
            try bus.attach(RegisterBank(profile: d.profile), unit: UInt8(address))
        }
    }

    deinit { stop() }

    /// Opens the ptys, the TCP listeners and the GPIO socket.
    func start() throws {
        for server in rtu.values { try server.start() }
        try tcp.start()
        gpioServer = try GPIOSocketServer(socketPath: gpio.socketPath, chip: gpio.chip)
    }

    func stop() {
        gpioServer?.stop()
        gpioServer = nil
        for server in rtu.values { server.stop() }
        tcp.stop()
    }

    /// The site's entry for `id`.
    func device(_ id: String) -> DeviceConfig? { site.device(id) }

    /// The registers the device answers from.
    func bank(_ id: String) -> RegisterBank? {
        guard let d = site.device(id), let bus = d.bus.flatMap({ buses[$0] }), let address = d.address else { return nil }
        return bus.bank(unit: UInt8(address))
    }

    /// The device's fault switch (`.noResponse` makes it silent).
    func faults(_ id: String) -> WireFaults? {
        guard let d = site.device(id), let bus = d.bus.flatMap({ buses[$0] }), let address = d.address else { return nil }
        return bus.faults(unit: UInt8(address))
    }

    /// What an RTU bus's server has seen: requests, replies, bad frames.
    func statistics(rtuBus name: String) -> WireStatistics? { rtu[name]?.statistics }

    /// The logical level of a board line (the board's active-low applied): what the gateway
    /// drives on an output, what the test drives on an input.
    func level(_ lineName: String) -> Bool? { board.line(lineName).map { gpio.level($0) } }

    /// Drives an input line to a logical level.
    func drive(_ lineName: String, _ value: Bool) {
        if let line = board.line(lineName) { gpio.drive(line, to: value) }
    }
}
