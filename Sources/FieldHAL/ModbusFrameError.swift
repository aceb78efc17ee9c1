/// What is wrong with a Modbus TCP answer that arrived whole but is not the answer to the request.
///
/// libmodbus 3.1.6 frames an answer by its function code and checks its transaction id, but its
/// protocol-id check is wrong, it ignores the MBAP length and it does not compare the unit id on
/// TCP; `ModbusContext` checks these itself (docs/modbus.md, "What is checked on a TCP answer").
/// Carried by `ModbusError.frame`; the error's kind is `.invalidFrame`.
package enum ModbusFrameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The MBAP transaction id is not the request's.
    case transactionID(UInt16, expected: UInt16)
    /// The MBAP protocol id is not 0 (Modbus).
    case protocolID(UInt16)
    /// The MBAP length does not count the bytes that follow it (the unit id and the PDU).
    case length(declared: UInt16, following: Int)
    /// The answer comes from another unit than the one the request went to.
    case unit(UInt8, expected: UInt8)
    /// The function code is neither the request's nor its exception (request's + 0x80).
    case function(UInt8, expected: ModbusFunction)
    /// An exception answer with a code the standard does not define.
    case exceptionCode(UInt8)
    /// The byte count does not fit the registers or bits asked for.
    case byteCount(Int, expected: Int)
    /// A write's answer does not echo the request: `field` is `address`, `value` or `quantity`.
    case echo(field: String, UInt16, expected: UInt16)

    package var description: String {
        switch self {
        case .transactionID(let got, let expected): "answer with transaction id \(got) (expected \(expected))"
        case .protocolID(let got): "answer with protocol id \(got) (expected 0)"
        case .length(let declared, let following): "MBAP length \(declared) does not match the \(following) bytes that follow"
        case .unit(let got, let expected): "answer from unit \(got) to a request for unit \(expected)"
        case .function(let got, let expected): "answer with function code 0x\(modbusHex2(got)) to a request \(expected)"
        case .exceptionCode(let code): "exception answer with undefined code 0x\(modbusHex2(code))"
        case .byteCount(let got, let expected): "byte count \(got) (expected \(expected))"
        case .echo(let field, let got, let expected): "answer echoes \(field) \(got) (expected \(expected))"
        }
    }
}
