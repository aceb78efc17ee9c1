import FieldCore
import FieldDevices
import FieldHAL
import FieldRuntime

extension CommandRegistry {
    /// modbus read/write/scan/set-address/baud/calibrate/word-order.
    mutating func addModbusCommands() {
        group("modbus", "raw Modbus through the bus worker, scans and device maintenance")
        add(ConsoleCommand(
            name: "modbus read", synopsis: "BUS UNIT FC ADDR [N]", summary: "read N registers or bits (default 1)",
            details: "FC is 1 (coils), 2 (discrete inputs), 3 (holding registers) or 4 (input registers). ADDR is the protocol\naddress (0-based, as in the register maps; holding register 40001 is ADDR 0), decimal or 0x hex.\nN is 1-125 registers or 1-2000 bits. The read is the platform's readRegisters, through the gateway's engine; it waits\nits turn between polls on that bus. UNIT is checked by the bus: 1-247 on RS-485, 0-247 and 255 on Modbus TCP.\nTwo registers are also shown as one 32-bit value in the four word orders (float32, uint32, int32).",
            examples: ["modbus read rs485-1 3 3 0 2", "modbus read rs485-1 254 4 0x0003"], role: .technician, arguments: 4...5,
            completions: [.bus, .free, .words(["1", "2", "3", "4"]), .free], run: { i, c in try modbusRead(i, c) }))
        add(ConsoleCommand(
            name: "modbus write", synopsis: "BUS UNIT FC ADDR VALUE...", summary: "write coils or registers (asks to confirm)",
            details: "FC is 5 (one coil: on/off/1/0), 6 (one register), 15 (coils) or 16 (registers). Register values are\n0-65535, -32768..-1 (sent as two's complement) or 0x hex. UNIT 0 broadcasts (no reply).\nShows exactly what will be sent and asks to confirm; every write is audited. The write is the platform's\nwriteRegisters with this FC, through the gateway's engine; \"written\" means the device answered it, and its\nrefusal (an exception) is shown instead.",
            examples: ["modbus write rs485-1 3 6 0x0010 1", "modbus write rs485-1 3 16 0x0020 0x3E9A 0x0000", "modbus write rs485-2 7 5 0 on"],
            role: .technician, arguments: 5...127, completions: [.bus, .free, .words(["5", "6", "15", "16"])],
            run: { i, c in try modbusWrite(i, c) }))
        add(ConsoleCommand(
            name: "modbus scan", synopsis: "BUS [FROM-TO]", summary: "find which unit ids answer (default 1-247)",
            details: "Probes each unit id in turn between polls and shows progress; any key stops. A unit answers when it sends\nany valid reply, exception replies included. Units the site config expects are named.",
            examples: ["modbus scan rs485-1", "modbus scan rs485-1 1-10"], role: .technician, arguments: 1...2,
            completions: [.bus], run: { i, c in try modbusScan(i, c) }))
        add(ConsoleCommand(
            name: "modbus set-address", synopsis: "DEVICE NEW [--from UNIT]", summary: "give a sensor a new unit id, as its profile defines",
            details: "For a replaced sensor still on its factory address, --from gives the address it answers at now.\nThe device's address in the site config follows (pending until config save). A device's identity is the admin's\nto change, as the built-in profiles declare set-address.",
            examples: ["modbus set-address hydrant-main 3 --from 1"], role: .admin, arguments: 2...2, valued: ["from"],
            completions: [.device], run: { i, c in
                try deviceCommand(device: i[0]!, action: "set-address", value: i[1], i, c)
            }))
        add(ConsoleCommand(
            name: "modbus baud", synopsis: "DEVICE RATE [--from UNIT]", summary: "set a sensor's baud rate, as its profile defines",
            details: "The bus must be set to the same rate afterwards (config set buses[N].baud RATE). Bus settings are the admin's\nto change, as the built-in profiles declare set-baud.",
            examples: ["modbus baud hydrant-main 9600"], role: .admin, arguments: 2...2, valued: ["from"],
            completions: [.device, .words(["2400", "4800", "9600", "19200", "38400", "115200"])], run: { i, c in
                try deviceCommand(device: i[0]!, action: "set-baud", value: i[1], i, c)
            }))
        add(ConsoleCommand(
            name: "modbus calibrate", synopsis: "DEVICE [ACTION [VALUE]] [--from UNIT]", summary: "list or run a profile's calibration actions",
            details: "Without ACTION, lists what the device's profile defines (zero point, background calibration, ...) with what\neach VALUE takes. VALUE is read as the profile declares it: a whole number, or a fractional one like 2500.75\nwhere the parameter is not integer, checked against its range or choices before you are asked. Read each\naction's summary first: most need the sensor in a known state (vented, fresh air). Each action declares the role\nit needs; only those your role allows are listed. The platform runs the same commands (runCommand).",
            examples: ["modbus calibrate hydrant-main", "modbus calibrate hydrant-main zero", "modbus calibrate co2-1 background-calibration"],
            role: .technician, arguments: 1...3, valued: ["from"], completions: [.device, .deviceAction], run: { i, c in
                guard let action = i[1] else {
                    let commands = try c.backend.deviceCommands(i[0]!)
                    guard !commands.isEmpty else { return try c.print("\(i[0]!): its profile defines no actions") }
                    try listAllowed(commands, c) { spec in try c.print(padded(spec.consoleUsage, 28) + spec.consoleSummary) }
                    return
                }
                try deviceCommand(device: i[0]!, action: action, value: i[2], i, c)
            }))
        add(ConsoleCommand(
            name: "modbus word-order", synopsis: "WORD WORD | BUS UNIT ADDR [FC]", summary: "one register pair decoded in all four word orders",
            details: "Give two register values (as read, lower address first), or a bus, unit and address to read the pair\n(FC 3 by default, or 4). Shows float32, uint32 and int32 for ABCD, CDAB, BADC and DCBA; the order whose\nvalue makes sense is the one to put in the profile. Reading from a bus needs the technician role.",
            examples: ["modbus word-order 0x3E9A 0x0000", "modbus word-order rs485-1 3 0x0000", "modbus word-order rs485-1 3 0 4"],
            role: .viewer, arguments: 2...4, completions: [.bus], run: { i, c in try wordOrder(i, c) }))
    }
}

private func function(_ text: String, allowed: [ModbusFunction]) throws -> ModbusFunction {
    guard let n = UInt8(text), let f = ModbusFunction(rawValue: n), allowed.contains(f) else {
        throw UsageError("FC \"\(text)\" must be one of \(allowed.map { "\($0.rawValue) (\(tableName(of: $0)))" }.joined(separator: ", "))")
    }
    return f
}

/// The table a console FC reads or writes, as profiles name it.
private func tableOf(_ f: ModbusFunction) -> RegisterTable {
    switch f {
    case .readCoils, .writeSingleCoil, .writeMultipleCoils: .coil
    case .readDiscreteInputs: .discrete
    case .readInputRegisters: .input
    default: .holding
    }
}

/// `holding register`, `coil`: how the manuals name the table of an FC.
private func tableName(of f: ModbusFunction) -> String {
    switch tableOf(f) {
    case .coil: "coil"
    case .discrete: "discrete input"
    case .input: "input register"
    case .holding: "holding register"
    }
}

/// A unit id as typed: any byte; which ids a bus serves is the runtime's one check.
private func unit(_ i: Invocation, _ index: Int) throws -> Int {
    try i.int(index, "UNIT", in: 0...255)
}

/// Registers or bits read through the engine (`GatewayCommand.readRegisters`), as the platform's
/// `readRegisters` reads them.
private func read(_ c: CommandContext, bus: String, unit: Int, _ f: ModbusFunction, address: Int, count: Int) throws -> ModbusData {
    let answer = try c.backend.execute(.readRegisters(bus: bus, unit: unit, table: tableOf(f), address: address, count: count), by: c.user.name)
    let values = answer["values"]?.arrayValue ?? []
    if tableOf(f).isBitTable { return .bits(values.map { $0.boolValue ?? false }) }
    return .registers(values.map { UInt16(clamping: Int($0.numberValue ?? 0)) })
}

private func modbusRead(_ i: Invocation, _ c: CommandContext) throws {
    let f = try function(i[2]!, allowed: [.readCoils, .readDiscreteInputs, .readHoldingRegisters, .readInputRegisters])
    let unit = try unit(i, 1)
    let address = try i.int(3, "ADDR", in: 0...65535)
    let count = i[4] == nil ? 1 : try i.int(4, "N", in: tableOf(f).isBitTable ? 1...2000 : 1...125)
    guard address + count <= 65536 else { throw UsageError("ADDR + N goes past the last address 65535") }
    let data = try read(c, bus: i[0]!, unit: unit, f, address: address, count: count)
    try c.print("\(i[0]!) unit \(unit) FC\(f.rawValue) \(tableName(of: f))s from \(address) (0x\(hex(address, digits: 4)))")
    switch data {
    case .registers(let regs):
        var t = TextTable(["addr", "hex", "unsigned", "signed"])
        for (n, r) in regs.enumerated() {
            t.add(["\(address + n) (0x\(hex(address + n, digits: 4)))", "0x" + hex(r, digits: 4), "\(r)", "\(Int16(bitPattern: r))"])
        }
        for l in t.lines(fitting: c.width - 2) { try c.print("  " + l) }
        // Two registers are often one 32-bit value: the four word orders, to find the one that
        // makes sense (as modbus word-order shows them).
        if regs.count == 2 {
            try c.print("as one 32-bit value:")
            for l in WordOrder.table(regs[0], regs[1]) { try c.print("  " + l) }
        }
    case .bits(let bits):
        for (n, b) in bits.enumerated() { try c.print("  \(address + n) (0x\(hex(address + n, digits: 4)))  \(b ? "1 on" : "0 off")") }
    }
}

private func modbusWrite(_ i: Invocation, _ c: CommandContext) throws {
    let f = try function(i[2]!, allowed: [.writeSingleCoil, .writeSingleRegister, .writeMultipleCoils, .writeMultipleRegisters])
    let unit = try unit(i, 1)
    let address = try i.int(3, "ADDR", in: 0...65535)
    let words = Array(i.positionals.dropFirst(4))
    let bits = tableOf(f).isBitTable
    let values: [UInt16]
    if bits {
        values = try words.map { w -> UInt16 in
            switch w.lowercased() {
            case "1", "on", "true": return 1
            case "0", "off", "false": return 0
            default: throw UsageError("coil VALUE \"\(w)\" must be on, off, 1 or 0")
            }
        }
    } else {
        values = try words.map { UInt16(truncatingIfNeeded: try parseInteger($0, "VALUE", in: -32768...65535)) }
    }
    let single = f == .writeSingleCoil || f == .writeSingleRegister
    if single && values.count != 1 { throw UsageError("FC\(f.rawValue) writes exactly one value; use FC\(bits ? 15 : 16) for several") }
    if values.count > (bits ? 1968 : 123) { throw UsageError("at most \(bits ? 1968 : 123) values per write") }
    guard address + values.count <= 65536 else { throw UsageError("ADDR + count goes past the last address 65535") }
    let shown = bits ? values.map { $0 != 0 ? "on" : "off" }.joined(separator: " ")
        : values.map { "0x\(hex($0, digits: 4)) (\($0))" }.joined(separator: " ")
    let target = "\(i[0]!) unit \(unit) FC\(f.rawValue) \(tableName(of: f)) \(address) (0x\(hex(address, digits: 4)))"
    guard try c.confirm("write \(shown) to \(target)\(unit == 0 ? " as a BROADCAST to every unit" : "")?") else {
        return try c.print("nothing written")
    }
    _ = try c.backend.execute(.writeRegisters(bus: i[0]!, unit: unit, table: tableOf(f), address: address, values: values, function: f), by: c.user.name)
    c.audit("modbus write", target, new: shown)
    try c.print("written")
}

private func modbusScan(_ i: Invocation, _ c: CommandContext) throws {
    var units = 1...247
    if let r = i[1] {
        let parts = r.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw UsageError("range \"\(r)\" must be FROM-TO, e.g. 1-10") }
        let from = try parseInteger(parts[0], "FROM", in: 1...247), to = try parseInteger(parts[1], "TO", in: 1...247)
        guard from <= to else { throw UsageError("range \(r): FROM must not be above TO") }
        units = from...to
    }
    try c.print("scanning \(i[0]!) units \(units.lowerBound)-\(units.upperBound); press any key to stop")
    var stopped = false
    var ioFailure: Error?
    let hits = try c.backend.modbusScan(bus: i[0]!, units: units) { p in
        do {
            if let h = p.hit {
                if c.mode == .ansi { try c.writeControl("\r\u{1B}[K") }
                try c.print("  unit \(h.unit): \(h.answer)" + (h.device.map { "  (\($0))" } ?? "  (not in the site config)"))
            }
            if c.mode == .ansi {
                try c.writeControl("\r\(p.done)/\(p.total) probed, at unit \(p.unit)\u{1B}[K")
            } else if p.done % 25 == 0 && p.done < p.total {
                try c.print("  \(p.done)/\(p.total) probed")
            }
            if try c.keyPressed(within: .zero) {
                stopped = true
                return .stop
            }
            return .proceed
        } catch {
            ioFailure = error
            return .stop
        }
    }
    if let ioFailure { throw ioFailure }
    if c.mode == .ansi { try c.writeControl("\r\u{1B}[K") }
    let expected = Set(c.backend.devices().filter { $0.bus == i[0]! }.compactMap(\.address)).filter { units.contains($0) }
    let missing = expected.subtracting(hits.map(\.unit)).sorted()
    try c.print("\(stopped ? "stopped: " : "")\(hits.count) unit\(hits.count == 1 ? "" : "s") answered: \(hits.map { String($0.unit) }.joined(separator: " "))")
    if !missing.isEmpty && !stopped { try c.print("expected but silent: \(missing.map(String.init).joined(separator: " "))") }
}

/// Runs a command the device's profile declares, its one value parsed by the schema's type
/// (`2500.75` where the parameter is not `integer`) and checked by the schema before the
/// technician is asked; the answer comes once the device has taken every write.
private func deviceCommand(device: String, action: String, value: String?, _ i: Invocation, _ c: CommandContext) throws {
    let from = try i.options["from"].map { try parseInteger($0, "--from", in: 0...255) }
    let commands = try c.backend.deviceCommands(device)
    guard let spec = commands.first(where: { $0.name == action }) else {
        let names = commands.map(\.name)
        throw UsageError("the profile of \(device) defines no \(action)" + (names.isEmpty ? "" : "; it defines: \(names.joined(separator: ", "))"))
    }
    try c.require(spec.role, for: "\(action) on \(device)")
    let arguments = try spec.consoleArguments(value)
    let what = "\(action)\(value.map { " \($0)" } ?? "") on \(device)\(from.map { " (at unit \($0))" } ?? "")"
    try c.print(spec.consoleSummary)
    guard try c.confirm("run \(what)?") else { return try c.print("nothing done") }
    let answer = try c.backend.execute(.deviceCommand(device: device, command: action, arguments: arguments, unit: from), by: c.user.name)
    let unit = answer["unit"]?.numberValue.map { formatNumber($0) } ?? "?"
    guard action == "set-address", let new = arguments.values.first else {
        c.audit("modbus \(action)", device, new: value)
        return try c.print("\(device) (unit \(unit)) took \(action)\(value.map { " \($0)" } ?? "")")
    }
    // The site config's address follows, so the bus worker polls the device where it now answers.
    c.audit("modbus \(action)", device, old: unit, new: formatNumber(new))
    guard let index = c.backend.devices().firstIndex(where: { $0.id == device }) else {
        return try c.print("unit \(unit) now answers at \(formatNumber(new))")
    }
    let key = "devices[\(index)].address"
    if (try? c.backend.configGet(key))?.numberValue == new {
        return try c.print("unit \(unit) now answers at \(formatNumber(new)); \(key) is already \(formatNumber(new))")
    }
    let change: ConfigChange
    do {
        change = try c.backend.configSet(key, to: .number(new), by: c.user.name)
    } catch {
        return try c.print("unit \(unit) now answers at \(formatNumber(new)), but \(key) was not changed: \(error)")
    }
    c.audit("config set", change.key, old: show(change.old), new: show(change.new))
    try c.print("unit \(unit) now answers at \(formatNumber(new)); \(change.key) is \(formatNumber(new))")
    try c.print("config \(change.key): \(show(change.old)) -> \(show(change.new)) (pending until config save)")
}

private func wordOrder(_ i: Invocation, _ c: CommandContext) throws {
    let first: UInt16, second: UInt16
    if i.positionals.count == 2 {
        first = UInt16(try parseInteger(i[0]!, "WORD", in: 0...65535))
        second = UInt16(try parseInteger(i[1]!, "WORD", in: 0...65535))
    } else {
        try c.require(.technician, for: "reading a register pair from a bus")
        let unit = try unit(i, 1)
        let address = try i.int(2, "ADDR", in: 0...65534)
        let f = i[3] == nil ? ModbusFunction.readHoldingRegisters : try function(i[3]!, allowed: [.readHoldingRegisters, .readInputRegisters])
        guard case .registers(let regs) = try read(c, bus: i[0]!, unit: unit, f, address: address, count: 2),
              regs.count == 2 else { throw UsageError("the device did not return two registers") }
        (first, second) = (regs[0], regs[1])
        try c.print("\(i[0]!) unit \(unit) FC\(f.rawValue) \(address) and \(address + 1):")
    }
    try c.print("registers 0x\(hex(first, digits: 4)) 0x\(hex(second, digits: 4)) (wire bytes A B C D)")
    for l in WordOrder.table(first, second) { try c.print("  " + l) }
}
