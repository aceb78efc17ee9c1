/// An exception code a device answers with instead of data (Modbus Application Protocol v1.1b,
/// section 7). A struct rather than an enum so that a code outside the standard still has a value.
package struct ModbusExceptionCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    package var rawValue: UInt8

    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 0x01: the device does not implement the function.
    package static let illegalFunction = ModbusExceptionCode(rawValue: 0x01)
    /// 0x02: the register or bit address (or address + count) does not exist on the device.
    package static let illegalDataAddress = ModbusExceptionCode(rawValue: 0x02)
    /// 0x03: a value in the request is not allowed (a count, or a value the device refuses).
    package static let illegalDataValue = ModbusExceptionCode(rawValue: 0x03)
    /// 0x04: the device failed while carrying out the request.
    package static let serverDeviceFailure = ModbusExceptionCode(rawValue: 0x04)
    /// 0x05: accepted, but it takes long; ask again later.
    package static let acknowledge = ModbusExceptionCode(rawValue: 0x05)
    /// 0x06: the device is busy with a long command; retry later.
    package static let serverDeviceBusy = ModbusExceptionCode(rawValue: 0x06)
    /// 0x07: the device cannot carry out the program function (Modicon's negative acknowledge).
    package static let negativeAcknowledge = ModbusExceptionCode(rawValue: 0x07)
    /// 0x08: the device found a parity error in its own memory.
    package static let memoryParityError = ModbusExceptionCode(rawValue: 0x08)
    /// 0x0A: a gateway has no path to the target (misconfigured or overloaded gateway).
    package static let gatewayPathUnavailable = ModbusExceptionCode(rawValue: 0x0A)
    /// 0x0B: a gateway got no answer from the target device (absent, or wrong unit address).
    package static let gatewayTargetFailedToRespond = ModbusExceptionCode(rawValue: 0x0B)

    /// Every exception code the standard names.
    package static let named: [ModbusExceptionCode] = [
        .illegalFunction, .illegalDataAddress, .illegalDataValue, .serverDeviceFailure, .acknowledge,
        .serverDeviceBusy, .negativeAcknowledge, .memoryParityError, .gatewayPathUnavailable,
        .gatewayTargetFailedToRespond,
    ]

    /// The standard's name, e.g. `illegal data address`.
    package var name: String {
        switch rawValue {
        case 0x01: "illegal function"
        case 0x02: "illegal data address"
        case 0x03: "illegal data value"
        case 0x04: "server device failure"
        case 0x05: "acknowledge"
        case 0x06: "server device busy"
        case 0x07: "negative acknowledge"
        case 0x08: "memory parity error"
        case 0x0A: "gateway path unavailable"
        case 0x0B: "gateway target device failed to respond"
        default: "undefined exception"
        }
    }

    /// `exception 0x02 illegal data address`.
    package var description: String { "exception 0x" + modbusHex2(rawValue) + " " + name }
}
