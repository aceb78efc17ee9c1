import FieldCore
import FieldDevices
import FieldHAL

extension RegisterBank {
    /// Answers one request PDU (function code and data, without address, MBAP header or CRC) the
    /// way a real device does, following the Modbus Application Protocol v1.1b's order of checks:
    ///
    /// - a function other than 0x01 0x02 0x03 0x04 0x05 0x06 0x0F 0x10 0x17 → exception 0x01
    ///   (illegal function);
    /// - a count outside the protocol's limits, a byte count that does not match it, a coil value
    ///   other than 0x0000/0xFF00, or a malformed PDU → 0x03 (illegal data value);
    /// - a range leaving the device's map, touching a gap the device refuses (`RegisterGaps`), or a
    ///   write to an address no writable point covers → 0x02 (illegal data address);
    /// - a write that leaves a writable point outside its `range` → 0x03, and nothing is written.
    ///
    /// Writes are applied as a whole and reported to the `onGatewayWrite` observer.
    ///
    /// - Parameter broadcast: the request came to unit 0; writes are applied and reported as such.
    /// - Returns: the response PDU (data, or function | 0x80 and the exception code).
    package func respond(toPDU pdu: [UInt8], broadcast: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        pdu.withUnsafeBufferPointer { serve($0, broadcast: broadcast, into: &out) }
        return out
    }

    /// `respond(toPDU:)` for the servers: reads the PDU in place and appends the response to `out`.
    func serve(_ pdu: UnsafeBufferPointer<UInt8>, broadcast: Bool, into out: inout [UInt8]) {
        guard let function = pdu.first else { return }
        switch function {
        case 0x01, 0x02:
            readBits(pdu, table: function == 0x01 ? .coil : .discrete, into: &out)
        case 0x03, 0x04:
            readRegisters(pdu, table: function == 0x03 ? .holding : .input, into: &out)
        case 0x05:
            writeCoil(pdu, broadcast: broadcast, into: &out)
        case 0x06:
            writeRegister(pdu, broadcast: broadcast, into: &out)
        case 0x0F:
            writeCoils(pdu, broadcast: broadcast, into: &out)
        case 0x10:
            writeRegisters(pdu, broadcast: broadcast, into: &out)
        case 0x17:
            writeAndRead(pdu, broadcast: broadcast, into: &out)
        default:
            out.appendException(function, .illegalFunction)
        }
    }

    private func readBits(_ pdu: UnsafeBufferPointer<UInt8>, table: RegisterTable, into out: inout [UInt8]) {
        let function = pdu[0]
        guard pdu.count == 5 else { return out.appendException(function, .illegalDataValue) }
        let (address, count) = (pdu.word(at: 1), pdu.word(at: 3))
        guard (1...ModbusLimits.readBits).contains(count) else { return out.appendException(function, .illegalDataValue) }
        let t = map.table(table)
        guard t.canRead(address, count) else { return out.appendException(function, .illegalDataAddress) }
        let offset = address - t.start
        out.append(function)
        out.append(UInt8((count + 7) / 8))
        withStorage { s in
            let flags = table == .coil ? s.coils : s.discrete
            var byte: UInt8 = 0
            for i in 0..<count {
                if flags[offset + i] { byte |= 1 << UInt8(i % 8) }
                if i % 8 == 7 || i == count - 1 {
                    out.append(byte)
                    byte = 0
                }
            }
        }
    }

    private func readRegisters(_ pdu: UnsafeBufferPointer<UInt8>, table: RegisterTable, into out: inout [UInt8]) {
        let function = pdu[0]
        guard pdu.count == 5 else { return out.appendException(function, .illegalDataValue) }
        let (address, count) = (pdu.word(at: 1), pdu.word(at: 3))
        guard (1...ModbusLimits.readRegisters).contains(count) else { return out.appendException(function, .illegalDataValue) }
        let t = map.table(table)
        guard t.canRead(address, count) else { return out.appendException(function, .illegalDataAddress) }
        out.append(function)
        out.append(UInt8(count * 2))
        withStorage { s in
            if table == .holding {
                out.appendWords(s.holding, from: address - t.start, count: count)
            } else {
                out.appendWords(s.input, from: address - t.start, count: count)
            }
        }
    }

    private func writeCoil(_ pdu: UnsafeBufferPointer<UInt8>, broadcast: Bool, into out: inout [UInt8]) {
        guard pdu.count == 5 else { return out.appendException(0x05, .illegalDataValue) }
        let (address, value) = (pdu.word(at: 1), pdu.word(at: 3))
        guard value == 0xFF00 || value == 0x0000 else { return out.appendException(0x05, .illegalDataValue) }
        let result = applyCoils(address: address, [value == 0xFF00])
        finish(result, .writeSingleCoil, broadcast: broadcast, into: &out) { $0.append(contentsOf: pdu) }
    }

    private func writeRegister(_ pdu: UnsafeBufferPointer<UInt8>, broadcast: Bool, into out: inout [UInt8]) {
        guard pdu.count == 5 else { return out.appendException(0x06, .illegalDataValue) }
        let result = applyRegisters(address: pdu.word(at: 1), [UInt16(pdu.word(at: 3))])
        finish(result, .writeSingleRegister, broadcast: broadcast, into: &out) { $0.append(contentsOf: pdu) }
    }

    private func writeCoils(_ pdu: UnsafeBufferPointer<UInt8>, broadcast: Bool, into out: inout [UInt8]) {
        guard pdu.count >= 6 else { return out.appendException(0x0F, .illegalDataValue) }
        let (address, count, bytes) = (pdu.word(at: 1), pdu.word(at: 3), Int(pdu[5]))
        guard (1...ModbusLimits.writeBits).contains(count), bytes == (count + 7) / 8, pdu.count == 6 + bytes else {
            return out.appendException(0x0F, .illegalDataValue)
        }
        let values = (0..<count).map { pdu[6 + $0 / 8] & (1 << UInt8($0 % 8)) != 0 }
        let result = applyCoils(address: address, values)
        finish(result, .writeMultipleCoils, broadcast: broadcast, into: &out) { $0.append(contentsOf: pdu[0..<5]) }
    }

    private func writeRegisters(_ pdu: UnsafeBufferPointer<UInt8>, broadcast: Bool, into out: inout [UInt8]) {
        guard pdu.count >= 6 else { return out.appendException(0x10, .illegalDataValue) }
        let (address, count, bytes) = (pdu.word(at: 1), pdu.word(at: 3), Int(pdu[5]))
        guard (1...ModbusLimits.writeRegisters).contains(count), bytes == count * 2, pdu.count == 6 + bytes else {
            return out.appendException(0x10, .illegalDataValue)
        }
        let values = (0..<count).map { UInt16(pdu.word(at: 6 + 2 * $0)) }
        let result = applyRegisters(address: address, values)
        finish(result, .writeMultipleRegisters, broadcast: broadcast, into: &out) { $0.append(contentsOf: pdu[0..<5]) }
    }

    /// 0x17: the write is carried out before the read (Modbus Application Protocol 6.17); both
    /// ranges are checked before either.
    private func writeAndRead(_ pdu: UnsafeBufferPointer<UInt8>, broadcast: Bool, into out: inout [UInt8]) {
        guard pdu.count >= 10 else { return out.appendException(0x17, .illegalDataValue) }
        let (readAddress, readCount) = (pdu.word(at: 1), pdu.word(at: 3))
        let (writeAddress, writeCount, bytes) = (pdu.word(at: 5), pdu.word(at: 7), Int(pdu[9]))
        guard (1...ModbusLimits.readRegisters).contains(readCount),
              (1...ModbusLimits.writeAndReadWriteRegisters).contains(writeCount),
              bytes == writeCount * 2, pdu.count == 10 + bytes
        else { return out.appendException(0x17, .illegalDataValue) }
        guard map.holding.canRead(readAddress, readCount) else { return out.appendException(0x17, .illegalDataAddress) }
        let values = (0..<writeCount).map { UInt16(pdu.word(at: 10 + 2 * $0)) }
        let result = applyRegisters(address: writeAddress, values)
        finish(result, .writeAndReadRegisters, broadcast: broadcast, into: &out) { out in
            out.append(0x17)
            out.append(UInt8(readCount * 2))
            withStorage { s in out.appendWords(s.holding, from: readAddress - map.holding.start, count: readCount) }
        }
    }

    /// Reports a stored write and builds the answer, or answers with the exception.
    private func finish(_ result: WriteOutcome, _ function: ModbusFunction, broadcast: Bool,
                        into out: inout [UInt8], answer: (inout [UInt8]) -> Void) {
        switch result {
        case .stored(var write):
            write.function = function
            write.broadcast = broadcast
            report(write)
            answer(&out)
        case .refused(let code):
            out.appendException(function.rawValue, code)
        }
    }

    private func applyRegisters(address: Int, _ values: [UInt16]) -> WriteOutcome {
        let t = map.holding
        guard t.canWrite(address, values.count) else { return .refused(.illegalDataAddress) }
        return withStorage { s in
            var next = s.holding
            for (i, v) in values.enumerated() {
                let o = address - t.start + i
                next[o] = (next[o] & ~t.writeMask[o]) | (v & t.writeMask[o])
            }
            return commit(.holding, address: address, count: values.count, decodingFrom: next) { s.holding = next }
        }
    }

    private func applyCoils(address: Int, _ values: [Bool]) -> WriteOutcome {
        let t = map.coils
        guard t.canWrite(address, values.count) else { return .refused(.illegalDataAddress) }
        return withStorage { s in
            var next = s.coils
            next.replaceSubrange((address - t.start)..<(address - t.start + values.count), with: values)
            return commit(.coil, address: address, count: values.count, decodingFrom: next.map { $0 ? 1 : 0 }) { s.coils = next }
        }
    }

    /// Decodes every writable point the write touches from the would-be table and stores it
    /// (`store`) only when each is inside its valid range.
    private func commit(_ table: RegisterTable, address: Int, count: Int, decodingFrom next: [UInt16],
                        store: () -> Void) -> WriteOutcome {
        let start = map.table(table).start
        var values: [String: PointValue] = [:]
        for p in map.points where p.table == table && p.isWritable && p.span.overlaps(address..<(address + count)) {
            let value = table.isBitTable ? p.decode(bit: next[p.address - start] != 0) : p.decode(next, at: p.address - start)
            if let range = p.range, p.loop == nil, let n = value.number, !range.contains(n) {
                return .refused(.illegalDataValue)
            }
            values[p.name] = value
        }
        store()
        let function: ModbusFunction = table == .coil ? .writeMultipleCoils : .writeMultipleRegisters
        return .stored(GatewayWrite(function: function, table: table, address: address, count: count, broadcast: false, values: values))
    }
}

/// A master's write, stored or refused with the exception the device answers.
enum WriteOutcome {
    case stored(GatewayWrite)
    case refused(ModbusExceptionCode)
}

extension UnsafeBufferPointer<UInt8> {
    /// The big-endian 16-bit field at `offset`.
    func word(at offset: Int) -> Int { Int(self[offset]) << 8 | Int(self[offset + 1]) }
}

extension Array<UInt8> {
    mutating func appendException(_ function: UInt8, _ code: ModbusExceptionCode) {
        append(function | 0x80)
        append(code.rawValue)
    }

    mutating func appendWords(_ words: [UInt16], from offset: Int, count: Int) {
        for i in offset..<(offset + count) {
            append(UInt8(truncatingIfNeeded: words[i] >> 8))
            append(UInt8(truncatingIfNeeded: words[i]))
        }
    }
}
