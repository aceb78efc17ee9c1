/// Splits what a master sends on an RTU line into request frames, as a slave's receiver does.
///
/// On a wire a frame ends with 3.5 characters of silence. A pseudo-terminal delivers bytes in
/// whatever chunks the kernel chooses, so the decoder finds a request's end from its function
/// code's length (as libmodbus does) and falls back on silence (`silence()`, called by the bus
/// after t3.5 without a byte) for function codes whose length it cannot know. A frame with a bad
/// CRC, or bytes that cannot start a frame, are noise: everything is discarded up to the next
/// silence, as a real device does, and it answers nothing.
struct RTURequestDecoder {
    /// One request: the unit address and the PDU (function code and data), CRC checked.
    struct Frame: Equatable {
        var unit: UInt8
        var pdu: [UInt8]
        /// Characters the frame took on the wire, address and CRC included.
        var length: Int
    }

    enum Event: Equatable {
        case frame(Frame)
        /// Bytes that make no frame (bad CRC, impossible length, a fragment): ignored.
        case noise(bytes: Int)
    }

    /// RTU ADU limit: address + 253-byte PDU + CRC.
    static let maxFrame = 256

    private var buffer: [UInt8] = []
    private var discarding = false

    /// No bytes of a frame are waiting.
    var isEmpty: Bool { buffer.isEmpty }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame or noise, or nil when more bytes or a silence are needed.
    mutating func next() -> Event? {
        guard !discarding, buffer.count >= 2 else { return nil }
        guard case .known(let length) = Self.requestLength(buffer) else { return nil }
        guard length <= Self.maxFrame else { return discard() }
        guard buffer.count >= length else { return nil }
        let frame = buffer[0..<length]
        guard ModbusCRC.isValid(frame) else { return discard() }
        buffer.removeFirst(length)
        return .frame(Frame(unit: frame[0], pdu: Array(frame[1..<(length - 2)]), length: length))
    }

    /// The line has been silent for t3.5: whatever is buffered ends here. A request of a
    /// function the decoder cannot size becomes a frame if its CRC holds; anything else is noise.
    mutating func silence() -> Event? {
        defer {
            buffer.removeAll(keepingCapacity: true)
            discarding = false
        }
        guard !buffer.isEmpty, !discarding else { return nil }
        if buffer.count >= 4, buffer.count <= Self.maxFrame, ModbusCRC.isValid(buffer[...]) {
            return .frame(Frame(unit: buffer[0], pdu: Array(buffer[1..<(buffer.count - 2)]), length: buffer.count))
        }
        return .noise(bytes: buffer.count)
    }

    private mutating func discard() -> Event {
        discarding = true
        return .noise(bytes: buffer.count)
    }

    enum Length: Equatable {
        case known(Int)
        case needMore
        case unknown
    }

    /// A request's length in bytes (address to CRC) from its first bytes, by function code
    /// (Modbus Application Protocol v1.1b, section 6).
    static func requestLength(_ b: [UInt8]) -> Length {
        func counted(_ fixed: Int, countAt index: Int) -> Length {
            b.count > index ? .known(fixed + Int(b[index])) : .needMore
        }
        switch b[1] {
        case 0x01...0x06, 0x08: return .known(8)
        case 0x07, 0x0B, 0x0C, 0x11: return .known(4)
        case 0x0F, 0x10: return counted(9, countAt: 6)
        case 0x14, 0x15: return counted(5, countAt: 2)
        case 0x16: return .known(10)
        case 0x17: return counted(13, countAt: 10)
        case 0x18: return .known(6)
        case 0x2B:
            guard b.count > 2 else { return .needMore }
            return b[2] == 0x0E ? .known(7) : .unknown
        default: return .unknown
        }
    }
}
