import FieldSystem

extension SerialSettings {
    /// These settings written into a terminal's attributes, starting from raw mode (`cfmakeraw`).
    func configure(_ t: inout FileDescriptor.TerminalAttributes) {
        let parity: FileDescriptor.TerminalAttributes.Parity = switch self.parity {
        case .none: .none
        case .even: .even
        case .odd: .odd
        }
        let tenths = UInt8(clamping: (interByteTimeout.milliseconds + 99) / 100)
        t.makeRawSerialLine(dataBits: dataBits, parity: parity, twoStopBits: stopBits == 2,
                            minimumBytes: UInt8(clamping: minimumBytes), readTimeoutTenths: tenths)
        if !t.setBaudRate(baud) { t.setBaudRate(115_200) }
    }

    /// The settings a terminal's attributes describe, or `nil` when its rate is not a supported one.
    init?(_ t: FileDescriptor.TerminalAttributes) {
        guard let baud = t.baudRate else { return nil }
        let parity: SerialParity = switch t.parity {
        case .none: .none
        case .even: .even
        case .odd: .odd
        }
        try? self.init(
            baud: baud, dataBits: t.dataBits, parity: parity, stopBits: t.twoStopBits ? 2 : 1,
            minimumBytes: Int(t.minimumBytes), interByteTimeout: .milliseconds(Int(t.readTimeoutTenths) * 100))
    }
}

extension FileDescriptor {
    /// Puts a terminal (serial port or pty) into raw mode with `settings` (`tcsetattr(TCSANOW)`).
    ///
    /// - Throws: `SystemError` from `tcgetattr`/`tcsetattr`; `ENOTTY` when this is not a terminal.
    package func applySerialSettings(_ settings: SerialSettings) throws(SystemError) {
        var t = try terminalAttributes()
        settings.configure(&t)
        try setTerminalAttributes(t, when: .now)
    }

    /// A terminal's current settings (`tcgetattr`), or `nil` when its rate is not a supported one.
    package func serialSettings() throws(SystemError) -> SerialSettings? {
        SerialSettings(try terminalAttributes())
    }
}
