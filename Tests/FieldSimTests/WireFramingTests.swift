import Testing

@testable import FieldSim

/// Request framing, verified swift-nio style: one byte at a time, then many frames per buffer.
@Suite("Request framing")
struct WireFramingTests {
    /// A request of every length rule: fixed, counted at byte 6 (0x0F, 0x10), at byte 10 (0x17),
    /// at byte 2 (0x14), MEI (0x2B/0x0E) and the 4-byte ones (0x07, 0x11).
    static let requests: [[UInt8]] = [
        [0x01, 0x01, 0x00, 0x13, 0x00, 0x25],
        [0x02, 0x02, 0x00, 0xC4, 0x00, 0x16],
        [0x03, 0x03, 0x00, 0x6B, 0x00, 0x03],
        [0x04, 0x04, 0x00, 0x08, 0x00, 0x01],
        [0x05, 0x05, 0x00, 0xAC, 0xFF, 0x00],
        [0x06, 0x06, 0x00, 0x01, 0x00, 0x03],
        [0x07, 0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01],
        [0x08, 0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02],
        [0x09, 0x17, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0E, 0x00, 0x03, 0x06, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF],
        [0x0A, 0x14, 0x07, 0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02],
        [0x0B, 0x2B, 0x0E, 0x01, 0x00],
        [0x0C, 0x07],
        [0x0D, 0x11],
        [0x0E, 0x08, 0x00, 0x00, 0xA5, 0x37],
    ].map(crcFramed)

    static func frame(_ adu: [UInt8]) -> RTURequestDecoder.Event {
        .frame(.init(unit: adu[0], pdu: Array(adu[1..<(adu.count - 2)]), length: adu.count))
    }

    @Test("CRC-16/MODBUS check value and a request as the serial line guide prints it")
    func crc() {
        #expect(ModbusCRC.checksum(Array("123456789".utf8)) == 0x4B37)
        #expect(crcFramed([0x01, 0x03, 0x00, 0x00, 0x00, 0x0A]).suffix(2) == [0xC5, 0xCD])
    }

    @Test("RTU: each request comes out when its last byte arrives, byte by byte")
    func rtuByteAtATime() {
        var decoder = RTURequestDecoder()
        for request in Self.requests {
            for (i, byte) in request.enumerated() {
                decoder.append([byte])
                let event = decoder.next()
                if i == request.count - 1 {
                    #expect(event == Self.frame(request))
                } else {
                    #expect(event == nil, "frame \(request[0]) byte \(i)")
                }
            }
            #expect(decoder.isEmpty)
        }
    }

    @Test("RTU: many requests in one buffer come out in order")
    func rtuManyPerBuffer() {
        var decoder = RTURequestDecoder()
        decoder.append(Self.requests.joined())
        var events: [RTURequestDecoder.Event] = []
        while let e = decoder.next() { events.append(e) }
        #expect(events == Self.requests.map(Self.frame))
        #expect(decoder.silence() == nil)
    }

    @Test("RTU: an unknown function ends at the silence; bad CRC and impossible lengths are noise up to it")
    func rtuSilenceAndNoise() {
        var decoder = RTURequestDecoder()
        let unknown = crcFramed([0x05, 0x41, 0x01, 0x02, 0x03])
        decoder.append(unknown)
        #expect(decoder.next() == nil)
        #expect(decoder.silence() == Self.frame(unknown))

        var bad = Self.requests[2]
        bad[3] ^= 0x10
        decoder.append(bad + Self.requests[3])
        #expect(decoder.next() == .noise(bytes: bad.count + Self.requests[3].count))
        #expect(decoder.next() == nil, "the rest up to the silence is discarded")
        #expect(decoder.silence() == nil)
        decoder.append(Self.requests[3])
        #expect(decoder.next() == Self.frame(Self.requests[3]))

        decoder.append([0x01, 0x10, 0x00, 0x00, 0x00, 0x7D, 0xFA])
        #expect(decoder.next() == .noise(bytes: 7), "259 bytes exceed the 256-byte RTU frame")
        #expect(decoder.silence() == nil)
        decoder.append([0x01, 0x03, 0x00])
        #expect(decoder.silence() == .noise(bytes: 3), "a fragment cut by silence")
        #expect(decoder.isEmpty)
    }

    static let tcpRequests: [[UInt8]] = [
        [0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03],
        [0xAB, 0xCD, 0x00, 0x00, 0x00, 0x02, 0x00, 0x41],
        [0x00, 0x03, 0x00, 0x00, 0x00, 0x0B, 0xFF, 0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02],
    ]

    static func tcpFrame(_ adu: [UInt8], at offset: Int) -> MBAPFrameDecoder.Frame {
        .init(transaction: UInt16(adu[0]) << 8 | UInt16(adu[1]), unit: adu[6], pdu: (offset + 7)..<(offset + adu.count))
    }

    @Test("MBAP: byte by byte, and many requests per segment, with their PDUs in place")
    func mbap() throws {
        var decoder = MBAPFrameDecoder()
        for request in Self.tcpRequests {
            for (i, byte) in request.enumerated() {
                [byte].withUnsafeBytes { decoder.append($0) }
                let frame = try decoder.next()
                if i == request.count - 1 {
                    let f = try #require(frame)
                    #expect(f.transaction == UInt16(request[0]) << 8 | UInt16(request[1]))
                    #expect(f.unit == request[6])
                    #expect(Array(decoder.bytes[f.pdu]) == Array(request[7...]))
                } else {
                    #expect(frame == nil)
                }
            }
        }
        var many = MBAPFrameDecoder()
        let all = Array(Self.tcpRequests.joined())
        all.withUnsafeBytes { many.append($0) }
        var offset = 0
        for request in Self.tcpRequests {
            #expect(try many.next() == Self.tcpFrame(request, at: offset))
            offset += request.count
        }
        #expect(try many.next() == nil)
        #expect(many.pending == 0)
    }

    @Test("MBAP: a stream that is not Modbus TCP is refused")
    func mbapRefused() {
        var decoder = MBAPFrameDecoder()
        ([0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x01] as [UInt8]).withUnsafeBytes { decoder.append($0) }
        #expect(throws: MBAPFrameDecoder.Failure.protocolID(1)) { try decoder.next() }
        var long = MBAPFrameDecoder()
        ([0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01] as [UInt8]).withUnsafeBytes { long.append($0) }
        #expect(throws: MBAPFrameDecoder.Failure.length(256)) { try long.next() }
    }
}
