/// Splits a Modbus TCP byte stream into requests by their MBAP header (Modbus Messaging on TCP/IP
/// Implementation Guide v1.0b, 3.1.3): transaction id, protocol id 0, length of what follows
/// (unit id + PDU, 2–254), unit id.
struct MBAPFrameDecoder {
    /// One request; its PDU is `bytes[pdu]` until the next `append`.
    struct Frame: Equatable {
        var transaction: UInt16
        var unit: UInt8
        var pdu: Range<Int>
    }

    /// The stream is not Modbus TCP; the connection is closed.
    enum Failure: Error, Equatable {
        case protocolID(UInt16)
        case length(Int)
    }

    static let headerLength = 7

    private(set) var bytes: [UInt8] = []
    private var head = 0

    /// Bytes received but not yet part of a returned frame.
    var pending: Int { bytes.count - head }

    init() {
        bytes.reserveCapacity(1024)
    }

    /// Adds received bytes; frames returned earlier are invalid from here on.
    mutating func append(_ new: UnsafeRawBufferPointer) {
        compact()
        bytes.append(contentsOf: new)
    }

    /// The next complete request, or nil when more bytes are needed.
    ///
    /// - Throws: `Failure` for a header that is not Modbus TCP.
    mutating func next() throws(Failure) -> Frame? {
        guard pending >= Self.headerLength else { return nil }
        let protocolID = UInt16(bytes[head + 2]) << 8 | UInt16(bytes[head + 3])
        guard protocolID == 0 else { throw .protocolID(protocolID) }
        let length = Int(bytes[head + 4]) << 8 | Int(bytes[head + 5])
        guard (2...254).contains(length) else { throw .length(length) }
        guard pending >= 6 + length else { return nil }
        let frame = Frame(transaction: UInt16(bytes[head]) << 8 | UInt16(bytes[head + 1]), unit: bytes[head + 6],
                          pdu: (head + Self.headerLength)..<(head + 6 + length))
        head += 6 + length
        return frame
    }

    private mutating func compact() {
        if head == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 {
            bytes.removeFirst(head)
            head = 0
        }
    }
}
