/// A set of simulated devices by unit address behind one wire: an RTU bus on a pseudo-terminal
/// (`RTUBusServer`) or a Modbus TCP endpoint (`ModbusTCPListener`), as a site file's `buses` has
/// them. Devices may be attached, moved and detached while the server runs.
package protocol SimulatedBus: AnyObject, Sendable {
    /// The bus's name in errors and logs (the site's bus name, or `host:port`).
    var name: String { get }
    /// The fault switch of the whole bus or endpoint: `.noResponse` is a power loss, any fault
    /// here wins over the devices' own.
    var faults: WireFaults { get }
    /// The unit addresses answered, ascending.
    var units: [UInt8] { get }

    /// Makes `bank` answer at `unit` with `faults` as its fault switch.
    ///
    /// - Returns: `faults`, for chaining.
    /// - Throws: `.unitOutOfRange` (RTU 1–247, TCP 1–255), `.unitTaken`.
    @discardableResult
    func attach(_ bank: RegisterBank, unit: UInt8, faults: WireFaults) throws(SimWireError) -> WireFaults
    /// Stops answering at `unit`.
    func detach(unit: UInt8)
    /// The registers answering at `unit`.
    func bank(unit: UInt8) -> RegisterBank?
    /// The fault switch of the device at `unit`.
    func faults(unit: UInt8) -> WireFaults?
}

extension SimulatedBus {
    /// Makes `bank` answer at `unit` with a fault switch of its own (healthy).
    ///
    /// - Returns: the device's fault switch.
    @discardableResult
    package func attach(_ bank: RegisterBank, unit: UInt8) throws(SimWireError) -> WireFaults {
        try attach(bank, unit: unit, faults: WireFaults())
    }
}
