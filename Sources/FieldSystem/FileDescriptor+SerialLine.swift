#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FileDescriptor.TerminalAttributes {
    /// Parity of a serial line's characters.
    package enum Parity: Sendable, Equatable {
        case none, even, odd
    }

    /// The speeds a serial line can be set to (`B9600` and friends), in bits per second.
    static let speeds: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19_200: speed_t(B19200), 38_400: speed_t(B38400), 57_600: speed_t(B57600), 115_200: speed_t(B115200),
        230_400: speed_t(B230400), 460_800: speed_t(B460800), 921_600: speed_t(B921600),
    ]

    /// The rates `setBaudRate` takes.
    package static var baudRates: [Int] { speeds.keys.sorted() }

    /// The line's output speed in bits per second, or nil when it is not one of `baudRates`.
    package var baudRate: Int? {
        var t = raw
        let speed = cfgetospeed(&t)
        return Self.speeds.first(where: { $0.value == speed })?.key
    }

    /// Sets input and output speed (`cfsetispeed`, `cfsetospeed`).
    ///
    /// - Returns: false, changing nothing, when `baud` is not one of `baudRates`.
    @discardableResult
    package mutating func setBaudRate(_ baud: Int) -> Bool {
        guard let speed = Self.speeds[baud] else { return false }
        cfsetispeed(&raw, speed)
        cfsetospeed(&raw, speed)
        return true
    }

    /// Raw mode (`cfmakeraw`) for a serial line with this framing: no modem control lines
    /// (`CLOCAL`), the receiver on (`CREAD`), no hardware or software flow control, parity
    /// checked on input when there is parity.
    ///
    /// - Parameters:
    ///   - dataBits: 5…8 (anything else is 8).
    ///   - minimumBytes, readTimeoutTenths: `VMIN` and `VTIME` (tenths of a second), what a
    ///     blocking read waits for.
    package mutating func makeRawSerialLine(dataBits: Int, parity: Parity, twoStopBits: Bool, minimumBytes: UInt8, readTimeoutTenths: UInt8) {
        cfmakeraw(&raw)
        raw.c_cflag |= tcflag_t(CLOCAL | CREAD)
        raw.c_cflag &= ~(tcflag_t(CSIZE | PARENB | PARODD | CSTOPB) | tcflag_t(CRTSCTS))
        let size = switch dataBits {
        case 5: tcflag_t(CS5)
        case 6: tcflag_t(CS6)
        case 7: tcflag_t(CS7)
        default: tcflag_t(CS8)
        }
        raw.c_cflag |= size
        switch parity {
        case .none: raw.c_iflag &= ~tcflag_t(INPCK)
        case .even: raw.c_cflag |= tcflag_t(PARENB); raw.c_iflag |= tcflag_t(INPCK)
        case .odd: raw.c_cflag |= tcflag_t(PARENB | PARODD); raw.c_iflag |= tcflag_t(INPCK)
        }
        if twoStopBits { raw.c_cflag |= tcflag_t(CSTOPB) }
        raw.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = minimumBytes
            cc[Int(VTIME)] = readTimeoutTenths
        }
    }

    /// Bits per character (`CSIZE`): 5…8.
    package var dataBits: Int {
        switch raw.c_cflag & tcflag_t(CSIZE) {
        case tcflag_t(CS5): 5
        case tcflag_t(CS6): 6
        case tcflag_t(CS7): 7
        default: 8
        }
    }

    package var parity: Parity {
        raw.c_cflag & tcflag_t(PARENB) == 0 ? .none : (raw.c_cflag & tcflag_t(PARODD) == 0 ? .even : .odd)
    }

    /// `CSTOPB`.
    package var twoStopBits: Bool { raw.c_cflag & tcflag_t(CSTOPB) != 0 }

    /// `VMIN`: the bytes a blocking read waits for.
    package var minimumBytes: UInt8 { withUnsafeBytes(of: raw.c_cc) { $0[Int(VMIN)] } }

    /// `VTIME`: how long a read waits between bytes, in tenths of a second.
    package var readTimeoutTenths: UInt8 { withUnsafeBytes(of: raw.c_cc) { $0[Int(VTIME)] } }
}

extension FileDescriptor {
    /// A terminal's buffered data, for `discard(_:subject:)`.
    package enum TerminalQueue: Sendable {
        /// Received, not yet read (`TCIFLUSH`).
        case input
        /// Written, not yet sent (`TCOFLUSH`).
        case output
        case both

        var selector: CInt {
            switch self {
            case .input: TCIFLUSH
            case .output: TCOFLUSH
            case .both: TCIOFLUSH
            }
        }
    }

    /// Throws a terminal's buffered data away (`tcflush(3)`).
    package func discard(_ queue: TerminalQueue, subject: String? = nil) throws(SystemError) {
        _ = try systemCall("tcflush", subject: subject) { tcflush(rawValue, queue.selector) }
    }

    /// Waits until everything written to the terminal has been sent (`tcdrain(3)`).
    package func drainOutput(subject: String? = nil) throws(SystemError) {
        _ = try systemCall("tcdrain", subject: subject) { tcdrain(rawValue) }
    }

    /// Makes the terminal exclusive (`ioctl(TIOCEXCL)`): a second `open` fails with `EBUSY`
    /// (unless by root), so no other program can open the port and steal bytes.
    package func setExclusive(subject: String? = nil) throws(SystemError) {
        _ = try systemCall("ioctl(TIOCEXCL)", subject: subject) { ioctl(rawValue, UInt(TIOCEXCL)) }
    }

    /// The terminal's device path (`ttyname_r(3)`), e.g. `/dev/pts/3`.
    package func terminalName() throws(SystemError) -> String {
        var name = [CChar](repeating: 0, count: 128)
        let rc = name.withUnsafeMutableBufferPointer { ttyname_r(rawValue, $0.baseAddress!, $0.count) }
        guard rc == 0 else { throw SystemError(code: rc, function: "ttyname_r") }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A new pseudo-terminal pair (`openpty(3)`), both ends close-on-exec.
    package static func openPseudoTerminal() throws(SystemError) -> (master: FileDescriptor, slave: FileDescriptor) {
        var masterFD: CInt = -1
        var slaveFD: CInt = -1
        _ = try systemCall("openpty") { openpty(&masterFD, &slaveFD, nil, nil, nil) }
        let ends = (master: FileDescriptor(rawValue: masterFD), slave: FileDescriptor(rawValue: slaveFD))
        do {
            try ends.master.setCloseOnExec()
            try ends.slave.setCloseOnExec()
        } catch {
            try? ends.master.close()
            try? ends.slave.close()
            throw error
        }
        return ends
    }

    /// A device request with an `int` argument (`ioctl(2)`), which the driver may change (the
    /// watchdog's `WDIOC_*`).
    ///
    /// - Parameters:
    ///   - request: the request number (`_IOR`/`_IOWR` encoded: Swift cannot import those macros).
    ///   - name: for the error, e.g. `ioctl(WDIOC_KEEPALIVE)`.
    package func control(_ request: UInt, _ value: inout CInt, name: String, subject: String? = nil) throws(SystemError) {
        _ = try systemCall(name, subject: subject) { ioctl(rawValue, request, &value) }
    }
}
