import FieldHAL
import Foundation
import Testing

/// A Modbus TCP "device" on a loopback port that answers each request with the raw bytes a test
/// scripts from the request: the answers a correct master must refuse, which no real server
/// library will send. One connection at a time: the client closes after a refused answer and
/// the next request comes on a new connection.
final class ScriptedTCPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let answer: @Sendable ([UInt8]) -> [UInt8]
    private let state = NSCondition()
    private var connection: Int32 = -1
    private var stopped = false
    private var requests = 0
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameter answer: the bytes sent back for a request ADU (MBAP header included).
    init(answer: @escaping @Sendable ([UInt8]) -> [UInt8]) throws {
        let socket = try ModbusTestServer.listen(port: 0)
        listener = socket.fd
        port = socket.port
        self.answer = answer
        let thread = Thread { [self] in
            serve()
            finished.signal()
        }
        thread.start()
    }

    var requestsReceived: Int { state.withLock { requests } }

    /// Wakes the thread (shutting the sockets down ends its blocking accept and recv) and joins it.
    func stop() {
        let wasStopped = state.withLock {
            defer { stopped = true }
            if connection >= 0 { shutdown(connection, Int32(SHUT_RDWR)) }
            return stopped
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        finished.wait()
        close(listener)
    }

    private func serve() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            let open = state.withLock {
                if !stopped { connection = fd }
                return !stopped
            }
            guard open else { close(fd); return }
            while let request = readRequest(fd) {
                state.withLock { requests += 1 }
                let bytes = answer(request)
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            state.withLock { connection = -1 }
            close(fd)
        }
    }

    /// One request ADU: the 7-byte MBAP header, then as many bytes as its length says, less the unit.
    private func readRequest(_ fd: Int32) -> [UInt8]? {
        guard var adu = readExactly(fd, 7) else { return nil }
        let length = Int(adu[4]) << 8 | Int(adu[5])
        guard length >= 2, let pdu = readExactly(fd, length - 1) else { return nil }
        adu += pdu
        return adu
    }

    private func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var have = 0
        while have < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + have, count - have, 0) }
            if n <= 0 { return nil }
            have += n
        }
        return bytes
    }
}

/// What a Modbus TCP answer must be to be taken: the MBAP header (transaction id, protocol id 0,
/// a length that counts what follows), the unit asked, the function asked, the byte count the
/// request implies; anything else is refused as `.invalidFrame` naming the field, and the
/// connection is started afresh. libmodbus 3.1.6 alone accepts several of these (docs/modbus.md).
@Suite struct ModbusTCPAnswerCheckTests {
    /// Which fault the server puts in its answer, chosen by the request's start address.
    enum Fault: UInt16, CaseIterable {
        case none = 0, transactionID = 1, protocolID = 2, length = 3, unit = 4, function = 5, byteCount = 6,
             exception = 7, undefinedException = 8, echo = 9, twice = 10
    }

    /// The correct answer to a read or write request, then spoiled as its address asks.
    /// Register r holds 100 + r; coil b is on when b is odd.
    static func answer(_ request: [UInt8]) -> [UInt8] {
        let function = request[7]
        let address = UInt16(request[8]) << 8 | UInt16(request[9])
        let count = Int(request[10]) << 8 | Int(request[11])
        var pdu: [UInt8] = [function]
        switch function {
        case 0x01, 0x02:
            var packed = [UInt8](repeating: 0, count: (count + 7) / 8)
            for i in 0 ..< count where (Int(address) + i) % 2 == 1 { packed[i / 8] |= 1 << UInt8(i % 8) }
            pdu += [UInt8(packed.count)] + packed
        case 0x03, 0x04:
            pdu.append(UInt8(2 * count))
            for i in 0 ..< count {
                let value = 100 + Int(address) + i
                pdu += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
        default:  // writes: echo address and value or quantity
            pdu += request[8 ... 11]
        }
        var unit = request[6]
        var transaction = [request[0], request[1]]
        var protocolID: [UInt8] = [0, 0]
        var length: [UInt8]?
        switch Fault(rawValue: address) ?? .none {
        case .none: break
        case .transactionID: transaction = [0, 5]
        case .protocolID: protocolID = [0, 7]
        case .length: length = [0xFF, 0xFF]
        case .unit: unit = 9
        case .function: pdu[0] = function == 0x03 ? 0x04 : 0x03
        case .byteCount: pdu = [function, pdu[1] - 2] + pdu.dropFirst(2).dropLast(2)
        case .exception: pdu = [function | 0x80, 0x02]
        case .undefinedException: pdu = [function | 0x80, 0x42]
        case .echo: pdu[4] ^= 0x01
        case .twice: break
        }
        let following = UInt16(1 + pdu.count)
        let adu = transaction + protocolID + (length ?? [UInt8(following >> 8), UInt8(following & 0xFF)]) + [unit] + pdu
        return address == Fault.twice.rawValue ? adu + adu : adu
    }

    static func client(port: Int) throws -> ModbusClient {
        try ModbusClient(ModbusSettings(bus: "plc-tcp", link: .tcp(ModbusTCPSettings(host: "127.0.0.1", port: port)),
                                        timeouts: ModbusTimeouts(response: .milliseconds(500))))
    }

    static let refusals: [(Fault, ModbusFrameError, String)] = [
        (.transactionID, .transactionID(5, expected: 0), "answer with transaction id 5 (expected 0)"),
        (.protocolID, .protocolID(7), "answer with protocol id 7 (expected 0)"),
        (.length, .length(declared: 65535, following: 7), "MBAP length 65535 does not match the 7 bytes that follow"),
        (.unit, .unit(9, expected: 3), "answer from unit 9 to a request for unit 3"),
        (.function, .function(0x04, expected: .readHoldingRegisters),
         "answer with function code 0x04 to a request 0x03 read holding registers"),
        (.byteCount, .byteCount(2, expected: 4), "byte count 2 (expected 4)"),
        (.undefinedException, .exceptionCode(0x42), "exception answer with undefined code 0x42"),
    ]

    @Test(arguments: refusals.indices)
    func hostileAnswerToAReadIsRefusedByField(index: Int) throws {
        let (fault, frame, words) = Self.refusals[index]
        let server = try ScriptedTCPServer(answer: Self.answer)
        defer { server.stop() }
        let client = try Self.client(port: server.port)
        #expect(try client.readHoldingRegisters(unit: 3, address: 20, count: 2) == [120, 121])

        let error = expectThrows(ModbusError.self, "\(fault)") {
            try client.readHoldingRegisters(unit: 3, address: fault.rawValue, count: 2)
        }
        #expect(error?.kind == .invalidFrame)
        #expect(error?.frame == frame)
        #expect(error?.description == "plc-tcp unit 3 read holding registers \(fault.rawValue)+2: invalid frame (\(words))")
        // The connection is started afresh, so nothing of the refused answer is left for the next request.
        #expect(!client.isConnected)
        #expect(try client.readHoldingRegisters(unit: 3, address: 30, count: 2) == [130, 131])
        #expect(client.reconnects == 1)
        #expect(server.requestsReceived == 3)
    }

    @Test func everyReadAndWriteIsChecked() throws {
        let server = try ScriptedTCPServer(answer: Self.answer)
        defer { server.stop() }
        let client = try Self.client(port: server.port)

        // Correct answers are taken, for every function code.
        #expect(try client.readInputRegisters(unit: 255, address: 10, count: 3) == [110, 111, 112])
        #expect(try client.readCoils(unit: 1, address: 10, count: 10) == (0 ..< 10).map { $0 % 2 == 1 })
        #expect(try client.readDiscreteInputs(unit: 0, address: 11, count: 3) == [true, false, true])
        try client.writeCoil(unit: 1, address: 10, value: true)
        try client.writeRegister(unit: 1, address: 10, value: 7)
        try client.writeCoils(unit: 1, address: 10, values: [true, false, true])
        try client.writeRegisters(unit: 1, address: 10, values: [1, 2])
        #expect(client.reconnects == 0)

        let cases: [(String, ModbusFrameError, () throws -> Void)] = [
            ("coils from another unit", .unit(9, expected: 1), { _ = try client.readCoils(unit: 1, address: Fault.unit.rawValue, count: 8) }),
            ("discrete inputs, short", .byteCount(0, expected: 2),
             { _ = try client.readDiscreteInputs(unit: 1, address: Fault.byteCount.rawValue, count: 9) }),
            ("input registers, protocol 7", .protocolID(7),
             { _ = try client.readInputRegisters(unit: 1, address: Fault.protocolID.rawValue, count: 1) }),
            ("write register, length", .length(declared: 65535, following: 6),
             { try client.writeRegister(unit: 1, address: Fault.length.rawValue, value: 1) }),
            ("write registers, echo", .echo(field: "quantity", 3, expected: 2),
             { try client.writeRegisters(unit: 1, address: Fault.echo.rawValue, values: [1, 2]) }),
            ("write coil, echo", .echo(field: "value", 0xFF01, expected: 0xFF00),
             { try client.writeCoil(unit: 1, address: Fault.echo.rawValue, value: true) }),
        ]
        for (index, (name, frame, request)) in cases.enumerated() {
            let error = expectThrows(ModbusError.self, "\(name)") { try request() }
            #expect(error?.kind == .invalidFrame, "\(name)")
            #expect(error?.frame == frame, "\(name)")
            #expect(client.reconnects == index)
            #expect(try client.readHoldingRegisters(unit: 1, address: 40, count: 1) == [140], "\(name)")
        }

        // A defined exception is a valid answer: named, and the connection stays.
        let error = expectThrows(ModbusError.self) { try client.readHoldingRegisters(unit: 1, address: Fault.exception.rawValue, count: 1) }
        #expect(error?.kind == .exception(.illegalDataAddress))
        #expect(error?.frame == nil)
        #expect(client.isConnected)
        #expect(try client.readHoldingRegisters(unit: 1, address: 50, count: 125).count == 125)
    }

    @Test func anAnswerSentTwiceIsNotTakenForTheNextOne() throws {
        let server = try ScriptedTCPServer(answer: Self.answer)
        defer { server.stop() }
        let client = try Self.client(port: server.port)
        #expect(try client.readHoldingRegisters(unit: 2, address: Fault.twice.rawValue, count: 2) == [110, 111])
        // The copy (sent in the same write as the answer, so already here) has the same transaction
        // id (0), unit, function and byte count as the next answer: only the drain of what waits
        // before a request keeps it from being taken.
        #expect(try client.readHoldingRegisters(unit: 2, address: 30, count: 2) == [130, 131])
        let late = client.takeLateAnswer()
        #expect(late?.unit == 2)
        #expect(late?.bytes == 13)
        #expect(client.reconnects == 0)
    }
}
