import FieldHAL
import Synchronization

/// One device on the wire: its registers and its fault switch, at a unit address.
final class SimulatedUnit: Sendable {
    let address: UInt8
    let bank: RegisterBank
    let faults: WireFaults

    init(address: UInt8, bank: RegisterBank, faults: WireFaults) {
        self.address = address
        self.bank = bank
        self.faults = faults
    }

    /// How an answer leaves the device.
    struct Reply {
        /// Extra time before the answer starts (a slow-response fault).
        var delay: Duration = .zero
        /// Damage the frame (a corrupt-reply fault).
        var corrupt = false
    }

    /// Runs one request addressed to this device through the faults in force and its registers,
    /// appending the response PDU to `out`.
    ///
    /// - Parameter busFault: the bus's or endpoint's fault that hit this request; it wins over the
    ///   device's own.
    /// - Returns: how to send the answer, or nil when the device stays silent.
    func handle(_ pdu: UnsafeBufferPointer<UInt8>, busFault: WireFault?, into out: inout [UInt8]) -> Reply? {
        let before = out.count
        switch busFault ?? faults.strike() {
        case nil:
            bank.serve(pdu, broadcast: false, into: &out)
            return out.count > before ? Reply() : nil
        case .noResponse?:
            return nil
        case .slowResponse(let delay)?:
            bank.serve(pdu, broadcast: false, into: &out)
            return out.count > before ? Reply(delay: delay) : nil
        case .corruptReply?:
            bank.serve(pdu, broadcast: false, into: &out)
            return out.count > before ? Reply(corrupt: true) : nil
        case .exception(let code)?:
            guard let function = pdu.first else { return nil }
            out.appendException(function, code)
            return Reply()
        case .intermittent?:
            // `strike()` resolves an intermittent fault to the fault that hits, or to none.
            return nil
        }
    }

    /// Applies a broadcast write (unit 0) unless a fault keeps this device from hearing it.
    func hearBroadcast(_ pdu: UnsafeBufferPointer<UInt8>) {
        switch faults.strike() {
        case .noResponse?, .exception?: return
        default:
            var ignored: [UInt8] = []
            bank.serve(pdu, broadcast: true, into: &ignored)
        }
    }
}

/// The devices one RTU bus or TCP endpoint answers for, by unit address. Devices may be attached
/// and detached while the server runs (a transmitter given a new address moves).
final class UnitDirectory: Sendable {
    let bus: String
    let allowed: ClosedRange<UInt8>
    private let slots = Mutex<[SimulatedUnit?]>(Array(repeating: nil, count: 256))

    init(bus: String, allowed: ClosedRange<UInt8>) {
        self.bus = bus
        self.allowed = allowed
    }

    func attach(_ bank: RegisterBank, unit: UInt8, faults: WireFaults) throws(SimWireError) {
        guard allowed.contains(unit) else { throw .unitOutOfRange(bus: bus, unit: unit, allowed: allowed) }
        let taken: String? = slots.withLock { s in
            if let existing = s[Int(unit)] { return existing.bank.profile.id }
            s[Int(unit)] = SimulatedUnit(address: unit, bank: bank, faults: faults)
            return nil
        }
        if let taken { throw .unitTaken(bus: bus, unit: unit, profile: taken) }
    }

    func detach(_ unit: UInt8) {
        slots.withLock { $0[Int(unit)] = nil }
    }

    subscript(unit: UInt8) -> SimulatedUnit? {
        slots.withLock { $0[Int(unit)] }
    }

    var all: [SimulatedUnit] {
        slots.withLock { $0.compactMap { $0 } }
    }

    /// A broadcast request: every device hears it, none answers.
    func broadcast(_ pdu: UnsafeBufferPointer<UInt8>, busFault: WireFault?) {
        guard let function = pdu.first, ModbusFunction(rawValue: function)?.writes == true else { return }
        switch busFault {
        case .noResponse?, .exception?: return
        default: for unit in all { unit.hearBroadcast(pdu) }
        }
    }
}
