/// Parity of a serial line.
package enum SerialParity: String, Hashable, Sendable, CaseIterable {
    case none, even, odd

    /// The letter in `8N1` framing notation (`N`, `E`, `O`), as libmodbus takes it too.
    package var letter: Character {
        switch self {
        case .none: "N"
        case .even: "E"
        case .odd: "O"
        }
    }
}

/// A serial port's line settings: baud, framing and how `read` waits. Always raw mode (no echo,
/// no line editing, no translation of CR/LF, no signals from ^C, no flow control): Modbus frames
/// and a console's keystrokes both need every byte as sent.
///
/// Built only through the validating initializers, so a value is always applicable.
package struct SerialSettings: Hashable, Sendable, CustomStringConvertible {
    /// Bits per second.
    package let baud: Int
    /// Data bits per character, 5–8.
    package let dataBits: Int
    package let parity: SerialParity
    /// Stop bits, 1 or 2.
    package let stopBits: Int
    /// `VMIN`: a blocking read returns once this many bytes are there (0–255).
    package let minimumBytes: Int
    /// `VTIME`: a read returns when the line has been quiet this long after a byte (0–25.5 s,
    /// in steps of 0.1 s); `.zero` waits for `minimumBytes` alone.
    package let interByteTimeout: Duration

    /// The rates termios can set, in bits per second.
    package static let supportedBauds = [1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400, 460_800, 921_600]

    /// 115200 8N1, reads return as soon as one byte is there: a technician's console, a pty.
    package static let console = SerialSettings(checked: 115_200, 8, .none, 1, 1, .zero)

    /// - Throws: `SerialSettingsError` for a rate termios cannot set or an impossible framing.
    package init(
        baud: Int = 115_200, dataBits: Int = 8, parity: SerialParity = .none, stopBits: Int = 1,
        minimumBytes: Int = 1, interByteTimeout: Duration = .zero
    ) throws(SerialSettingsError) {
        guard Self.supportedBauds.contains(baud) else {
            throw SerialSettingsError("baud \(baud) is not one of \(Self.supportedBauds.map(String.init).joined(separator: ", "))")
        }
        guard (5...8).contains(dataBits) else { throw SerialSettingsError("\(dataBits) data bits: expected 5 to 8") }
        guard stopBits == 1 || stopBits == 2 else { throw SerialSettingsError("\(stopBits) stop bits: expected 1 or 2") }
        guard (0...255).contains(minimumBytes) else { throw SerialSettingsError("VMIN \(minimumBytes): expected 0 to 255") }
        guard interByteTimeout >= .zero, interByteTimeout <= .milliseconds(25_500) else {
            throw SerialSettingsError("inter-byte timeout \(interByteTimeout): expected 0 to 25.5 s")
        }
        self.init(checked: baud, dataBits, parity, stopBits, minimumBytes, interByteTimeout)
    }

    /// Parses `"9600 8E1"` (baud, data bits, parity letter, stop bits), the way board files and
    /// technicians write it.
    package init(parsing text: String) throws(SerialSettingsError) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, let baud = Int(words[0]), words[1].count == 3 else {
            throw SerialSettingsError("\"\(text)\": expected baud and framing, like \"9600 8N1\"")
        }
        let framing = Array(words[1].uppercased())
        let parity = SerialParity.allCases.first { $0.letter == framing[1] }
        guard let dataBits = framing[0].wholeNumberValue, let parity, let stopBits = framing[2].wholeNumberValue else {
            throw SerialSettingsError("\"\(words[1])\": expected framing like 8N1, 8E1 or 7O2")
        }
        try self.init(baud: baud, dataBits: dataBits, parity: parity, stopBits: stopBits)
    }

    private init(checked baud: Int, _ dataBits: Int, _ parity: SerialParity, _ stopBits: Int, _ minimumBytes: Int, _ interByteTimeout: Duration) {
        self.baud = baud
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
        self.minimumBytes = minimumBytes
        self.interByteTimeout = interByteTimeout
    }

    /// The same line with other read timing.
    package func reading(minimumBytes: Int, interByteTimeout: Duration) throws(SerialSettingsError) -> SerialSettings {
        try SerialSettings(baud: baud, dataBits: dataBits, parity: parity, stopBits: stopBits, minimumBytes: minimumBytes, interByteTimeout: interByteTimeout)
    }

    /// `115200 8N1`.
    package var description: String { "\(baud) \(dataBits)\(parity.letter)\(stopBits)" }

    /// Bits on the wire per character: start bit, data bits, parity bit, stop bits (11 for 8E1,
    /// 10 for 8N1).
    package var bitsPerCharacter: Int { 1 + dataBits + (parity == .none ? 0 : 1) + stopBits }

    /// How long one character takes on the wire (1.146 ms at 9600 8E1).
    package var characterTime: Duration { .nanoseconds(Int64(bitsPerCharacter) * 1_000_000_000 / Int64(baud)) }
}

/// Serial settings that cannot be applied, and why.
package struct SerialSettingsError: Error, Hashable, Sendable, CustomStringConvertible {
    package var message: String

    package init(_ message: String) { self.message = message }

    package var description: String { "serial settings: \(message)" }
}
