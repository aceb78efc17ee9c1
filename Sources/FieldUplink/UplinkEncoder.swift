import FieldCore
import FieldEngine
import FieldStore

/// Builds every message the gateway sends (docs/uplink.md shows one of each, and a test checks
/// the page against this code). Pure: topics and payloads from values, no I/O.
package struct UplinkEncoder: Sendable {
    package let topics: UplinkTopics
    package let identity: UplinkIdentity

    package init(topics: UplinkTopics, identity: UplinkIdentity) {
        self.topics = topics
        self.identity = identity
    }

    // MARK: - Devices behind the gateway

    /// Readings of devices behind the gateway, one message: `{"<device>": [{"ts": …, "values": {…}}]}`.
    /// Nil when no sample has a value to send.
    package func telemetry(_ samples: [TelemetrySample]) -> OutboxMessage? {
        var byDevice: [String: [JSONValue]] = [:]
        for s in samples.sorted(by: { $0.time < $1.time }) {
            let values = s.values.compactMapValues(json)
            guard !values.isEmpty else { continue }
            byDevice[identity.platformName(s.device), default: []].append(["ts": .number(Double(s.time.milliseconds)), "values": .object(values)])
        }
        guard !byDevice.isEmpty else { return nil }
        return message(topics.telemetry, .object(byDevice.mapValues(JSONValue.array)))
    }

    /// An alarm event on the alarm topic, and its mirror as telemetry keys of the device
    /// (`alarm.<point>.<type>`: 1 raised, 0 cleared; `….ack`: 1 acknowledged, 0 on a new raise).
    package func alarm(_ event: AlarmEvent) -> [OutboxMessage] {
        var body: [String: JSONValue] = [
            "gateway": .string(identity.gateway),
            "alarm": .string(event.id.rawValue),
            "device": .string(identity.platformName(event.id.device)),
            "type": .string(event.id.type),
            "event": .string(event.kind.rawValue),
            "severity": .string(event.severity.rawValue),
            "ts": .number(Double(event.time.milliseconds)),
            "message": .string(event.message),
        ]
        if let v = event.value.flatMap(json) { body["value"] = v }
        if let by = event.by { body["by"] = .string(by) }
        let key = UplinkEncoder.alarmKey(event.id)
        let mirror: [String: JSONValue] = switch event.kind {
        case .raise: [key: 1, key + ".ack": 0]
        case .clear: [key: 0]
        case .acknowledge: [key + ".ack": 1]
        }
        let sample: JSONValue = ["ts": .number(Double(event.time.milliseconds)), "values": .object(mirror)]
        return [message(topics.alarms, .object(body)),
                message(topics.telemetry, [identity.platformName(event.id.device): [sample]])]
    }

    /// The telemetry key that mirrors alarm `id` on its device: `alarm.<point>.<type>` for an
    /// alarm on a point (`hydrant-main.pressure/low-pressure` → `alarm.pressure.low-pressure`),
    /// `alarm.<type>` for one on the device (`lift-1/trapped-passenger` → `alarm.trapped-passenger`).
    package static func alarmKey(_ id: AlarmID) -> String {
        let source = id.rawValue.prefix { $0 != "/" }
        if let dot = source.firstIndex(of: ".") {
            return "alarm.\(source[source.index(after: dot)...]).\(id.type)"
        }
        return "alarm.\(id.type)"
    }

    /// `{"device": "<device>", "type": "<profile>"}`: ThingsBoard creates the device with the
    /// profile as its device profile.
    package func connect(_ device: UplinkDevice) -> OutboxMessage {
        message(topics.connect, ["device": .string(identity.platformName(device.id)), "type": .string(device.profile)])
    }

    package func disconnect(_ device: UplinkDevice) -> OutboxMessage {
        message(topics.disconnect, ["device": .string(identity.platformName(device.id))])
    }

    /// Every device's description in one message: `{"<device>": {"profile": …, "unit.<point>": …}}`.
    package func deviceAttributes(_ devices: [UplinkDevice]) -> OutboxMessage {
        var all: [String: JSONValue] = [:]
        for d in devices {
            var a: [String: JSONValue] = [
                "deviceId": .string(d.id), "gateway": .string(identity.gateway), "profile": .string(d.profile),
                "family": .string(d.family),
            ]
            if !d.name.isEmpty { a["name"] = .string(d.name) }
            if let app = d.app { a["app"] = .string(app) }
            if !d.vendor.isEmpty { a["vendor"] = .string(d.vendor) }
            if !d.model.isEmpty { a["model"] = .string(d.model) }
            if let bus = d.bus { a["bus"] = .string(bus) }
            if let address = d.address { a["address"] = .number(Double(address)) }
            for (point, unit) in d.units { a["unit.\(point)"] = .string(unit) }
            for (k, v) in d.extra { a[k] = v }
            all[identity.platformName(d.id)] = .object(a)
        }
        return message(topics.attributes, .object(all))
    }

    // MARK: - The gateway itself

    /// The gateway's own attributes: firmware, board, site, where its alarms go.
    package func gatewayAttributes(deviceCount: Int) -> OutboxMessage {
        var a: [String: JSONValue] = [
            "firmwareVersion": .string(identity.firmware), "site": .string(identity.gateway),
            "devices": .number(Double(deviceCount)), "alarmTopic": .string(topics.alarms), "statusTopic": .string(topics.status),
        ]
        if !identity.board.isEmpty { a["board"] = .string(identity.board) }
        if !identity.siteName.isEmpty { a["siteName"] = .string(identity.siteName) }
        if let lat = identity.latitude { a["latitude"] = .number(lat) }
        if let lon = identity.longitude { a["longitude"] = .number(lon) }
        return message(topics.gatewayAttributes, .object(a))
    }

    /// The gateway's health as its own telemetry: `{"ts": …, "values": {"outbox.depth": …, …}}`.
    package func health(_ h: GatewayHealth) -> OutboxMessage {
        var v: [String: JSONValue] = ["uptime": .number(Double(h.uptime.milliseconds / 1000))]
        if let o = h.outbox {
            v["outbox.depth"] = .number(Double(o.totalDepth))
            v["outbox.bytes"] = .number(Double(o.bytes))
            v["outbox.fill"] = .number((Double(o.bytes) / Double(max(o.maxBytes, 1)) * 1000).rounded() / 1000)
            v["outbox.memory"] = .number(Double(o.memory))
            v["outbox.diskFull"] = .bool(o.diskFull)
            for (kind, name) in [(OutboxClass.alarm, "alarms"), (.command, "commands"), (.telemetry, "telemetry")] {
                v["outbox.\(name)"] = .number(Double(o.depth[kind] ?? 0))
                v["outbox.dropped.\(name)"] = .number(Double(o.dropped[kind] ?? 0))
            }
        }
        if let u = h.uplink {
            v["mqtt.reconnects"] = .number(Double(u.reconnects))
            v["rpc.received"] = .number(Double(u.rpcReceived))
            v["rpc.rejected"] = .number(Double(u.rpcRejected))
        }
        for b in h.buses {
            if b.utilisation.isFinite { v["bus.\(b.name).utilisation"] = .number((b.utilisation * 1000).rounded() / 1000) }
            v["bus.\(b.name).transactions"] = .number(Double(b.transactions))
            v["bus.\(b.name).errors"] = .number(Double(b.errors))
        }
        for d in h.devices {
            v["device.\(d.id).online"] = .bool(d.online)
            v["device.\(d.id).errors"] = .number(Double(d.errors))
        }
        return message(topics.gatewayTelemetry, ["ts": .number(Double(h.time.milliseconds)), "values": .object(v)])
    }

    /// The retained status message: `{"online": true, "ts": …}`; the last will is `{"online": false}`.
    package func status(online: Bool, at time: Timestamp? = nil) -> OutboxMessage {
        var body: [String: JSONValue] = ["online": .bool(online)]
        if let time { body["ts"] = .number(Double(time.milliseconds)) }
        return message(topics.status, .object(body))
    }

    // MARK: - Answers to commands

    /// The answer to an RPC request: `{"success": true, "result": …}` or
    /// `{"success": false, "error": "<code>", "message": "…"}`, addressed the way the request came.
    package func rpcReply(to address: UplinkRPCAddress, _ result: Result<JSONValue, CommandError>) -> OutboxMessage {
        let data: JSONValue = switch result {
        case .success(let value): ["success": true, "result": value]
        case .failure(let e): ["success": false, "error": .string(e.code.rawValue), "message": .string(e.message)]
        }
        switch address {
        case .device(let name, let id):
            return message(topics.rpc, ["device": .string(name), "id": id, "data": data])
        case .gateway(let requestID):
            return message(topics.gatewayRPCResponse(requestID), data)
        }
    }

    private func message(_ topic: String, _ body: JSONValue) -> OutboxMessage {
        OutboxMessage(topic: topic, payload: body.serialized())
    }

    private func json(_ v: PointValue) -> JSONValue? {
        switch v {
        case .number(let n): n.isFinite ? .number(n) : nil
        case .bool(let b): .bool(b)
        case .text(let s): .string(s)
        }
    }
}
