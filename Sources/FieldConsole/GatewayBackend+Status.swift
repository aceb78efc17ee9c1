import FieldCore
import FieldDevices
import FieldHAL
import FieldRuntime

extension GatewayBackend {
    package func status() -> GatewayStatus {
        let now = clock.now()
        let alarms = gateway.engine.alarms
        var bySeverity: [Severity: Int] = [:]
        for a in alarms where a.active { bySeverity[a.severity, default: 0] += 1 }
        let list = devices()
        return GatewayStatus(
            site: site.info.id, board: started.board.id, time: now, utcOffsetMinutes: site.info.utcOffsetMinutes,
            uptime: now - gateway.startedAt, buses: started.site.buses.map(busStatus), uplink: uplink.uplinkStatus(),
            outbox: uplink.outboxStatus(), devicesOnline: list.filter { $0.state == .online || $0.state == .degraded }.count,
            devicesTotal: list.count, activeAlarms: bySeverity, unacknowledgedAlarms: alarms.filter { !$0.acknowledged }.count,
            maintenance: maintenanceWindows(now: now), centre: CentreLinkStatus(json: gateway.extraStatus["gb26875"]))
    }

    private func busStatus(_ bus: BusConfig) -> BusStatus {
        let stats = gateway.buses[bus.name]?.statistics
        let endpoint: String
        switch bus.link {
        case .tcp(let host, let port):
            endpoint = "\(host):\(port)"
        case .rtu(let rtu):
            let device = started.board.serialPort(rtu.port)?.device ?? rtu.port
            endpoint = "\(device) \(rtu.baud) \(rtu.dataBits)\(rtu.parity.rawValue)\(rtu.stopBits)"
        }
        let members = started.site.devices.filter { $0.enabled && $0.bus == bus.name && $0.profile.usesModbus }
        let offline = members.filter { stats?.devices[$0.id]?.online != true }
        let lastError = (offline + members).lazy.compactMap { d in stats?.devices[d.id]?.lastError.map { "\(d.id): \($0)" } }.first
        return BusStatus(name: bus.name, endpoint: endpoint, devices: members.count, devicesOnline: members.count - offline.count,
                         transactionsPerSecond: stats?.transactionsPerSecond ?? 0, errors: stats?.devices.values.reduce(0) { $0 + $1.failures } ?? 0,
                         lastError: lastError)
    }

    package func versionInfo() -> VersionInfo {
        VersionInfo(board: "\(started.board.id) (\(started.board.name))", components: libraryVersions())
    }

    package func devices() -> [DeviceSummary] {
        let points = gateway.engine.points.snapshot()
        let alarms = gateway.engine.alarms.filter(\.active)
        return started.site.devices.map { d in summary(d, points: points.filter { $0.ref.device == d.id }, alarms: alarms) }
    }

    private func summary(_ d: DeviceConfig, points: [PointSnapshot], alarms: [AlarmRecord]) -> DeviceSummary {
        let worker = d.bus.flatMap { gateway.buses[$0] }
        let own = points.filter { $0.info.source != .derived }
        let state: DeviceSummary.State
        if !d.enabled {
            state = .disabled
        } else if d.profile.usesModbus, worker?.statistics.devices[d.id]?.online != true {
            state = .offline
        } else if own.contains(where: { $0.reading?.quality == .commError }) && !d.profile.usesModbus {
            state = .offline
        } else if own.contains(where: { $0.reading.map { !$0.quality.isGood } ?? true }) {
            state = .degraded
        } else {
            state = .online
        }
        let lastSeen = own.compactMap(\.lastGood).max()
        let unit = worker?.unit(of: d.id).map(Int.init) ?? d.address
        return DeviceSummary(id: d.id, profile: d.profile.id, bus: d.bus, address: unit, state: state,
                             activeAlarms: alarms.filter { $0.id.device == d.id }.count, lastSeen: lastSeen)
    }

    package func device(_ id: String) throws(BackendError) -> DeviceDetail {
        guard let d = started.site.device(id) else {
            throw .notFound(kind: "device", name: id, suggestions: closest(id, among: started.site.devices.map(\.id)))
        }
        let points = gateway.engine.points.snapshot(device: id)
        let summary = summary(d, points: points, alarms: gateway.engine.alarms.filter(\.active))
        return DeviceDetail(summary: summary, points: points.map { snapshot($0, of: d) }, settings: site.device(id)?.settings ?? d.settings,
                            commands: d.profile.commands)
    }

    package func pointRefs() -> [PointRef] {
        gateway.engine.points.snapshot().map(\.ref)
    }

    package func point(_ ref: PointRef) throws(BackendError) -> PointSnapshot {
        guard let d = started.site.device(ref.device) else {
            throw .notFound(kind: "device", name: ref.device, suggestions: closest(ref.device, among: started.site.devices.map(\.id)))
        }
        guard let p = gateway.engine.points.point(ref) else {
            let names = gateway.engine.points.snapshot(device: ref.device).map(\.ref.point)
            throw .notFound(kind: "point", name: ref.description, suggestions: closest(ref.point, among: names).map { "\(ref.device).\($0)" })
        }
        return snapshot(p, of: d)
    }

    /// A point as the console shows it, with where it lives.
    private func snapshot(_ p: PointSnapshot, of d: DeviceConfig) -> PointSnapshot {
        var source = p.info.source.rawValue
        if let spec = d.profile.point(p.ref.point) {
            source = "\(spec.table) 0x\(hex(spec.address, digits: 4))"
            if let bits = spec.bits { source += bits.width == 1 ? " bit \(bits.lowest)" : " bits \(bits.lowest)-\(bits.lowest + bits.width - 1)" } else if !spec.table.isBitTable {
                source += " \(spec.type.rawValue)" + (spec.type.registerCount > 1 ? " \(spec.wordOrder.rawValue)" : "")
            }
        } else if let line = d.signals[p.ref.point] {
            source = "gpio \(line)"
        }
        var located = p
        located.location = source
        return located
    }

    package func history(_ ref: PointRef, since: Timestamp) throws(BackendError) -> [TrendBucket] {
        _ = try point(ref)
        let now = clock.now()
        let resolution = gateway.engine.points.trendShape.resolution
        let span = max(now - since, resolution)
        let slots = Int(min(2000, max(1, span.milliseconds / max(1, resolution.milliseconds))))
        guard let buckets = gateway.engine.points.history(ref, last: span, endingAt: now, slots: slots) else { return [] }
        return buckets.compactMap { $0 }
    }

    package func alarms() -> [AlarmRecord] { gateway.engine.alarms }

    package func acknowledge(_ id: AlarmID, by actor: String) throws(BackendError) -> AlarmRecord {
        guard var record = gateway.engine.alarms.first(where: { $0.id == id }) else {
            throw .notFound(kind: "alarm", name: id.rawValue, suggestions: closest(id.rawValue, among: gateway.engine.alarms.map(\.id.rawValue)))
        }
        guard !record.acknowledged else { throw .rejected("\(id) was already acknowledged by \(record.acknowledgedBy ?? "someone")") }
        _ = try command(.acknowledge(id), by: actor, "ack \(id)")
        record.acknowledgedAt = clock.now()
        record.acknowledgedBy = actor
        return record
    }

    package func recentLog(_ count: Int) -> [LogLine] { LogBook.shared.recent(count) }
}

/// The C libraries the firmware runs on, by name.
func libraryVersions() -> [String: String] {
    ["libmodbus": ModbusClient.libraryVersion, "sqlite": SQLiteDatabase.libraryVersion]
}
