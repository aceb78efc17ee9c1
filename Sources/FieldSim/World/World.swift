import FieldCore
import FieldDevices
import FieldHAL

/// The simulated site: every device's model with its registers and lines, the systems they
/// share, and the control layer's forced values, ramps and faults. Not thread-safe: the
/// `Simulator` holds it under one lock, and its physics thread, control socket and wire write
/// hooks take turns.
final class World {
    let site: Site
    let board: Board
    let weather: Weather
    let systems: [any SimSystem]
    let devices: [SimulatedDevice]
    let gpio: GPIOWorld?
    /// The site's buses and TCP endpoints by bus name, once the wire side has made them.
    var buses: [String: any SimulatedBus] = [:]
    /// Knob ramps by target (`weather.pm-episode`).
    var knobRamps: [String: SimulatedDevice.Forcing] = [:]
    private var lastStep: Timestamp?

    /// Builds the models and their registers; the wire side attaches the banks to buses.
    init(site: Site, board: Board, gpio: GPIOWorld?) {
        self.site = site
        self.board = board
        self.gpio = gpio
        weather = Weather(latitude: site.info.latitude, longitude: site.info.longitude, utcOffsetMinutes: site.info.utcOffsetMinutes)
        let (models, systems) = ModelFactory(site: site, weather: weather).make()
        self.systems = systems
        devices = models.map { model in
            let d = model.device
            let bank = d.profile.usesModbus && d.bus != nil ? RegisterBank(profile: d.profile) : nil
            var lines: [String: BoardLine] = [:]
            for (signal, lineName) in d.signals {
                if let line = board.line(lineName) { lines[signal] = line }
            }
            return SimulatedDevice(model: model, bank: bank, lines: lines)
        }
        for d in devices { applyFactoryValues(d) }
    }

    func device(_ id: String) -> SimulatedDevice? { devices.first { $0.id == id } }
    func system(_ id: String) -> (any SimSystem)? { systems.first { $0.id == id } }

    /// Registers as shipped: the model's own, plus the unit address and baud code of a profile's
    /// `set-address` and `set-baud` commands, so reading them back gives what the site says.
    private func applyFactoryValues(_ d: SimulatedDevice) {
        guard let bank = d.bank else { return }
        var values = d.model.factoryValues()
        if let a = d.profile.command("set-address")?.writes.first, let unit = d.model.device.address {
            values[a.target.name] = .number(Double(unit))
        }
        if let b = d.profile.command("set-baud")?.writes.first, let busName = d.model.device.bus,
           case .rtu(let link)? = site.bus(busName)?.link,
           let code = d.profile.command("set-baud")?.parameters.first?.choices.first(where: { $0.value == Double(link.baud) })?.code {
            values[b.target.name] = .number(code)
        }
        for (name, value) in values {
            guard let spec = d.point(name) else { continue }
            try? bank.set(name, to: spec.representable(value))
        }
    }

    // MARK: Physics

    /// Advances every system and device to `time.now` and serves what they report.
    func step(wall: Int64, now: Timestamp) {
        let dt = lastStep.map { max(.zero, now - $0) } ?? .zero
        lastStep = now
        let time = StepTime(now: now, dt: dt, wall: wall)
        applyKnobRamps(at: now)
        for s in systems { s.step(time) }
        for d in devices { step(d, time) }
    }

    private func step(_ d: SimulatedDevice, _ time: StepTime) {
        var io = DeviceIO()
        if let bank = d.bank {
            for p in d.writable { io.held[p.name] = try? bank.get(p.name) }
        }
        if let gpio {
            for (signal, line) in d.lines where d.profile.signal(signal)?.direction == .output {
                io.outputs[signal] = gpio.level(line)
            }
        }
        d.model.step(time, io: &io)
        if d.unpowered == io.powered {
            d.unpowered = !io.powered
            d.updateWireFault()
        }
        serveValues(d, io.values, at: time.now)
        driveContacts(d, io.contacts)
    }

    private func serveValues(_ d: SimulatedDevice, _ values: [String: PointValue], at now: Timestamp) {
        guard let bank = d.bank else { return }
        var out: [String: PointValue] = [:]
        var names = Set(values.keys)
        names.formUnion(d.forced.keys)
        names.formUnion(d.faults.keys)
        for name in names {
            guard let spec = d.point(name) else { continue }
            let base = values[name] ?? (d.forced[name] != nil || d.faults[name] != nil ? try? bank.get(name) : nil)
            if let v = d.served(name, base, spec: spec, at: now) { out[name] = spec.representable(v) }
        }
        guard !out.isEmpty else { return }
        do {
            try bank.set(out)
        } catch {
            // A value of the wrong kind for its point: serve the others.
            for (name, v) in out { try? bank.set(name, to: v) }
        }
    }

    private func driveContacts(_ d: SimulatedDevice, _ contacts: [String: Bool]) {
        guard let gpio else { return }
        var levels = contacts
        for name in d.forced.keys where d.signal(name) != nil { levels[name] = levels[name] ?? d.contacts[name] ?? false }
        for (name, raw) in levels {
            guard let line = d.lines[name], d.profile.signal(name)?.direction == .input else { continue }
            let level = d.contact(name, raw)
            guard d.contacts[name] != level || gpio.level(line) != level else { continue }
            let bounce = d.contacts[name] == nil ? nil : d.bounce(name)
            d.contacts[name] = level
            gpio.drive(line, to: level, bounce: bounce)
        }
    }

    private func applyKnobRamps(at now: Timestamp) {
        for (target, ramp) in knobRamps {
            guard let knob = try? knob(target) else {
                knobRamps[target] = nil
                continue
            }
            try? knob.set(ramp.value(at: now).json)
            if case .ramp(_, _, let start, let duration) = ramp, now >= start + duration { knobRamps[target] = nil }
        }
    }

    // MARK: The wire

    /// A master wrote to a device: its model hears of it, and a new unit address takes effect
    /// from the next request.
    func gatewayWrote(_ id: String, _ write: GatewayWrite, wall: Int64, now: Timestamp) {
        guard let d = device(id) else { return }
        d.model.gatewayWrote(write, at: StepTime(now: now, dt: .zero, wall: wall))
        guard let target = d.profile.command("set-address")?.writes.first?.target.name,
              let address = write.values[target]?.number, let bus = d.bus, let bank = d.bank, let old = d.unit,
              address >= Double(ModbusLimits.deviceUnits.lowerBound), address <= Double(ModbusLimits.deviceUnits.upperBound),
              UInt8(address) != old else { return }
        let new = UInt8(address)
        guard bus.bank(unit: new) == nil else { return }
        bus.detach(unit: old)
        do {
            try bus.attach(bank, unit: new, faults: d.wireFaults)
            d.unit = new
        } catch {
            _ = try? bus.attach(bank, unit: old, faults: d.wireFaults)
        }
    }
}
