import FieldCore
import FieldDevices
import FieldHAL
import FieldRuntime

/// Scans: each probe is a `BusJob` on the bus's worker, so it waits its turn between polls and
/// never talks over them (a bus is half-duplex). Raw reads and writes and profile commands go
/// through the engine as `GatewayCommand`s (`execute`), like the platform's.
extension GatewayBackend {
    /// Probes each unit with a read of holding register 0: any valid answer, an exception
    /// included, means a device is there.
    package func modbusScan(bus: String, units: ClosedRange<Int>, progress: (ScanProgress) -> ScanDecision) throws(BackendError) -> [ScanHit] {
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

    package func deviceCommands(_ device: String) throws(BackendError) -> [CommandSpec] {
        try siteDevice(device).profile.commands
    }

    package func appCommands(_ device: String) throws(BackendError) -> [CommandSpec] {
        gateway.engine.appCommands(try siteDevice(device).id)
    }

    /// A device of the site, or `.notFound` with close names.
    private func siteDevice(_ id: String) throws(BackendError) -> DeviceConfig {
        guard let d = started.site.device(id) else {
            throw .notFound(kind: "device", name: id, suggestions: closest(id, among: started.site.devices.map(\.id)))
        }
        return d
    }
}
