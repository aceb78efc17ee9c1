import CModbus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The owner of one libmodbus context (`modbus_t`), freed exactly once in `deinit`.
///
/// The only file in FieldHAL that imports CModbus: thin calls that turn libmodbus's `-1` + errno
/// into a `Failure`, and `classify(_:)`, the one place that decodes libmodbus's errnos
/// (`MODBUS_ENOBASE` + exception code, `EMBBADCRC`, ...). Recovery policy lives in `ModbusClient`.
final class ModbusContext {
    /// A libmodbus call that returned -1, with the errno it left; or the RS-485 direction line
    /// that failed, with the GPIO error in `detail`.
    struct Failure: Error {
        var errno: Int32
        var call: String
        var detail: String? = nil
    }

    private let handle: OpaquePointer
    private let link: ModbusLink
    private let gpio: any GPIOBackend
    private var direction: ModbusDirectionLine?
    private(set) var isOpen = false

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
        modbus_set_error_recovery(handle, MODBUS_ERROR_RECOVERY_NONE)
    }

    deinit {
        close()
        modbus_free(handle)
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
    func readBits(_ function: ModbusFunction, address: UInt16, into bits: inout [UInt8]) throws(Failure) {
        let coils = function == .readCoils
        let (rc, e) = bits.withUnsafeMutableBufferPointer { b in
            let rc = coils ? modbus_read_bits(handle, Int32(address), Int32(b.count), b.baseAddress)
                           : modbus_read_input_bits(handle, Int32(address), Int32(b.count), b.baseAddress)
            return (rc, errno)
        }
        try check(rc, coils ? "modbus_read_bits" : "modbus_read_input_bits", errno: e)
    }

    @inline(__always)
    func readRegisters(_ function: ModbusFunction, address: UInt16, into values: inout [UInt16]) throws(Failure) {
        let holding = function == .readHoldingRegisters
        let (rc, e) = values.withUnsafeMutableBufferPointer { b in
            let rc = holding ? modbus_read_registers(handle, Int32(address), Int32(b.count), b.baseAddress)
                             : modbus_read_input_registers(handle, Int32(address), Int32(b.count), b.baseAddress)
            return (rc, errno)
        }
        try check(rc, holding ? "modbus_read_registers" : "modbus_read_input_registers", errno: e)
    }

    func writeBit(address: UInt16, value: Bool) throws(Failure) {
        try check(modbus_write_bit(handle, Int32(address), value ? 1 : 0), "modbus_write_bit")
    }

    func writeRegister(address: UInt16, value: UInt16) throws(Failure) {
        try check(modbus_write_register(handle, Int32(address), value), "modbus_write_register")
    }

    func writeBits(address: UInt16, _ bits: [UInt8]) throws(Failure) {
        let (rc, e) = bits.withUnsafeBufferPointer { b in
            (modbus_write_bits(handle, Int32(address), Int32(b.count), b.baseAddress), errno)
        }
        try check(rc, "modbus_write_bits", errno: e)
    }

    func writeRegisters(address: UInt16, _ values: [UInt16]) throws(Failure) {
        let (rc, e) = values.withUnsafeBufferPointer { b in
            (modbus_write_registers(handle, Int32(address), Int32(b.count), b.baseAddress), errno)
        }
        try check(rc, "modbus_write_registers", errno: e)
    }

    func writeAndReadRegisters(writeAddress: UInt16, _ values: [UInt16], readAddress: UInt16,
                               into read: inout [UInt16]) throws(Failure) {
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
