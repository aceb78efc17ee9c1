#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SerialSettings {
    /// `B9600` and friends by rate.
    static let speeds: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19_200: speed_t(B19200), 38_400: speed_t(B38400), 57_600: speed_t(B57600), 115_200: speed_t(B115200),
        230_400: speed_t(B230400), 460_800: speed_t(B460800), 921_600: speed_t(B921600),
    ]

    /// These settings written into a terminal's attributes, starting from raw mode (`cfmakeraw`).
    func configure(_ t: inout termios) {
        cfmakeraw(&t)
        // CLOCAL: no modem control lines to wait for; CREAD: the receiver on.
        t.c_cflag |= tcflag_t(CLOCAL | CREAD)
        t.c_cflag &= ~(tcflag_t(CSIZE | PARENB | PARODD | CSTOPB) | tcflag_t(CRTSCTS))
        let size = switch dataBits {
        case 5: tcflag_t(CS5)
        case 6: tcflag_t(CS6)
        case 7: tcflag_t(CS7)
        default: tcflag_t(CS8)
        }
        t.c_cflag |= size
        switch parity {
        case .none: t.c_iflag &= ~tcflag_t(INPCK)
        case .even: t.c_cflag |= tcflag_t(PARENB); t.c_iflag |= tcflag_t(INPCK)
        case .odd: t.c_cflag |= tcflag_t(PARENB | PARODD); t.c_iflag |= tcflag_t(INPCK)
        }
        if stopBits == 2 { t.c_cflag |= tcflag_t(CSTOPB) }
        t.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        let tenths = UInt8(clamping: (interByteTimeout.milliseconds + 99) / 100)
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = UInt8(minimumBytes)
            cc[Int(VTIME)] = tenths
        }
        let speed = Self.speeds[baud] ?? speed_t(B115200)
        cfsetispeed(&t, speed)
        cfsetospeed(&t, speed)
    }

    /// The settings a terminal's attributes describe, or `nil` when its rate is not a supported one.
    init?(_ t: termios) {
        var attributes = t
        let speed = cfgetospeed(&attributes)
        guard let baud = Self.speeds.first(where: { $0.value == speed })?.key else { return nil }
        let dataBits = switch t.c_cflag & tcflag_t(CSIZE) {
        case tcflag_t(CS5): 5
        case tcflag_t(CS6): 6
        case tcflag_t(CS7): 7
        default: 8
        }
        let parity: SerialParity = t.c_cflag & tcflag_t(PARENB) == 0 ? .none : (t.c_cflag & tcflag_t(PARODD) == 0 ? .even : .odd)
        let (vmin, vtime) = withUnsafeBytes(of: t.c_cc) { ($0[Int(VMIN)], $0[Int(VTIME)]) }
        try? self.init(
            baud: baud, dataBits: dataBits, parity: parity, stopBits: t.c_cflag & tcflag_t(CSTOPB) == 0 ? 1 : 2,
            minimumBytes: Int(vmin), interByteTimeout: .milliseconds(Int(vtime) * 100))
    }
}

extension FileDescriptor {
    /// Puts a terminal (serial port or pty) into raw mode with `settings` (`tcsetattr(TCSANOW)`).
    ///
    /// - Throws: `SystemError` from `tcgetattr`/`tcsetattr`; `ENOTTY` when this is not a terminal.
    public func applySerialSettings(_ settings: SerialSettings) throws(SystemError) {
        var t = termios()
        _ = try systemCall("tcgetattr") { tcgetattr(rawValue, &t) }
        settings.configure(&t)
        _ = try systemCall("tcsetattr") { tcsetattr(rawValue, TCSANOW, &t) }
    }

    /// A terminal's current settings (`tcgetattr`), or `nil` when its rate is not a supported one.
    public func serialSettings() throws(SystemError) -> SerialSettings? {
        var t = termios()
        _ = try systemCall("tcgetattr") { tcgetattr(rawValue, &t) }
        return SerialSettings(t)
    }
}
