import CModbus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The owner of one libmodbus context (`modbus_t`), freed exactly once in `deinit`.
///
/// The only file in FieldHAL that imports CModbus: thin calls that turn libmodbus's `-1` + errno
/// into a `Failure`, the Modbus TCP transactions whose answers are checked field by field
/// (`ModbusFrameError`), and `classify(_:)`, the one place that decodes libmodbus's errnos
/// (`MODBUS_ENOBASE` + exception code, `EMBBADCRC`, ...). Recovery policy lives in `ModbusClient`.
final class ModbusContext {
    /// A libmodbus call that returned -1, with the errno it left; or the RS-485 direction line
    /// that failed, with the GPIO error in `detail`.
    struct Failure: Error {
        var errno: Int32
        var call: String
        var detail: String? = nil
        /// The field of a TCP answer that was wrong (errno is then `EMBBADDATA`).
        var frame: ModbusFrameError? = nil
    }

    private let handle: OpaquePointer
    private let link: ModbusLink
    private let gpio: any GPIOBackend
    private var direction: ModbusDirectionLine?
    private(set) var isOpen = false
    private let isTCP: Bool
    /// The TCP path's request PDU (unit first) and answer ADU, allocated once with the context so
    /// that a transaction allocates nothing.
    private let request: UnsafeMutablePointer<UInt8>
    private let answer: UnsafeMutablePointer<UInt8>

    /// - Parameter gpio: where an RS-485 direction line (`ModbusRS485Mode.gpio`) is requested.
    init(link: ModbusLink, gpio: any GPIOBackend) throws(Failure) {
        let made: OpaquePointer?
        switch link {
        case .rtu(let s):
            made = modbus_new_rtu(s.device, Int32(s.baud), CChar(UInt8(ascii: s.parity.rawValue.unicodeScalars.first!)),
                                  Int32(s.dataBits), Int32(s.stopBits))
        case .tcp(let s):
            made = modbus_new_tcp_pi(s.host, String(s.port))
        }
        guard let made else { throw Failure(errno: errno, call: link.isRTU ? "modbus_new_rtu" : "modbus_new_tcp_pi") }
        handle = made
        self.link = link
        self.gpio = gpio
        isTCP = !link.isRTU
        request = .allocate(capacity: Self.maxADU)
        answer = .allocate(capacity: Self.maxADU)
        modbus_set_error_recovery(handle, MODBUS_ERROR_RECOVERY_NONE)
    }

    deinit {
        close()
        modbus_free(handle)
        request.deallocate()
        answer.deallocate()
    }

    /// Opens the serial port (and sets its RS-485 direction control) or connects the TCP socket.
    func open() throws(Failure) {
        guard !isOpen else { return }
        try check(modbus_connect(handle), "modbus_connect")
        isOpen = true
        guard case .rtu(let s) = link else { return }
        do throws(Failure) {
            switch s.rs485 {
            case .none:
                break
            case .kernel:
                try check(modbus_rtu_set_serial_mode(handle, MODBUS_RTU_RS485), "modbus_rtu_set_serial_mode")
            case .rts(let level, let delay):
                try check(modbus_rtu_set_rts(handle, level == .up ? MODBUS_RTU_RTS_UP : MODBUS_RTU_RTS_DOWN), "modbus_rtu_set_rts")
                if let delay {
                    try check(modbus_rtu_set_rts_delay(handle, Int32(clamping: delay.microseconds)), "modbus_rtu_set_rts_delay")
                }
            case .gpio(let line):
                do throws(GPIOError) {
                    direction = try ModbusDirectionLine(line, backend: gpio, handle: handle)
                } catch {
                    throw Failure(errno: 0, call: ModbusDirectionLine.call, detail: "\(error)")
                }
                // The callback first, then RTS mode: setting the mode already calls it (receive).
                try check(modbus_rtu_set_custom_rts(handle, ModbusDirectionLine.setDirection), "modbus_rtu_set_custom_rts")
                try check(modbus_rtu_set_rts(handle, MODBUS_RTU_RTS_UP), "modbus_rtu_set_rts")
            }
        } catch {
            close()
            throw error
        }
    }

    func close() {
        direction?.detach()
        direction = nil
        guard isOpen else { return }
        modbus_close(handle)
        isOpen = false
    }

    /// A failure to switch the RS-485 direction line since the last call: the request it
    /// concerned went out, or was listened for, with the transceiver the wrong way round.
    func takeDirectionFailure() -> Failure? {
        guard let error = direction?.takeFailure() else { return nil }
        return Failure(errno: 0, call: ModbusDirectionLine.call, detail: "\(error)")
    }

    /// Discards whatever the link has received and not yet read (and, on a serial port, not yet sent).
    func flush() {
        if isOpen { modbus_flush(handle) }
    }

    /// How many received bytes wait unread on the port or socket (FIONREAD); 0 when closed.
    func pendingInput() -> Int {
        guard isOpen else { return 0 }
        let fd = modbus_get_socket(handle)
        guard fd >= 0 else { return 0 }
        var count: Int32 = 0
        return ioctl(fd, UInt(FIONREAD), &count) == 0 ? Int(count) : 0
    }

    func setTimeouts(_ t: ModbusTimeouts) throws(Failure) {
        let r = t.response.secondsAndMicroseconds
        try check(modbus_set_response_timeout(handle, r.seconds, r.microseconds), "modbus_set_response_timeout")
        // 0 s 0 µs switches the byte timeout off: the response timeout then covers the whole answer.
        let b = t.byte?.secondsAndMicroseconds ?? (seconds: 0, microseconds: 0)
        try check(modbus_set_byte_timeout(handle, b.seconds, b.microseconds), "modbus_set_byte_timeout")
    }

    func setUnit(_ unit: UInt8) throws(Failure) {
        try check(modbus_set_slave(handle, Int32(unit)), "modbus_set_slave")
    }

    // The buffers are passed as arrays and their pointers used in closures that only return
    // libmodbus's result and errno: Swift 6.0 (Debian 13's compiler) cannot pass a typed-throws
    // closure through `withUnsafe…BufferPointer` (docs/architecture.md, "Swift 6.0.3").

    @inline(__always)
    func readBits(_ function: ModbusFunction, unit: UInt8, address: UInt16, into bits: inout [UInt8]) throws(Failure) {
        if isTCP { return try readBitsTCP(function, unit: unit, address: address, into: &bits) }
        let coils = function == .readCoils
        let (rc, e) = bits.withUnsafeMutableBufferPointer { b in
            let rc = coils ? modbus_read_bits(handle, Int32(address), Int32(b.count), b.baseAddress)
                           : modbus_read_input_bits(handle, Int32(address), Int32(b.count), b.baseAddress)
            return (rc, errno)
        }
        try check(rc, coils ? "modbus_read_bits" : "modbus_read_input_bits", errno: e)
    }

    @inline(__always)
    func readRegisters(_ function: ModbusFunction, unit: UInt8, address: UInt16, into values: inout [UInt16]) throws(Failure) {
        if isTCP { return try readRegistersTCP(function, unit: unit, address: address, into: &values) }
        let holding = function == .readHoldingRegisters
        let (rc, e) = values.withUnsafeMutableBufferPointer { b in
            let rc = holding ? modbus_read_registers(handle, Int32(address), Int32(b.count), b.baseAddress)
                             : modbus_read_input_registers(handle, Int32(address), Int32(b.count), b.baseAddress)
            return (rc, errno)
        }
        try check(rc, holding ? "modbus_read_registers" : "modbus_read_input_registers", errno: e)
    }

    func writeBit(unit: UInt8, address: UInt16, value: Bool) throws(Failure) {
        if isTCP { return try writeSingleTCP(.writeSingleCoil, unit: unit, address: address, value: value ? 0xFF00 : 0) }
        try check(modbus_write_bit(handle, Int32(address), value ? 1 : 0), "modbus_write_bit")
    }

    func writeRegister(unit: UInt8, address: UInt16, value: UInt16) throws(Failure) {
        if isTCP { return try writeSingleTCP(.writeSingleRegister, unit: unit, address: address, value: value) }
        try check(modbus_write_register(handle, Int32(address), value), "modbus_write_register")
    }

    func writeBits(unit: UInt8, address: UInt16, _ bits: [UInt8]) throws(Failure) {
        if isTCP { return try writeBitsTCP(unit: unit, address: address, bits) }
        let (rc, e) = bits.withUnsafeBufferPointer { b in
            (modbus_write_bits(handle, Int32(address), Int32(b.count), b.baseAddress), errno)
        }
        try check(rc, "modbus_write_bits", errno: e)
    }

    func writeRegisters(unit: UInt8, address: UInt16, _ values: [UInt16]) throws(Failure) {
        if isTCP { return try writeRegistersTCP(unit: unit, address: address, values) }
        let (rc, e) = values.withUnsafeBufferPointer { b in
            (modbus_write_registers(handle, Int32(address), Int32(b.count), b.baseAddress), errno)
        }
        try check(rc, "modbus_write_registers", errno: e)
    }

    func writeAndReadRegisters(unit: UInt8, writeAddress: UInt16, _ values: [UInt16], readAddress: UInt16,
                               into read: inout [UInt16]) throws(Failure) {
        if isTCP { return try writeAndReadRegistersTCP(unit: unit, writeAddress: writeAddress, values, readAddress: readAddress, into: &read) }
        let (rc, e) = values.withUnsafeBufferPointer { w in
            read.withUnsafeMutableBufferPointer { r in
                (modbus_write_and_read_registers(handle, Int32(writeAddress), Int32(w.count), w.baseAddress,
                                                 Int32(readAddress), Int32(r.count), r.baseAddress), errno)
            }
        }
        try check(rc, "modbus_write_and_read_registers", errno: e)
    }

    /// Sends a request without waiting for an answer (broadcasts): `pdu` starts with the unit and
    /// the function code; libmodbus adds the MBAP header or the CRC.
    func send(unitAndPDU pdu: [UInt8]) throws(Failure) {
        let (rc, e) = pdu.withUnsafeBufferPointer { p in (modbus_send_raw_request(handle, p.baseAddress, Int32(p.count)), errno) }
        try check(rc, "modbus_send_raw_request", errno: e)
    }

    // MARK: Modbus TCP, checked here

    // On TCP every transaction goes out with `modbus_send_raw_request` and its answer is read
    // whole with `modbus_receive_confirmation` (libmodbus's own framing by function code and its
    // timeouts), then checked field by field: libmodbus 3.1.6's `modbus_read_registers` & co.
    // check the transaction id but get the protocol-id check wrong (`&&` for `||`), ignore the
    // MBAP length, do not compare the unit id on TCP, and never show the header to the caller.
    //
    // `modbus_send_raw_request` always sends transaction id 0, so the id cannot tell a late
    // answer from the next one: `ModbusClient` drains the socket before the request that follows
    // a timeout and whenever bytes wait before a request, and a late answer that still slips
    // through must come from the same unit with the same function and byte count to pass the
    // checks below.

    static let maxADU = Int(MODBUS_TCP_MAX_ADU_LENGTH)
    /// The transaction id `modbus_send_raw_request` puts in every request.
    private static let rawTransactionID: UInt16 = 0
    /// MBAP header (7 bytes) + function code: where an answer's data starts.
    private static let dataOffset = 8

    @inline(__always)
    private func put(_ value: UInt16, at offset: Int) {
        request[offset] = UInt8(value >> 8)
        request[offset + 1] = UInt8(value & 0xFF)
    }

    @inline(__always)
    private func word(at offset: Int) -> UInt16 { UInt16(answer[offset]) << 8 | UInt16(answer[offset + 1]) }

    /// Writes unit, function, and two words (address, count or value) to the request buffer.
    @inline(__always)
    private func putHead(_ unit: UInt8, _ function: ModbusFunction, _ first: UInt16, _ second: UInt16) {
        request[0] = unit
        request[1] = function.rawValue
        put(first, at: 2)
        put(second, at: 4)
    }

    private static func refused(_ frame: ModbusFrameError) -> Failure {
        // EMBBADDATA: `classify` makes it `.invalidFrame`.
        Failure(errno: MODBUS_ENOBASE + Int32(MODBUS_EXCEPTION_MAX) + 1, call: "modbus_receive_confirmation", frame: frame)
    }

    /// Sends the `length` request bytes in `request` and reads the answer into `answer`; checks the
    /// MBAP header, the unit and the function code, and turns an exception answer into its errno.
    /// Returns the answer's length (at least `dataOffset` + 1).
    private func transactTCP(unit: UInt8, function: ModbusFunction, length: Int) throws(Failure) -> Int {
        guard modbus_send_raw_request(handle, request, Int32(length)) != -1 else {
            throw Failure(errno: errno, call: "modbus_send_raw_request")
        }
        let n = Int(modbus_receive_confirmation(handle, answer))
        guard n != -1 else { throw Failure(errno: errno, call: "modbus_receive_confirmation") }
        let following = n - 6
        // libmodbus reads the header, the function code and at least one byte after it.
        guard n > Self.dataOffset else { throw Self.refused(.length(declared: word(at: 4), following: following)) }
        let transaction = word(at: 0)
        guard transaction == Self.rawTransactionID else {
            throw Self.refused(.transactionID(transaction, expected: Self.rawTransactionID))
        }
        let protocolID = word(at: 2)
        guard protocolID == 0 else { throw Self.refused(.protocolID(protocolID)) }
        let declared = word(at: 4)
        guard Int(declared) == following else { throw Self.refused(.length(declared: declared, following: following)) }
        guard answer[6] == unit else { throw Self.refused(.unit(answer[6], expected: unit)) }
        let code = answer[7]
        if code == function.rawValue | 0x80 {
            let exception = answer[Self.dataOffset]
            guard exception >= 1, Int32(exception) < Int32(MODBUS_EXCEPTION_MAX) else { throw Self.refused(.exceptionCode(exception)) }
            throw Failure(errno: MODBUS_ENOBASE + Int32(exception), call: "modbus_receive_confirmation")
        }
        guard code == function.rawValue else { throw Self.refused(.function(code, expected: function)) }
        return n
    }

    /// Checks a read answer's byte count: libmodbus framed the answer by it, so it is also the
    /// number of data bytes that follow.
    @inline(__always)
    private func checkByteCount(_ expected: Int) throws(Failure) {
        let count = Int(answer[Self.dataOffset])
        guard count == expected else { throw Self.refused(.byteCount(count, expected: expected)) }
    }

    private func readRegistersTCP(_ function: ModbusFunction, unit: UInt8, address: UInt16, into values: inout [UInt16]) throws(Failure) {
        putHead(unit, function, address, UInt16(values.count))
        _ = try transactTCP(unit: unit, function: function, length: 6)
        try checkByteCount(2 * values.count)
        takeRegisters(into: &values)
    }

    @inline(__always)
    private func takeRegisters(into values: inout [UInt16]) {
        let data = Self.dataOffset + 1
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = word(at: data + 2 * i) }
        }
    }

    private func readBitsTCP(_ function: ModbusFunction, unit: UInt8, address: UInt16, into bits: inout [UInt8]) throws(Failure) {
        putHead(unit, function, address, UInt16(bits.count))
        _ = try transactTCP(unit: unit, function: function, length: 6)
        try checkByteCount((bits.count + 7) / 8)
        let data = Self.dataOffset + 1
        bits.withUnsafeMutableBufferPointer { b in
            for i in b.indices { b[i] = (answer[data + i / 8] >> UInt8(i % 8)) & 1 }
        }
    }

    /// Checks that a write's answer echoes the request's two words (address, then value or quantity).
    @inline(__always)
    private func checkEcho(address: UInt16, _ field: String, _ second: UInt16) throws(Failure) {
        let echoedAddress = word(at: Self.dataOffset)
        guard echoedAddress == address else { throw Self.refused(.echo(field: "address", echoedAddress, expected: address)) }
        let echoed = word(at: Self.dataOffset + 2)
        guard echoed == second else { throw Self.refused(.echo(field: field, echoed, expected: second)) }
    }

    private func writeSingleTCP(_ function: ModbusFunction, unit: UInt8, address: UInt16, value: UInt16) throws(Failure) {
        putHead(unit, function, address, value)
        _ = try transactTCP(unit: unit, function: function, length: 6)
        try checkEcho(address: address, "value", value)
    }

    private func writeBitsTCP(unit: UInt8, address: UInt16, _ bits: [UInt8]) throws(Failure) {
        let bytes = (bits.count + 7) / 8
        putHead(unit, .writeMultipleCoils, address, UInt16(bits.count))
        request[6] = UInt8(bytes)
        for i in 0 ..< bytes { request[7 + i] = 0 }
        for (i, bit) in bits.enumerated() where bit != 0 { request[7 + i / 8] |= 1 << UInt8(i % 8) }
        _ = try transactTCP(unit: unit, function: .writeMultipleCoils, length: 7 + bytes)
        try checkEcho(address: address, "quantity", UInt16(bits.count))
    }

    /// Puts `values` as big-endian words into the request buffer from `offset`.
    @inline(__always)
    private func putWords(_ values: [UInt16], at offset: Int) {
        for (i, v) in values.enumerated() { put(v, at: offset + 2 * i) }
    }

    private func writeRegistersTCP(unit: UInt8, address: UInt16, _ values: [UInt16]) throws(Failure) {
        putHead(unit, .writeMultipleRegisters, address, UInt16(values.count))
        request[6] = UInt8(2 * values.count)
        putWords(values, at: 7)
        _ = try transactTCP(unit: unit, function: .writeMultipleRegisters, length: 7 + 2 * values.count)
        try checkEcho(address: address, "quantity", UInt16(values.count))
    }

    private func writeAndReadRegistersTCP(unit: UInt8, writeAddress: UInt16, _ values: [UInt16], readAddress: UInt16,
                                          into read: inout [UInt16]) throws(Failure) {
        putHead(unit, .writeAndReadRegisters, readAddress, UInt16(read.count))
        put(writeAddress, at: 6)
        put(UInt16(values.count), at: 8)
        request[10] = UInt8(2 * values.count)
        putWords(values, at: 11)
        _ = try transactTCP(unit: unit, function: .writeAndReadRegisters, length: 11 + 2 * values.count)
        try checkByteCount(2 * read.count)
        takeRegisters(into: &read)
    }

    @inline(__always)
    private func check(_ rc: Int32, _ call: String, errno e: Int32 = errno) throws(Failure) {
        if rc == -1 { throw Failure(errno: e, call: call) }
    }

    /// What a failed call means, in `ModbusError.Kind`s, and libmodbus's or libc's words for the errno.
    static func classify(_ failure: Failure) -> (kind: ModbusError.Kind, text: String) {
        let e = failure.errno
        let text = String(cString: modbus_strerror(e))
        let exceptionBase = MODBUS_ENOBASE
        let badCRC = exceptionBase + Int32(MODBUS_EXCEPTION_MAX)
        let kind: ModbusError.Kind
        switch e {
        case exceptionBase + 1 ..< badCRC:
            kind = .exception(ModbusExceptionCode(rawValue: UInt8(e - exceptionBase)))
        case badCRC:
            kind = .badCRC
        case badCRC + 1, badCRC + 2, badCRC + 3, badCRC + 5:  // EMBBADDATA, EMBBADEXC, EMBUNKEXC, EMBBADSLAVE
            kind = .invalidFrame
        case badCRC + 4:  // EMBMDATA
            kind = .overLimit
        case ETIMEDOUT:
            kind = .timeout
        case ECONNRESET, EPIPE, ENOTCONN, EBADF, ESHUTDOWN:
            kind = .connectionLost
        case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL, ENOENT, ENODEV, ENXIO, EACCES, EBUSY:
            kind = .cannotConnect
        case EINVAL:
            kind = .invalidArgument
        default:
            kind = .system
        }
        return (kind, text)
    }
}

extension ModbusLink {
    var isRTU: Bool {
        if case .rtu = self { return true }
        return false
    }
}

extension Duration {
    /// Whole microseconds, truncated.
    fileprivate var microseconds: Int64 {
        let c = components
        return c.seconds * 1_000_000 + c.attoseconds / 1_000_000_000_000
    }

    fileprivate var secondsAndMicroseconds: (seconds: UInt32, microseconds: UInt32) {
        let us = max(0, microseconds)
        return (UInt32(clamping: us / 1_000_000), UInt32(us % 1_000_000))
    }
}

extension ModbusContext {
    /// The libmodbus the process runs with, e.g. `3.1.6`.
    static var libraryVersion: String { "\(libmodbus_version_major).\(libmodbus_version_minor).\(libmodbus_version_micro)" }
}
