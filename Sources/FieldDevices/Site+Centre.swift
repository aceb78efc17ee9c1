import FieldCore

/// The optional GB 26875.3 link to a fire alarm operations centre (site file
/// `uplinks.gb26875`, docs/gb26875.md).
package struct CentreUplinkConfig: Sendable, Hashable {
    package var host: String
    package var port: Int
    /// This device's 6-byte address and the centre's, as numbers (low 48 bits).
    package var source: UInt64
    package var destination: UInt64
    package var ackTimeout: Duration
    package var retries: Int
    package var heartbeat: Duration
    package var analogInterval: Duration
    /// The bound on the centre's outbox file.
    package var maxBytes: Int
    package var points: [CentrePointConfig]
}

/// One point (or a whole device) as a component of a building fire facility system.
package struct CentrePointConfig: Sendable, Hashable {
    /// nil: a device-level entry.
    package var point: PointRef?
    package var device: String
    package var systemType: Int
    package var systemAddress: Int
    package var componentType: Int
    package var componentAddress: Int
    /// Analogue type code and the factor from the point's unit to the type's unit.
    package var analogType: Int?
    package var analogScale: Double
    /// State bit names set while a state point is true (`["started"]`).
    package var whenTrue: [String]?
    /// Alarm type → state bit names.
    package var alarms: [String: [String]]
}

extension CentreUplinkConfig {
    /// System type codes by name (GB/T 26875.3 table 4; docs/gb26875.md). The table has no
    /// electrical fire monitoring system (电气火灾监控系统): `electrical-fire` is a code of the
    /// user-defined range (128–255), the one an open-source codec of the standard uses (0x81);
    /// a centre with its own code takes a number.
    package static let systemTypes: [String: Int] = [
        "general": 0, "fire-alarm": 1, "linkage-control": 10, "hydrant": 11, "sprinkler": 12, "gas-extinguishing": 13,
        "water-spray-pump": 14, "water-spray-pressure": 15, "foam": 16, "dry-powder": 17, "smoke-control": 18,
        "fire-doors": 19, "fire-lift": 20, "broadcast": 21, "emergency-lighting": 22, "fire-power": 23, "fire-telephone": 24,
        "electrical-fire": 129,
    ]
    /// Component type codes by name (table 6): the fire-water codes (as DOMAIN.md reports them)
    /// and the electrical fire monitoring ones (电气火灾监控报警器 16, 剩余电流式 17, 测温式 18).
    package static let componentTypes: [String: Int] = [
        "general": 0, "electrical-fire-monitor": 16, "residual-current-detector": 17, "temperature-sensing-detector": 18,
        "fire-pump": 91, "fire-tank": 92, "sprinkler-pump": 95, "flow-indicator": 96, "signal-valve": 97,
        "alarm-valve": 98, "pressure-switch": 99,
    ]
    /// Analogue types by name (table 7) with the default factor from the family's unit. The table
    /// has no residual current of its own: `residual-current` is its current type (0.1 A) from a
    /// point in mA; `residual-current-ma` a user-defined type (128) in mA, for a centre that
    /// agrees to it.
    package static let analogTypes: [String: (code: Int, scale: Double, from: String)] = [
        "event-count": (1, 1, "count"), "height": (2, 100, "m → 0.01 m"), "temperature": (3, 10, "°C → 0.1 °C"),
        "pressure-mpa": (4, 10, "MPa → 0.1 MPa"), "pressure-kpa": (5, 10_000, "MPa → 0.1 kPa"), "gas": (6, 10, "%LEL → 0.1 %LEL"),
        "time": (7, 1, "s"), "voltage": (8, 10, "V → 0.1 V"), "current": (9, 10, "A → 0.1 A"), "flow": (10, 10, "L/s → 0.1 L/s"),
        "air-volume": (11, 10, "m³/min → 0.1 m³/min"), "air-speed": (12, 1, "m/s"),
        "residual-current": (9, 0.01, "mA → 0.1 A"), "residual-current-ma": (128, 1, "mA (user-defined type 128)"),
    ]
    /// State bit names a mapping may use.
    package static let stateNames = ["fire-alarm", "fault", "disabled", "supervisory", "started", "feedback", "delayed", "power-fault"]
}

extension Site {
    /// Reads `uplinks`: today one link, `gb26875`. Points and devices are checked against the
    /// site's devices and their profiles' points.
    static func readUplinks(_ o: JSONObjectReader, devices: [DeviceConfig]) -> CentreUplinkConfig? {
        defer { o.finish() }
        return o.object("gb26875").flatMap { readCentre($0, devices: devices) }
    }

    private static func readCentre(_ o: JSONObjectReader, devices: [DeviceConfig]) -> CentreUplinkConfig? {
        defer { o.finish() }
        let r = o.reader
        let host = o.string("host", required: true)
        if let host, host.isEmpty || host.contains("/") || host.contains(" ") { r.report(o.path.key("host"), "expected a host name or address") }
        let port = o.int("port", required: true, range: 1...65535)
        let address = 0...(1 << 48 - 1)
        let source = o.int("source", required: true, range: address)
        let destination = o.int("destination", range: address) ?? 0
        let ack = o.duration("ackTimeout", range: .milliseconds(100)...Duration.seconds(300)) ?? .seconds(10)
        let retries = o.int("retries", range: 0...100) ?? 3
        let heartbeat = o.duration("heartbeat", range: .seconds(1)...Duration.seconds(3600)) ?? .seconds(60)
        let analog = o.duration("analogInterval", range: .seconds(1)...Duration.seconds(86_400)) ?? .seconds(60)
        let maxBytes = o.int("maxSize", range: (1 << 20)...(1 << 30)) ?? 8 << 20
        let points = o.objects("points", required: true) { readPoint($0, devices: devices) } ?? []
        guard let host, let port, let source else { return nil }
        return CentreUplinkConfig(host: host, port: port, source: UInt64(source), destination: UInt64(destination), ackTimeout: ack,
                                  retries: retries, heartbeat: heartbeat, analogInterval: analog, maxBytes: maxBytes, points: points)
    }

    private static func readPoint(_ o: JSONObjectReader, devices: [DeviceConfig]) -> CentrePointConfig? {
        defer { o.finish() }
        let r = o.reader
        var ref: PointRef?
        var deviceID: String?
        if let name = o.string("point") {
            if let p = PointRef(name) {
                ref = p
                deviceID = p.device
                if let d = devices.first(where: { $0.id == p.device }) {
                    let names = d.profile.points.map(\.name) + d.profile.signals.map(\.name)
                    if !names.contains(p.point) {
                        r.report(o.path.key("point"), "device \"\(p.device)\" (profile \(d.profile.id)) has no point or signal \"\(p.point)\"")
                    }
                } else {
                    r.report(o.path.key("point"), "no device \"\(p.device)\" in the site's devices")
                }
            } else {
                r.report(o.path.key("point"), "expected DEVICE.POINT")
            }
            if o.has("device") { r.report(o.path.key("device"), "give either \"point\" or \"device\"") }
        } else if let d = o.string("device") {
            deviceID = d
            if !devices.contains(where: { $0.id == d }) { r.report(o.path.key("device"), "no device \"\(d)\" in the site's devices") }
        } else {
            r.report(o.path, "a mapping needs \"point\" (DEVICE.POINT) or \"device\"")
        }
        let system = code(o, "system", CentreUplinkConfig.systemTypes)
        let systemAddress = o.int("systemAddress", range: 0...255) ?? 1
        let component = code(o, "component", CentreUplinkConfig.componentTypes)
        let componentAddress = o.int("componentAddress", required: true, range: 0...Int(UInt32.max))
        var analogType: Int?
        var scale = 1.0
        if let a = o.value("analog") {
            if let name = a.stringValue {
                if let t = CentreUplinkConfig.analogTypes[name] {
                    (analogType, scale) = (t.code, t.scale)
                } else {
                    r.report(o.path.key("analog"), "unknown analogue type \"\(name)\"; one of \(CentreUplinkConfig.analogTypes.keys.sorted().joined(separator: ", ")), or {\"type\": CODE, \"scale\": FACTOR}")
                }
            } else if let ao = o.object("analog") {
                defer { ao.finish() }
                analogType = ao.int("type", required: true, range: 0...255)
                scale = ao.double("scale", range: -1e9...1e9) ?? 1
            }
        }
        let whenTrue = o.decode("whenTrue") { v, p in stateList(v, p, r) }
        var alarms: [String: [String]] = [:]
        if let ao = o.object("alarms") {
            for key in ao.fields.keys.sorted() {
                ao.allow(key)
                if let names = stateList(ao.fields[key]!, ao.path.key(key), r) { alarms[key] = names }
            }
        }
        guard let deviceID, let system, let component, let componentAddress else { return nil }
        return CentrePointConfig(point: ref, device: deviceID, systemType: system, systemAddress: systemAddress, componentType: component,
                                 componentAddress: componentAddress, analogType: analogType, analogScale: scale, whenTrue: whenTrue, alarms: alarms)
    }

    private static func code(_ o: JSONObjectReader, _ key: String, _ names: [String: Int]) -> Int? {
        o.decode(key, required: true) { v, p -> Int? in
            if let n = v.numberValue, n == n.rounded(), (0...255).contains(n) { return Int(n) }
            if let s = v.stringValue, let c = names[s] { return c }
            o.reader.report(p, "expected a code 0–255 or one of \(names.keys.sorted().joined(separator: ", "))")
            return nil
        }
    }

    private static func stateList(_ v: JSONValue, _ p: JSONPath, _ r: JSONReader) -> [String]? {
        guard let a = v.arrayValue, !a.isEmpty, a.allSatisfy({ $0.stringValue.map(CentreUplinkConfig.stateNames.contains) ?? false }) else {
            r.report(p, "expected a list of state bits: \(CentreUplinkConfig.stateNames.joined(separator: ", "))")
            return nil
        }
        return a.compactMap(\.stringValue)
    }
}
