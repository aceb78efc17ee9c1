/// A Modbus request or connection that failed, with what a technician needs to act on it: the
/// bus, the unit, the function, the register range, and for system errors the errno and the
/// libmodbus call that failed.
///
/// `description` reads like
/// `rs485-1 unit 3 read holding registers 100+10: timeout (no answer within 500 ms)`.
package struct ModbusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in the terms of the fix.
    package enum Kind: Sendable, Hashable {
        /// No (complete) answer within the response or byte timeout: device off, wrong unit
        /// address, wrong baud rate or parity, broken A/B wiring.
        case timeout
        /// The answer failed its CRC check: noise, missing termination, wrong baud rate or
        /// parity, two devices answering at once.
        case badCRC
        /// The answer arrived but is not a valid reply to the request (wrong length, wrong unit,
        /// wrong function, a transaction id that does not match).
        case invalidFrame
        /// The device answered with a Modbus exception.
        case exception(ModbusExceptionCode)
        /// The serial device could not be opened, or the TCP connection was refused or
        /// could not be set up.
        case cannotConnect
        /// An open TCP connection (or serial device) went away; the next request reconnects.
        case connectionLost
        /// The request exceeds a protocol limit (125 registers read, 123 written, 2000 bits
        /// read, 1968 written); nothing was sent.
        case overLimit
        /// The request or a setting is not valid (unit out of range, a read from the broadcast
        /// address, an address range past 65535, an unsupported baud rate); nothing was sent.
        case invalidArgument
        /// Any other operating-system error; `errno` and `call` say which.
        case system
    }

    package var kind: Kind
    /// The bus the request went to, as the board or site file names it (`rs485-1`, `plc-tcp`).
    package var bus: String
    /// The unit (slave) address, when the error concerns one request.
    package var unit: UInt8?
    /// The function code, when the error concerns one request.
    package var function: ModbusFunction?
    /// The first register or bit address of the request (for 0x17: of the read).
    package var address: UInt16?
    /// How many registers or bits the request asked for (for 0x17: to read).
    package var count: Int?
    /// The operating system's or libmodbus's errno, 0 when there was none.
    package var errno: Int32
    /// The libmodbus (or libc) call that failed, e.g. `modbus_connect`; empty when the error was
    /// found before calling it.
    package var call: String
    /// Specifics in plain words: `no answer within 500 ms`, `126 registers asked, at most 125`.
    package var detail: String
    /// For `.invalidFrame` on Modbus TCP: which field of the answer was wrong (nil when libmodbus
    /// itself refused the frame, or on RTU).
    package var frame: ModbusFrameError?

    package init(_ kind: Kind, bus: String, unit: UInt8? = nil, function: ModbusFunction? = nil,
                address: UInt16? = nil, count: Int? = nil, errno: Int32 = 0, call: String = "", detail: String = "",
                frame: ModbusFrameError? = nil) {
        self.kind = kind
        self.bus = bus
        self.unit = unit
        self.function = function
        self.address = address
        self.count = count
        self.errno = errno
        self.call = call
        self.detail = detail
        self.frame = frame
    }

    /// The exception code, when the device answered with one.
    package var exceptionCode: ModbusExceptionCode? {
        if case .exception(let code) = kind { return code }
        return nil
    }

    package var description: String {
        var head = bus
        if let unit { head += " unit \(unit)" }
        if let function { head += " " + function.name }
        if let address {
            head += " \(address)"
            if let count { head += "+\(count)" }
        }
        var why = kind.summary
        if !detail.isEmpty { why += " (\(detail))" }
        return head + ": " + why
    }
}

extension ModbusError.Kind: CustomStringConvertible {
    /// A few words for logs and the console: `timeout`, `bad CRC`, `exception 0x02 illegal data address`.
    package var summary: String {
        switch self {
        case .timeout: "timeout"
        case .badCRC: "bad CRC"
        case .invalidFrame: "invalid frame"
        case .exception(let code): code.description
        case .cannotConnect: "cannot connect"
        case .connectionLost: "connection lost"
        case .overLimit: "over protocol limit"
        case .invalidArgument: "invalid request"
        case .system: "system error"
        }
    }

    package var description: String { summary }
}
