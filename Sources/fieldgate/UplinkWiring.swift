import FieldConsole
import FieldCore
import FieldRuntime

/// What the console's `status` and the local API show of the uplink and the outbox.
struct RuntimeUplinkMonitor: UplinkMonitor {
    var uplink: Uplink?
    var outbox: Outbox?
    /// The broker named on the command line or in the site file, shown while there is no uplink.
    var configured: String?

    func uplinkStatus() -> UplinkStatus {
        guard let uplink else {
            return UplinkStatus(broker: configured ?? "(none configured)", state: .disabled,
                                lastError: configured == nil ? nil : "the uplink could not be started (see the log)")
        }
        return uplink.status
    }

    func outboxStatus() -> OutboxStatus {
        guard let stats = outbox?.stats else { return OutboxStatus(pending: 0) }
        return OutboxStatus(pending: stats.depth.values.reduce(0, +))
    }

    /// The same, for the local API's `status`.
    var json: [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        if let uplink {
            let s = uplink.status
            var u: [String: JSONValue] = ["broker": .string(s.broker), "connected": .bool(s.connected), "reconnects": .number(Double(s.reconnects))]
            if let e = s.lastError { u["lastError"] = .string(e) }
            o["uplink"] = .object(u)
        } else {
            o["uplink"] = ["broker": configured.map { .string($0) } ?? .null, "connected": false]
        }
        if let stats = outbox?.stats {
            o["outbox"] = [
                "pending": .number(Double(stats.depth.values.reduce(0, +))),
                "bytes": .number(Double(stats.bytes)), "maxBytes": .number(Double(stats.maxBytes)),
                "dropped": .number(Double(stats.dropped.values.reduce(0, +))), "inFlight": .number(Double(stats.inFlight)),
                "memory": .number(Double(stats.memory)), "diskFull": .bool(stats.diskFull),
            ]
        }
        return o
    }
}

extension Gateway {
    /// Gateway health for the platform: per-bus utilisation and errors, per-device state.
    func health(now: Timestamp) -> GatewayHealth {
        let online = engine.online
        let stats = buses.values.map(\.statistics)
        let devices = stats.flatMap { bus in
            bus.devices.map { id, d in DeviceHealth(id: id, online: online[id] ?? d.online, errors: d.failures) }
        }.sorted { $0.id < $1.id }
        return GatewayHealth(time: now, uptime: now - startedAt,
                             buses: stats.map { b in
                                 BusHealth(name: b.name, utilisation: b.utilisation, transactions: b.devices.values.reduce(0) { $0 + $1.requests },
                                           errors: b.devices.values.reduce(0) { $0 + $1.failures })
                             }.sorted { $0.name < $1.name },
                             devices: devices)
    }
}
