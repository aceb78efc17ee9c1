/// Why a GPIO request, read, write or wait failed, with the board name, chip and offset a
/// technician needs to find the pin or the wrong line in the board file.
package enum GPIOError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The chip named in the board file does not exist (or is not a GPIO chip).
    case noSuchChip(chip: String)
    /// The chip exists but could not be opened (permissions, say).
    case chipUnavailable(chip: String, cause: SystemError)
    /// The chip has no line at this offset.
    case noSuchLine(line: String, chip: String, offset: Int)
    /// Another consumer (or another request of this process) holds the line.
    case busy(line: String, chip: String, offset: Int, detail: String)
    /// A line used against its requested direction: the gateway setting an input, or the
    /// simulated world driving a line the gateway drives.
    case directionMismatch(line: String, direction: GPIODirection)
    /// A name that is not part of this request.
    case unknownLine(String)
    /// A line configuration that cannot be requested.
    case invalidConfig(line: String, reason: String)
    /// A system call on a requested line failed.
    case io(line: String, cause: SystemError)
    /// The simulator's GPIO socket could not be reached or went away.
    case connectionLost(socket: String, reason: String)
    /// The peer on the GPIO socket said something this side does not understand.
    case protocolViolation(socket: String, detail: String)
    /// The lines were released; request them again.
    case released

    package var description: String {
        switch self {
        case .noSuchChip(let chip):
            "\(chip): no such GPIO chip (check the board file)"
        case .chipUnavailable(let chip, let cause):
            "\(chip): cannot open the GPIO chip: \(cause)"
        case .noSuchLine(let line, let chip, let offset):
            "\(line) (\(chip):\(offset)): the chip has no line \(offset) (check the board file)"
        case .busy(let line, let chip, let offset, let detail):
            "\(line) (\(chip):\(offset)): line already in use: \(detail)"
        case .directionMismatch(let line, .input):
            "\(line): requested as an input; only outputs can be set"
        case .directionMismatch(let line, .output):
            "\(line): requested as an output; the gateway drives it, not the outside world"
        case .unknownLine(let name):
            "\(name): no such line in this request"
        case .invalidConfig(let line, let reason):
            "\(line): \(reason)"
        case .io(let line, let cause):
            "\(line): \(cause)"
        case .connectionLost(let socket, let reason):
            "GPIO socket \(socket): \(reason)"
        case .protocolViolation(let socket, let detail):
            "GPIO socket \(socket): protocol error: \(detail)"
        case .released:
            "the GPIO lines were released"
        }
    }
}
