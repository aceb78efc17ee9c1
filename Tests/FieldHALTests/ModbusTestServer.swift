import CModbus
import FieldHAL
import Foundation

/// A libmodbus server inside the test process: Modbus TCP on a loopback port of its own, or
/// Modbus RTU on the master side of a pty pair whose slave side the client opens. Like libmodbus's
/// own unit tests it answers special addresses with deterministic faults. Stop it from the test
/// (`defer { server.stop() }`): that wakes its thread, joins it and closes every descriptor.
final class ModbusTestServer: @unchecked Sendable {
    /// Requests for this address are received and never answered.
    static let silentAddress: UInt16 = 0xFFF0
    /// A read of holding registers here is answered with a corrupted CRC (RTU) or, on TCP, as usual.
    static let badCRCAddress: UInt16 = 0xFFF1
    /// A read of holding registers here is answered with one register too few.
    static let shortAnswerAddress: UInt16 = 0xFFF2
    /// Any request for 0xFF00 + code is answered with that exception code.
    static func exceptionAddress(_ code: ModbusExceptionCode) -> UInt16 { 0xFF00 + UInt16(code.rawValue) }

    /// Mapped addresses 0..<mapSize in every table: room for the largest requests.
    static let mapSize: Int32 = 2000

    enum Failure: Error { case setup(String) }

    /// The TCP port (0 on RTU).
    let port: Int
    /// The pty's slave path for the client (empty on TCP).
    let devicePath: String

    private let isRTU: Bool
    private var context: OpaquePointer
    private let unit: UInt8
    private let mapping: UnsafeMutablePointer<modbus_mapping_t>
    private let wakeRead: Int32, wakeWrite: Int32
    private let endpoint: Int32  // listening socket, or the pty master
    private let ptySlave: Int32  // held open so the master never sees a hang-up
    private var connections: [Int32] = []
    private let state = NSCondition()
    private var received = 0
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// A Modbus TCP server on 127.0.0.1; `port` 0 takes a free ephemeral port.
    static func tcp(port: Int = 0, registerBase: UInt16 = 1000) throws -> ModbusTestServer {
        let listener = try listen(port: port)
        guard let ctx = modbus_new_tcp("127.0.0.1", 0) else { close(listener.fd); throw Failure.setup("modbus_new_tcp") }
        let server = try ModbusTestServer(rtu: false, unit: 0, context: ctx, endpoint: listener.fd, slave: -1, port: listener.port,
                                          devicePath: "", registerBase: registerBase)
        server.start()
        return server
    }

    /// A Modbus RTU server as unit `unit` on a fresh pty pair.
    static func rtu(unit: UInt8, registerBase: UInt16 = 1000) throws -> ModbusTestServer {
        var master: Int32 = -1, slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 128)
        guard openpty(&master, &slave, &name, nil, nil) == 0 else { throw Failure.setup("openpty: errno \(errno)") }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        guard let ctx = makeRTUContext(unit: unit) else {
            close(master)
            close(slave)
            throw Failure.setup("modbus_new_rtu")
        }
        let server = try ModbusTestServer(rtu: true, unit: unit, context: ctx, endpoint: master, slave: slave, port: 0,
                                          devicePath: name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }, registerBase: registerBase)
        server.start()
        return server
    }

    private static func makeRTUContext(unit: UInt8) -> OpaquePointer? {
        guard let ctx = modbus_new_rtu("/dev/null", 115200, CChar(UInt8(ascii: "N")), 8, 1) else { return nil }
        modbus_set_slave(ctx, Int32(unit))
        return ctx
    }

    private init(rtu: Bool, unit: UInt8, context: OpaquePointer, endpoint: Int32, slave: Int32, port: Int, devicePath: String,
                 registerBase: UInt16) throws {
        var pipeEnds: [Int32] = [-1, -1]
        guard let mapping = modbus_mapping_new(Self.mapSize, Self.mapSize, Self.mapSize, Self.mapSize),
              pipe(&pipeEnds) == 0 else {
            modbus_free(context)
            close(endpoint)
            if slave >= 0 { close(slave) }
            throw Failure.setup("mapping or pipe")
        }
        for i in 0..<Int(Self.mapSize) {
            mapping.pointee.tab_registers[i] = registerBase + UInt16(i)
            mapping.pointee.tab_input_registers[i] = 2000 + UInt16(i)
            mapping.pointee.tab_bits[i] = UInt8(i % 3 == 0 ? 1 : 0)
            mapping.pointee.tab_input_bits[i] = UInt8(i % 2)
        }
        for fd in pipeEnds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        isRTU = rtu
        self.unit = unit
        self.context = context
        self.mapping = mapping
        self.endpoint = endpoint
        ptySlave = slave
        self.port = port
        self.devicePath = devicePath
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
    }

    private func start() {
        let thread = Thread { [self] in
            serve()
            finished.signal()
        }
        thread.name = isRTU ? "modbus rtu test server" : "modbus tcp test server \(port)"
        thread.start()
    }

    /// Stops serving, joins the server thread and closes the listening socket, connections and
    /// pty. Safe to call twice.
    func stop() {
        let first = state.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        finished.wait()
        for fd in connections { close(fd) }
        close(endpoint)
        if ptySlave >= 0 { close(ptySlave) }
        close(wakeRead)
        close(wakeWrite)
        modbus_mapping_free(mapping)
        modbus_free(context)
    }

    /// Requests received so far, answered or not (requests for another unit on RTU not counted).
    var requestsReceived: Int { state.withLock { received } }

    /// Waits until `n` requests have been received, or `timeout` passes.
    func waitForRequests(_ n: Int, timeout: Duration = .seconds(5)) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.inSecondsForTests)
        return state.withLock {
            while received < n {
                if !state.wait(until: deadline) { return received >= n }
            }
            return true
        }
    }

    func holdingRegister(_ address: Int) -> UInt16 { state.withLock { mapping.pointee.tab_registers[address] } }
    func coil(_ address: Int) -> Bool { state.withLock { mapping.pointee.tab_bits[address] != 0 } }

    // MARK: the serving thread

    private func serve() {
        var query = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        while true {
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0), pollfd(fd: endpoint, events: Int16(POLLIN), revents: 0)]
            fds += connections.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { return }
            if fds[0].revents != 0 { return }
            if isRTU {
                if fds[1].revents != 0 { receive(on: endpoint, into: &query) }
                continue
            }
            for (i, fd) in fds.enumerated().dropFirst(2).reversed() where fd.revents != 0 {
                if !receive(on: fd.fd, into: &query) {
                    close(fd.fd)
                    connections.remove(at: i - 2)
                }
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                let s = accept(endpoint, nil, nil)
                if s >= 0 {
                    _ = fcntl(s, F_SETFD, FD_CLOEXEC)
                    connections.append(s)
                }
            }
        }
    }

    /// Receives one request on `fd` and answers it. Returns false when the peer has gone.
    @discardableResult
    private func receive(on fd: Int32, into query: inout [UInt8]) -> Bool {
        modbus_set_socket(context, fd)
        let length = modbus_receive(context, &query)
        if length == 0 && isRTU {
            // A request for another unit. libmodbus's RTU server then takes the next frame for that
            // unit's answer and drops it; here no other unit answers, so start afresh instead.
            if let fresh = Self.makeRTUContext(unit: unit) {
                modbus_free(context)
                context = fresh
            }
        }
        guard length > 0 else { return length == 0 }
        state.withLock {
            received += 1
            state.broadcast()
        }
        let h = Int(modbus_get_header_length(context))
        let function = query[h]
        let address = UInt16(query[h + 1]) << 8 | UInt16(query[h + 2])
        let quantity = Int(query[h + 3]) << 8 | Int(query[h + 4])
        switch address {
        case Self.silentAddress:
            break
        case Self.badCRCAddress where function == 0x03 && isRTU:
            answerRaw(fd: fd, query: query, registers: quantity, corruptCRC: true)
        case Self.shortAnswerAddress where function == 0x03:
            answerRaw(fd: fd, query: query, registers: quantity - 1, corruptCRC: false)
        case 0xFF01...0xFF0B:
            modbus_reply_exception(context, query, UInt32(address & 0xFF))
        default:
            state.withLock { _ = modbus_reply(context, query, length, mapping) }
        }
        return true
    }

    /// Writes a read-holding-registers answer by hand: `registers` zero registers, and on RTU a
    /// CRC that is right unless `corruptCRC`.
    private func answerRaw(fd: Int32, query: [UInt8], registers: Int, corruptCRC: Bool) {
        let pdu = [UInt8(0x03), UInt8(2 * registers)] + [UInt8](repeating: 0, count: 2 * registers)
        var frame: [UInt8]
        if isRTU {
            frame = [query[0]] + pdu
            let crc = modbusCRC16(frame) ^ (corruptCRC ? 0xFFFF : 0)
            frame += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        } else {
            let length = UInt16(1 + pdu.count)
            frame = [query[0], query[1], 0, 0, UInt8(length >> 8), UInt8(length & 0xFF), query[6]] + pdu
        }
        _ = frame.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// A listening TCP socket on 127.0.0.1 (`port` 0: a free one), and its port.
    static func listen(port: Int) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure.setup("socket: errno \(errno)") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { a in
            a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && Glibc.listen(fd, 8) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard ok else {
            let e = errno
            close(fd)
            throw Failure.setup("bind/listen 127.0.0.1:\(port): errno \(e)")
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }
}

/// CRC-16/MODBUS (polynomial 0xA001 reflected, initial 0xFFFF); sent low byte first.
func modbusCRC16(_ bytes: [UInt8]) -> UInt16 {
    var crc: UInt16 = 0xFFFF
    for b in bytes {
        crc ^= UInt16(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
    }
    return crc
}

extension Duration {
    fileprivate var inSecondsForTests: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}

/// A TCP port on 127.0.0.1 where nothing listens: bound to get a free number, then closed.
func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { a in
        a.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard ok else { throw ModbusTestServer.Failure.setup("bind: errno \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
