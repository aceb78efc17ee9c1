import FieldCore
import FieldDevices
import FieldEngine

extension Gateway {
    /// The local API's requests: `{"op": "points" [, "device": ID]}`, `"status"`, `"alarms"`,
    /// `"devices"`, `"buses"`, and `{"op": "command", …}` (see docs/configuration.md).
    func handleAPI(_ request: JSONValue, reply: @escaping @Sendable (Result<JSONValue, CommandError>) -> Void) {
        guard let op = request["op"]?.stringValue else {
            return reply(.failure(CommandError(.invalidArgument, "a request needs \"op\" (points, status, alarms, devices, buses)")))
        }
        switch op {
        case "points":
            let device = request["device"]?.stringValue
            if let device, configuration.site.device(device) == nil {
                return reply(.failure(CommandError(.notFound, "no device \(device)")))
            }
            reply(.success(.array(engine.points.snapshot(device: device).map(\.json))))
        case "alarms":
            reply(.success(.array(engine.alarms.map(\.json))))
        case "devices":
            reply(.success(.array(devicesJSON)))
        case "buses":
            reply(.success(.array(buses.keys.sorted().map { buses[$0]!.statistics.json })))
        case "status":
            reply(.success(statusJSON))
        case "command":
            // An app command, as the console and RPC give it: {"op": "command", "device": ID,
            // "command": NAME, "arguments": {…}}. The socket is root and group only (0660).
            guard let device = request["device"]?.stringValue, let name = request["command"]?.stringValue else {
                return reply(.failure(CommandError(.invalidArgument, "a command needs \"device\" and \"command\" (and \"arguments\")")))
            }
            engine.post(.command(.app(device: device, command: name, arguments: request["arguments"] ?? .object([:])),
                                 CommandOrigin(user: "local-api", role: .admin, channel: .local), reply: reply))
        case "device-command":
            // A profile's command (`reset`, `self-test`, `set-leakage-alarm`…), as the console's
            // `modbus calibrate` and the platform's RPC give it: {"op": "device-command", "device":
            // ID, "command": NAME, "arguments": {PARAMETER: NUMBER}}; the engine checks it against
            // the profile's command spec.
            guard let device = request["device"]?.stringValue, let name = request["command"]?.stringValue else {
                return reply(.failure(CommandError(.invalidArgument, "a device command needs \"device\" and \"command\" (and \"arguments\")")))
            }
            var given: [String: JSONValue] = [:]
            if let arguments = request["arguments"] {
                guard case .object(let o) = arguments else {
                    return reply(.failure(CommandError(.invalidArgument, "arguments: expected an object {PARAMETER: NUMBER}, got \(arguments.kindDescription)")))
                }
                given = o
            }
            var numbers: [String: Double] = [:]
            for (key, value) in given {
                guard case .number(let n) = value else {
                    return reply(.failure(CommandError(.invalidArgument, "arguments.\(key): expected a number, got \(value.kindDescription)")))
                }
                numbers[key] = n
            }
            engine.post(.command(.deviceCommand(device: device, command: name, arguments: numbers),
                                 CommandOrigin(user: "local-api", role: .admin, channel: .local), reply: reply))
        default:
            reply(.failure(CommandError(.invalidArgument, "unknown op \"\(op)\" (expected points, status, alarms, devices, buses, command, device-command)")))
        }
    }

    var devicesJSON: [JSONValue] {
        let online = engine.online
        return configuration.site.devices.map { d in
            var o: [String: JSONValue] = ["id": .string(d.id), "profile": .string(d.profile.id), "family": .string(d.family.rawValue),
                                          "enabled": .bool(d.enabled)]
            if let bus = d.bus { o["bus"] = .string(bus) }
            if let a = d.address { o["address"] = .number(Double(a)) }
            if d.profile.usesModbus { o["online"] = .bool(online[d.id] ?? false) }
            if let stats = d.bus.flatMap({ buses[$0]?.statistics.devices[d.id] }) { o["stats"] = stats.json }
            return .object(o)
        }
    }

    var statusJSON: JSONValue {
        let alarms = engine.alarms
        let online = engine.online
        var o: [String: JSONValue] = [
            "version": .string(FieldgateVersion.string),
            "site": .string(configuration.site.info.id),
            "board": .string(configuration.board.id),
            "startedAt": .string(startedAt.description),
            // The CLI shows times in the site's local time, as the console does.
            "now": .string(clock.now().description),
            "utcOffsetMinutes": .number(Double(configuration.site.info.utcOffsetMinutes)),
            "devices": .number(Double(configuration.site.devices.count)),
            "devicesOffline": .number(Double(online.values.filter { !$0 }.count)),
            "alarmsActive": .number(Double(alarms.filter(\.active).count)),
            "alarmsUnacknowledged": .number(Double(alarms.filter { !$0.acknowledged }.count)),
            "buses": .array(buses.keys.sorted().map { buses[$0]!.statistics.json }),
        ]
        o.merge(extraStatus) { _, extra in extra }
        return .object(o)
    }
}

extension PointSnapshot {
    var json: JSONValue {
        var o: [String: JSONValue] = ["point": .string(ref.description), "unit": .string(info.unit), "source": .string(info.source.rawValue)]
        if let r = reading {
            o["value"] = r.value?.jsonValue ?? .null
            o["quality"] = .string(r.quality.rawValue)
            o["time"] = .string(r.time.description)
        } else {
            o["value"] = .null
            o["quality"] = .string("none")
        }
        return .object(o)
    }
}

extension AlarmRecord {
    var json: JSONValue {
        var o: [String: JSONValue] = ["id": .string(id.rawValue), "severity": .string(severity.rawValue), "active": .bool(active),
                                      "raisedAt": .string(raisedAt.description), "message": .string(message),
                                      "acknowledged": .bool(acknowledged)]
        if let v = valueAtRaise { o["value"] = v.jsonValue }
        if let c = clearedAt { o["clearedAt"] = .string(c.description) }
        if let by = acknowledgedBy { o["acknowledgedBy"] = .string(by) }
        return .object(o)
    }
}

extension DeviceStatistics {
    var json: JSONValue {
        var o: [String: JSONValue] = [
            "requests": .number(Double(requests)), "failures": .number(Double(failures)), "timeouts": .number(Double(timeouts)),
            "crcErrors": .number(Double(crcErrors)), "exceptions": .number(Double(exceptions)),
            "latencyAvgMs": .number((averageLatencyMillis * 100).rounded() / 100),
            "latencyMaxMs": .number(Double(latencyMaxMicros / 10) / 100), "online": .bool(online),
        ]
        if let e = lastError { o["lastError"] = .string(e) }
        if !refused.isEmpty { o["refused"] = .object(refused.mapValues { .string($0) }) }
        if discardedBytes > 0 { o["discardedBytes"] = .number(Double(discardedBytes)) }
        return .object(o)
    }
}

extension BusStatistics {
    var json: JSONValue {
        [
            "name": .string(name),
            "transactionsPerSecond": .number((transactionsPerSecond * 10).rounded() / 10),
            "utilisation": .number((utilisation * 1000).rounded() / 1000),
            "queuedJobs": .number(Double(queuedJobs)),
        ]
    }
}
