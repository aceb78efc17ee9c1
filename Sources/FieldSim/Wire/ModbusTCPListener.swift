#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FieldHAL
import Synchronization

/// One Modbus TCP endpoint of a `ModbusTCPServer`: a listening socket and the devices it answers
/// for by unit id (1–255), like a TCP device or a TCP-to-RTU gateway with devices behind it.
///
/// A request to unit 0 is a broadcast: writes go to every device, nobody answers (as through a
/// gateway onto an RTU bus). A request to a unit with no device gets `absentUnit`.
package final class ModbusTCPListener: SimulatedBus {
    /// `host:port` as bound, e.g. `127.0.0.1:41523`.
    package let name: String
    /// The host given to `ModbusTCPServer.listen`.
    package let host: String
    /// The bound port (the kernel's choice when 0 was asked for).
    package let port: Int
    package let faults = WireFaults()
    package let absentUnit: AbsentUnitReply
    let directory: UnitDirectory
    let socket: TCPListenSocket
    private let closed = Atomic<Bool>(false)

    init(host: String, socket: TCPListenSocket, absentUnit: AbsentUnitReply) {
        self.host = host
        self.port = socket.port
        self.socket = socket
        self.absentUnit = absentUnit
        name = host.contains(":") ? "[\(host)]:\(socket.port)" : "\(host):\(socket.port)"
        directory = UnitDirectory(bus: name, allowed: 1...255)
    }

    deinit { close() }

    /// Closes the listening socket once; the server does it on stop.
    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(socket.fd)
    }

    package var units: [UInt8] { directory.all.map(\.address) }

    @discardableResult
    package func attach(_ bank: RegisterBank, unit: UInt8, faults: WireFaults) throws(SimWireError) -> WireFaults {
        try directory.attach(bank, unit: unit, faults: faults)
        return faults
    }

    package func detach(unit: UInt8) { directory.detach(unit) }
    package func bank(unit: UInt8) -> RegisterBank? { directory[unit]?.bank }
    package func faults(unit: UInt8) -> WireFaults? { directory[unit]?.faults }

    /// Answers one request (MBAP unit id and PDU), appending the response PDU to `out`.
    ///
    /// - Returns: how to send it, or nil for silence.
    func route(unit: UInt8, _ pdu: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> SimulatedUnit.Reply? {
        let busFault = faults.strike()
        if unit == 0 {
            directory.broadcast(pdu, busFault: busFault)
            return nil
        }
        if let device = directory[unit] { return device.handle(pdu, busFault: busFault, into: &out) }
        guard let function = pdu.first else { return nil }
        switch (busFault, absentUnit) {
        case (.noResponse?, _): return nil
        case (.exception(let code)?, _), (_, .exception(let code)):
            out.appendException(function, code)
            return SimulatedUnit.Reply()
        case (_, .silence): return nil
        }
    }
}

/// What a TCP endpoint answers for a unit id with no device behind it.
package enum AbsentUnitReply: Sendable, Hashable {
    /// Nothing: the master times out, as with a device that is off.
    case silence
    /// An exception, typically 0x0B (gateway target device failed to respond) as a TCP-to-RTU
    /// gateway gives, or 0x0A (gateway path unavailable).
    case exception(ModbusExceptionCode)
}
