/// A Modbus master's requests, one at a time, on one bus.
///
/// `ModbusClient` implements it over libmodbus; FieldSim's `EmbeddedModbusTransport` implements it
/// without a wire (register banks, scripted faults, simulated time) for unit tests and benchmarks,
/// so a bus worker runs unchanged on either. Implementations check each
/// request with `ModbusRequest.check(bus:units:)` before sending, and treat unit 0 writes as
/// broadcasts (no answer awaited). A transport is used by one thread at a time.
package protocol ModbusTransport: AnyObject {
    /// The bus name errors carry.
    var bus: String { get }

    /// Opens the link if it is not open. Requests open it themselves; calling this first reports
    /// a wrong device path or an unreachable host at start-up.
    func connect() throws(ModbusError)
    /// Closes the link; the next request opens it again.
    func close()

    /// 0x01: reads `count` (1–2000) coils from `address`.
    func readCoils(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [Bool]
    /// 0x02: reads `count` (1–2000) discrete inputs from `address`.
    func readDiscreteInputs(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [Bool]
    /// 0x03: reads `count` (1–125) holding registers from `address`.
    func readHoldingRegisters(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [UInt16]
    /// 0x04: reads `count` (1–125) input registers from `address`.
    func readInputRegisters(unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [UInt16]
    /// 0x05: sets or clears one coil.
    func writeCoil(unit: UInt8, address: UInt16, value: Bool) throws(ModbusError)
    /// 0x06: writes one holding register.
    func writeRegister(unit: UInt8, address: UInt16, value: UInt16) throws(ModbusError)
    /// 0x0F: writes 1–1968 coils from `address`.
    func writeCoils(unit: UInt8, address: UInt16, values: [Bool]) throws(ModbusError)
    /// 0x10: writes 1–123 holding registers from `address`.
    func writeRegisters(unit: UInt8, address: UInt16, values: [UInt16]) throws(ModbusError)
    /// 0x17: writes 1–121 holding registers from `writeAddress`, then reads `readCount` (1–125)
    /// from `readAddress`, in one transaction.
    func writeAndReadRegisters(unit: UInt8, writeAddress: UInt16, values: [UInt16],
                               readAddress: UInt16, readCount: Int) throws(ModbusError) -> [UInt16]
    /// The bytes of a late answer the transport discarded before its last request, and the unit
    /// whose failed request they most likely answered; nil when there were none. Reading clears it.
    func takeLateAnswer() -> LateAnswer?
}

/// Bytes that arrived after a request had failed (a device answering after the response
/// timeout), thrown away before the next request so that they are not taken for its answer.
package struct LateAnswer: Sendable, Hashable {
    /// The unit of the request that failed before: the likely sender.
    package var unit: UInt8
    package var bytes: Int

    package init(unit: UInt8, bytes: Int) {
        self.unit = unit
        self.bytes = bytes
    }
}

extension ModbusTransport {
    package func takeLateAnswer() -> LateAnswer? { nil }
}

extension ModbusTransport {
    /// Reads `count` items of any table: bits for coils and discrete inputs, registers for holding
    /// and input registers. What the read planner's blocks and the console's `modbus read` call.
    package func read(_ table: RegisterTable, unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> ModbusData {
        switch table {
        case .coil: .bits(try readCoils(unit: unit, address: address, count: count))
        case .discrete: .bits(try readDiscreteInputs(unit: unit, address: address, count: count))
        case .holding: .registers(try readHoldingRegisters(unit: unit, address: address, count: count))
        case .input: .registers(try readInputRegisters(unit: unit, address: address, count: count))
        }
    }

    /// Reads `count` (1–125) registers of a register table.
    ///
    /// - Throws: `.invalidArgument` for a bit table, else whatever the read throws.
    package func readRegisters(_ table: RegisterTable, unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [UInt16] {
        switch table {
        case .holding: try readHoldingRegisters(unit: unit, address: address, count: count)
        case .input: try readInputRegisters(unit: unit, address: address, count: count)
        case .coil, .discrete:
            throw ModbusRequest(table.modbusReadFunction, unit: unit, address: address, count: count)
                .error(.invalidArgument, bus: bus, detail: "the \(table) table holds bits, not registers")
        }
    }

    /// Reads `count` (1–2000) bits of a bit table.
    ///
    /// - Throws: `.invalidArgument` for a register table, else whatever the read throws.
    package func readBits(_ table: RegisterTable, unit: UInt8, address: UInt16, count: Int) throws(ModbusError) -> [Bool] {
        switch table {
        case .coil: try readCoils(unit: unit, address: address, count: count)
        case .discrete: try readDiscreteInputs(unit: unit, address: address, count: count)
        case .holding, .input:
            throw ModbusRequest(table.modbusReadFunction, unit: unit, address: address, count: count)
                .error(.invalidArgument, bus: bus, detail: "the \(table) table holds registers, not bits")
        }
    }
}
