import FieldCore
import FieldDevices
import FieldHAL
import FieldRuntime

/// Raw Modbus, scans and profile actions: each request is a `BusJob` on the bus's worker, so it
/// waits its turn between polls and never talks over them (a bus is half-duplex).
extension GatewayBackend {
    public func modbusRead(_ request: ModbusReadRequest) throws(BackendError) -> ModbusData {
        let w = try worker(request.bus)
        guard let table = request.function.registerTable else { throw .rejected("FC\(request.function.rawValue) is not a read") }
        let read = ReadRequest(table: table, address: request.address, count: request.count)
        let unit = UInt8(clamping: request.unit)
        let result: Result<ReadResponse, ModbusError> = try wait("modbus read on \(request.bus)") { done in
            w.submit(BusJob("console read \(request.bus) \(unit) \(read)") { access in done(access.read(read, unit: unit, device: nil)) })
        }
        switch result {
        case .success(.registers(let r)): return .registers(r)
        case .success(.bits(let b)): return .bits(b)
        case .success(.failed): throw .deviceError("\(request.bus) unit \(unit) FC\(request.function.rawValue) \(request.address): no answer")
        case .failure(let e): throw .deviceError(e.description)
        }
    }

    public func modbusWrite(_ request: ModbusWriteRequest, by actor: String) throws(BackendError) {
        let w = try worker(request.bus)
        let unit = UInt8(clamping: request.unit), address = UInt16(clamping: request.address)
        let function = request.function, values = request.values
        let characters = RTUWireTime.writeCharacters(count: values.count, bits: function.isBits)
        let result: Result<Void, ModbusError> = try wait("modbus write on \(request.bus)") { done in
            w.submit(BusJob("console write \(request.bus) \(unit) FC\(function.rawValue) \(address)") { access in
                done(access.transact(device: nil, unit: unit, characters: characters) { t throws(ModbusError) in
                    switch (function, values) {
                    case (.writeSingleCoil, .bits(let b)): try t.writeCoil(unit: unit, address: address, value: b[0])
                    case (.writeMultipleCoils, .bits(let b)): try t.writeCoils(unit: unit, address: address, values: b)
                    case (.writeSingleRegister, .registers(let r)): try t.writeRegister(unit: unit, address: address, value: r[0])
                    case (_, .registers(let r)): try t.writeRegisters(unit: unit, address: address, values: r)
                    case (_, .bits(let b)): try t.writeCoils(unit: unit, address: address, values: b)
                    }
                })
            })
        }
        if case .failure(let e) = result { throw .deviceError(e.description) }
        log.notice("\(actor): \(request.bus) unit \(unit) FC\(function.rawValue) \(address) written from the console")
    }

    /// Probes each unit with a read of holding register 0: any valid answer, an exception
    /// included, means a device is there.
    public func modbusScan(bus: String, units: ClosedRange<Int>, progress: (ScanProgress) -> ScanDecision) throws(BackendError) -> [ScanHit] {
        let w = try worker(bus)
        let probe = ReadRequest(table: .holding, address: 0, count: 1)
        var hits: [ScanHit] = []
        for (n, u) in units.enumerated() {
            let unit = UInt8(clamping: u)
            let result: Result<ReadResponse, ModbusError> = try wait("modbus scan of \(bus) unit \(u)") { done in
                w.submit(BusJob("console scan \(bus) \(unit)") { access in done(access.read(probe, unit: unit, device: nil)) })
            }
            var hit: ScanHit?
            switch result {
            case .success(.registers(let r)) where !r.isEmpty:
                hit = ScanHit(unit: u, answer: "holding 0 = 0x\(hex(Int(r[0]), digits: 4))")
            case .failure(let e):
                if let code = e.exceptionCode { hit = ScanHit(unit: u, answer: code.description) }
            default:
                break
            }
            if var h = hit {
                h.device = deviceAt(bus: bus, unit: u)
                hit = h
                hits.append(h)
            }
            if progress(ScanProgress(unit: u, done: n + 1, total: units.count, hit: hit)) == .stop { break }
        }
        return hits
    }

    /// The site's device polled at `unit` on `bus` now.
    private func deviceAt(bus: String, unit: Int) -> String? {
        started.site.devices.first { d in d.bus == bus && (gateway.buses[bus]?.unit(of: d.id).map(Int.init) ?? d.address) == unit }?.id
    }

    public func deviceActions(_ device: String) throws(BackendError) -> [DeviceAction] {
        actions(of: try siteDevice(device))
    }

    func actions(of d: DeviceConfig) -> [DeviceAction] {
        d.profile.commands.map { c in
            guard let p = c.parameters.first, c.parameters.count == 1 else { return DeviceAction(name: c.name, summary: c.description) }
            var allowed = p.choices.map { Int($0.value) }
            if allowed.isEmpty, p.integer, let r = p.range, r.upperBound - r.lowerBound <= 1000 {
                allowed = Array(Int(r.lowerBound)...Int(r.upperBound))
            }
            return DeviceAction(name: c.name, summary: c.description, argument: p.name.uppercased(), allowed: allowed)
        }
    }

    public func runDeviceAction(_ request: DeviceActionRequest, by actor: String) throws(BackendError) -> DeviceActionResult {
        let d = try siteDevice(request.device)
        guard let spec = d.profile.command(request.action) else {
            throw .rejected("the profile \(d.profile.id) of \(d.id) defines no \(request.action)")
        }
        guard spec.parameters.count <= 1 else {
            throw .rejected("\(request.action) takes \(spec.parameters.count) values; the console gives one (use the platform's RPC)")
        }
        var arguments: [String: Double] = [:]
        if let p = spec.parameters.first {
            guard let v = request.argument else { throw .rejected("\(request.action) needs \(p.name.uppercased())") }
            arguments[p.name] = Double(v)
        }
        let writes: [PointWrite]
        do {
            writes = try spec.writes(arguments: arguments)
        } catch {
            throw .rejected("\(request.action): \(error)")
        }
        guard let bus = d.bus else { throw .rejected("\(d.id) is not on a bus") }
        let w = try worker(bus)
        let configured = w.unit(of: d.id).map(Int.init) ?? d.address ?? 1
        let unit = UInt8(clamping: request.unit ?? configured)
        let id = d.id
        let result: Result<Void, ModbusError> = try wait("\(request.action) on \(d.id)") { done in
            w.submit(BusJob("console \(request.action) \(id)") { access in
                for write in writes {
                    if case .failure(let e) = access.write(write, unit: unit, device: id) { return done(.failure(e)) }
                }
                done(.success(()))
            })
        }
        if case .failure(let e) = result { throw .deviceError(e.description) }
        log.notice("\(actor): \(request.action)\(request.argument.map { " \($0)" } ?? "") on \(d.id) at unit \(unit)")
        guard request.action == "set-address", let new = request.argument else {
            return DeviceActionResult(message: "\(d.id) (unit \(unit)) took \(request.action)\(request.argument.map { " \($0)" } ?? "")")
        }
        return try followAddress(of: d, from: Int(unit), to: new, by: actor)
    }

    /// After `set-address`, the site config's address follows (and the bus worker polls there).
    private func followAddress(of d: DeviceConfig, from unit: Int, to new: Int, by actor: String) throws(BackendError) -> DeviceActionResult {
        guard let i = site.devices.firstIndex(where: { $0.id == d.id }) else {
            return DeviceActionResult(message: "unit \(unit) now answers at \(new)", old: "\(unit)", new: "\(new)")
        }
        let key = "devices[\(i)].address"
        guard site.devices[i].address != new else {
            return DeviceActionResult(message: "unit \(unit) now answers at \(new); \(key) is already \(new)", old: "\(unit)", new: "\(new)")
        }
        do {
            let change = try configSet(key, to: .number(Double(new)), by: actor)
            return DeviceActionResult(message: "unit \(unit) now answers at \(new); \(key) is \(new)", old: "\(unit)", new: "\(new)",
                                      configChange: change)
        } catch {
            return DeviceActionResult(message: "unit \(unit) now answers at \(new), but \(key) was not changed: \(error)", old: "\(unit)", new: "\(new)")
        }
    }

    /// A device of the site, or `.notFound` with close names.
    private func siteDevice(_ id: String) throws(BackendError) -> DeviceConfig {
        guard let d = started.site.device(id) else {
            throw .notFound(kind: "device", name: id, suggestions: closest(id, among: started.site.devices.map(\.id)))
        }
        return d
    }
}

extension ModbusFunction {
    /// The table a read function reads.
    var registerTable: RegisterTable? {
        switch self {
        case .readCoils: .coil
        case .readDiscreteInputs: .discrete
        case .readHoldingRegisters: .holding
        case .readInputRegisters: .input
        default: nil
        }
    }
}
