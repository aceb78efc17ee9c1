/// One Modbus request as the protocol sees it: function, unit, address range. Every transport
/// checks requests the same way with `check(bus:units:)` before sending anything, so a request
/// over a protocol limit fails identically on libmodbus, in the simulator and in a test double.
package struct ModbusRequest: Sendable, Hashable {
    package var function: ModbusFunction
    package var unit: UInt8
    /// First register or bit (for 0x17: of the read), 0–65535.
    package var address: UInt16
    /// Registers or bits to read or write (for 0x17: to read).
    package var count: Int
    /// For 0x17 only: the first register written and how many.
    package var writeAddress: UInt16?
    package var writeCount: Int?

    package init(_ function: ModbusFunction, unit: UInt8, address: UInt16, count: Int,
                writeAddress: UInt16? = nil, writeCount: Int? = nil) {
        self.function = function
        self.unit = unit
        self.address = address
        self.count = count
        self.writeAddress = writeAddress
        self.writeCount = writeCount
    }

    /// An error about this request.
    package func error(_ kind: ModbusError.Kind, bus: String, errno: Int32 = 0, call: String = "", detail: String = "",
                      frame: ModbusFrameError? = nil) -> ModbusError {
        ModbusError(kind, bus: bus, unit: unit, function: function, address: address, count: count,
                    errno: errno, call: call, detail: detail, frame: frame)
    }

    /// Whether unit 0 makes this a broadcast on a serial line: a write that nobody answers.
    /// (On Modbus TCP unit 0 is the server itself and answers like any other.)
    package var isBroadcast: Bool { unit == ModbusLimits.broadcastUnit && !function.reads }

    /// Checks the request against the protocol's limits.
    ///
    /// - Parameters:
    ///   - bus: the bus name the error carries.
    ///   - units: the unit addresses the link allows (`ModbusLimits.serialUnits` or `.tcpUnits`).
    /// - Throws: `.overLimit` for a count over the protocol limit, `.invalidArgument` for a count
    ///   below 1, a range past address 65535, a unit out of range, or a read from unit 0.
    package func check(bus: String, units: ClosedRange<UInt8>) throws(ModbusError) {
        guard units.contains(unit) else {
            throw error(.invalidArgument, bus: bus, detail: "unit \(unit) outside \(units.lowerBound)–\(units.upperBound)")
        }
        let tcp = units == ModbusLimits.tcpUnits
        if tcp, ModbusLimits.tcpUnitsLibmodbusRefuses.contains(unit) {
            throw error(.invalidArgument, bus: bus, detail: "unit \(unit): libmodbus sends TCP unit ids 0–247 and 255 only")
        }
        if !tcp, unit == ModbusLimits.broadcastUnit && function.reads {
            throw error(.invalidArgument, bus: bus, detail: "unit 0 is the broadcast address: writes only, nobody answers a read")
        }
        try checkRange(address: address, count: count, limit: readOrWriteLimit, verb: function.reads ? "read" : "write", bus: bus)
        if function == .writeAndReadRegisters {
            try checkRange(address: writeAddress ?? 0, count: writeCount ?? 0, limit: ModbusLimits.writeAndReadWriteRegisters,
                           verb: "write", bus: bus)
        }
    }

    private var readOrWriteLimit: Int {
        switch function {
        case .readCoils, .readDiscreteInputs: ModbusLimits.readBits
        case .readHoldingRegisters, .readInputRegisters, .writeAndReadRegisters: ModbusLimits.readRegisters
        case .writeSingleCoil, .writeSingleRegister: 1
        case .writeMultipleCoils: ModbusLimits.writeBits
        case .writeMultipleRegisters: ModbusLimits.writeRegisters
        }
    }

    private var itemName: String {
        switch function {
        case .readCoils, .writeSingleCoil, .writeMultipleCoils: "coils"
        case .readDiscreteInputs: "discrete inputs"
        default: "registers"
        }
    }

    private func checkRange(address: UInt16, count: Int, limit: Int, verb: String, bus: String) throws(ModbusError) {
        guard count >= 1 else {
            throw error(.invalidArgument, bus: bus, detail: "\(count) \(itemName) to \(verb): at least 1 needed")
        }
        guard count <= limit else {
            throw error(.overLimit, bus: bus, detail: "\(count) \(itemName) asked, at most \(limit) per \(verb)")
        }
        guard ModbusLimits.fits(address: Int(address), count: count) else {
            throw error(.invalidArgument, bus: bus, detail: "\(address)+\(count) runs past address \(ModbusLimits.addresses.upperBound)")
        }
    }
}
