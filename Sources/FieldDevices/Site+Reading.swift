import FieldCore
import FieldHAL

extension Site {
    /// Reads and validates a site document. Every problem is reported through `o.reader` with its
    /// JSON path, all at once; nil when the site is unusable.
    ///
    /// - Parameter builtins: the built-in profiles by id; the site's own `profiles` are added to
    ///   them (a site profile may not reuse a built-in id).
    package static func read(_ o: JSONObjectReader, builtins: [String: DeviceProfile]) -> Site? {
        read(o, builtins: builtins, partial: false)
    }

    /// What of a site document reads, errors or not: the devices that read cleanly, so their
    /// app settings can be checked in the same run as the structural errors of the rest
    /// (check-config lists every error at once). Nil without a board.
    package static func readPartially(_ doc: JSONValue, builtins: [String: DeviceProfile]) -> Site? {
        let r = JSONReader()
        return r.object(doc).flatMap { read($0, builtins: builtins, partial: true) }
    }

    private static func read(_ o: JSONObjectReader, builtins: [String: DeviceProfile], partial: Bool) -> Site? {
        let r = o.reader
        let before = r.issues.count
        o.allow("$comment")
        let info = o.object("site", required: true).flatMap(readDetails)
        let board = o.string("board", required: true)
        let own = DeviceProfile.readAll(o)
        var profiles = builtins
        for (i, p) in own.enumerated() {
            if builtins[p.id] != nil {
                r.report(o.path.key("profiles").index(i).key("id"), "\"\(p.id)\" is a built-in profile's id; give your profile its own id")
            } else if profiles[p.id] != nil {
                r.report(o.path.key("profiles").index(i).key("id"), "profile \"\(p.id)\" is defined twice")
            }
            profiles[p.id] = p
        }
        // Ids of the site's profiles that failed to read: their errors are already reported, so
        // devices using them are not told the profile is unknown.
        let broken = Set((o.fields["profiles"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }).subtracting(profiles.keys)
        let buses = o.objects("buses") { readBus($0) } ?? []
        let busNames = Dictionary(buses.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let devices = o.objects("devices") { readDevice($0, profiles: profiles, broken: broken, buses: busNames) } ?? []
        let storage = o.object("storage").map(readStorage) ?? StorageConfig(path: nil, maxBytes: 32 << 20, telemetryInterval: .seconds(5))
        let uplink = o.object("uplink").flatMap(readUplink)
        let centre = o.object("uplinks").flatMap { readUplinks($0, devices: devices) }
        let console = o.object("console").flatMap(readConsole)
            ?? ConsoleConfig(serial: true, baud: nil, terminal: .auto, users: [], idleLogout: .seconds(600))
        o.finish()

        checkUnique(buses.map(\.name), at: o.path.key("buses"), what: "bus", r)
        checkUnique(devices.map(\.id), at: o.path.key("devices"), what: "device", r)
        checkAddresses(devices, at: o.path.key("devices"), r)
        if partial, let board {
            return Site(info: info ?? SiteDetails(id: "site", name: "", latitude: nil, longitude: nil, utcOffsetMinutes: 480),
                        board: board, buses: buses, devices: devices, profiles: own, storage: storage, uplink: uplink, console: console,
                        centre: centre)
        }
        guard r.issues.count == before, let info, let board else { return nil }
        return Site(info: info, board: board, buses: buses, devices: devices, profiles: own, storage: storage,
                    uplink: uplink, console: console, centre: centre)
    }

    private static func readDetails(_ o: JSONObjectReader) -> SiteDetails? {
        defer { o.finish() }
        let id = o.identifier("id", required: true)
        let name = o.string("name") ?? id ?? ""
        let lat = o.double("latitude", range: -90...90)
        let lon = o.double("longitude", range: -180...180)
        if (lat == nil) != (lon == nil), o.has("latitude") != o.has("longitude") {
            o.reader.report(o.path.key(lat == nil ? "latitude" : "longitude"), "missing (latitude and longitude go together)")
        }
        let offset = o.decode("utcOffset") { v, p -> Int? in
            guard let s = v.stringValue, let m = parseUTCOffset(s) else {
                o.reader.report(p, "expected an offset like \"+08:00\", got \(v.stringValue.map { "\"\($0)\"" } ?? v.kindDescription)")
                return nil
            }
            return m
        } ?? 480
        guard let id else { return nil }
        return SiteDetails(id: id, name: name, latitude: lat, longitude: lon, utcOffsetMinutes: offset)
    }

    private static func readBus(_ o: JSONObjectReader) -> BusConfig? {
        let r = o.reader
        let name = o.identifier("name", required: true)
        let type = o.string("type", required: true, oneOf: ["rtu", "tcp"])
        var link: BusConfig.Link?
        switch type {
        case "rtu":
            let port = o.identifier("port", required: true)
            let baud = o.int("baud", range: 300...921_600) ?? 9600
            if ![300, 600, 1200, 2400, 4800, 9600, 14_400, 19_200, 38_400, 57_600, 115_200, 230_400, 460_800, 921_600].contains(baud) {
                r.report(o.path.key("baud"), "\(baud) is not a standard baud rate (expected 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200)")
            }
            let parity = o.enumeration("parity", RTULink.Parity.self) ?? .none
            let dataBits = o.int("dataBits", range: 7...8) ?? 8
            let stopBits = o.int("stopBits", range: 1...2) ?? 1
            if let port { link = .rtu(RTULink(port: port, baud: baud, parity: parity, dataBits: dataBits, stopBits: stopBits)) }
        case "tcp":
            let host = o.string("host", required: true)
            let port = o.int("port", range: 1...65535) ?? 502
            if let host {
                if host.isEmpty || host.contains(where: { $0 == " " || $0 == "/" }) {
                    r.report(o.path.key("host"), "\"\(host)\" is not a host name or address")
                } else {
                    link = .tcp(host: host, port: port)
                }
            }
        default:
            o.allow("port", "baud", "parity", "dataBits", "stopBits", "host")
        }
        let isTCP = type == "tcp"
        let responseTimeout = o.duration("responseTimeout", range: .milliseconds(10)...Duration.seconds(30)) ?? .milliseconds(isTCP ? 1000 : 500)
        let byteTimeout = o.duration("byteTimeout", range: .milliseconds(1)...Duration.seconds(5)) ?? .milliseconds(isTCP ? 500 : 100)
        let interFrame: Duration? = o.decode("interFrameDelay") { v, p -> Duration?? in
            if v.stringValue == "auto" { return Duration?.none }
            let parsed: Duration? = v.stringValue.flatMap(parseDuration) ?? v.numberValue.flatMap { Duration(checkedSeconds: $0) }
            guard let d = parsed, d >= .zero, d <= .seconds(1) else {
                r.report(p, "expected \"auto\" (3.5 characters) or a duration up to 1s, such as \"5ms\"")
                return Duration?.none
            }
            return d
        } ?? nil
        let turnaround = o.duration("turnaround", range: .zero...Duration.seconds(2)) ?? .milliseconds(100)
        let maxGap = o.int("maxGap", range: 0...100) ?? ReadLimits().maxGap
        let offlineAfter = o.int("offlineAfter", range: 1...100) ?? 3
        let maxBackoff = o.duration("maxBackoff", range: .seconds(1)...Duration.seconds(3600)) ?? .seconds(60)
        guard let name, let link else { return nil }
        return BusConfig(name: name, link: link, responseTimeout: responseTimeout, byteTimeout: byteTimeout,
                         interFrameDelay: interFrame, turnaround: turnaround, maxGap: maxGap, offlineAfter: offlineAfter,
                         maxBackoff: maxBackoff)
    }

    private static func readDevice(_ o: JSONObjectReader, profiles: [String: DeviceProfile], broken: Set<String>,
                                   buses: [String: BusConfig]) -> DeviceConfig? {
        let r = o.reader
        let before = r.issues.count
        let id = o.identifier("id", required: true)
        let name = o.string("name") ?? id ?? ""
        let family = o.enumeration("family", DeviceFamily.self)
        let profileID = o.string("profile", required: true)
        var profile: DeviceProfile?
        if let profileID {
            profile = profiles[profileID]
            if profile == nil, broken.contains(profileID) {
                r.report(o.path.key("profile"), "profile \"\(profileID)\" has errors (above)")
            } else if profile == nil {
                let near = profiles.keys.min { editDistance($0, profileID) < editDistance($1, profileID) }
                let hint = near.map { editDistance($0, profileID) <= 3 ? " (did you mean \"\($0)\"?)" : "" } ?? ""
                r.report(o.path.key("profile"), "unknown profile \"\(profileID)\"\(hint)")
            }
        }
        if let family, let profile, family != profile.family {
            r.report(o.path.key("family"), "\"\(family.rawValue)\" does not match profile \(profile.id)'s family \"\(profile.family.rawValue)\"")
        }
        let busName = o.identifier("bus")
        let address: Int?
        if let n = o.fields["address"]?.numberValue, n == n.rounded(), (30001...49999).contains(n) {
            // A register number from a data sheet (30004 = input register 4) typed as the unit.
            let register = Int(n)
            let table = register >= 40001 ? "holding" : "input"
            r.report(o.path.key("address"), "\(register) is not a unit address (expected 1…247): it looks like a register number "
                     + "(\(register) is \(table) register \(register % 10000), protocol address \(register % 10000 - 1)); a device's address is its "
                     + "Modbus unit id, its registers are in its profile's points")
            o.allow("address")
            address = nil
        } else {
            address = o.int("address", range: Int(ModbusLimits.tcpUnits.lowerBound)...Int(ModbusLimits.tcpUnits.upperBound))
        }
        let poll: Duration
        if let n = o.fields["poll"]?.numberValue, n >= 50, n <= 3_600_000 {
            // (Only where the number read as milliseconds would be a valid poll: beyond that it is out of range.)
            // A bare number is seconds; 500 is far more often meant as milliseconds.
            r.report(o.path.key("poll"), "\(formatNumber(n)) would be \(formatNumber(n)) seconds; did you mean \"\(formatNumber(n))ms\"? "
                     + "(write a unit: \"\(formatNumber(n))ms\" or \"\(formatNumber(n))s\")")
            o.allow("poll")
            poll = .seconds(1)
        } else {
            poll = o.duration("poll", range: .milliseconds(50)...Duration.seconds(3600)) ?? .seconds(1)
        }
        let enabled = o.bool("enabled") ?? true
        let signals: [String: String] = o.object("signals").map { s in
            var map: [String: String] = [:]
            for key in s.fields.keys.sorted() {
                guard let line = s.identifier(key) else { continue }
                if let profile, profile.signal(key) == nil {
                    let names = profile.signals.map(\.name)
                    r.report(s.path.key(key), names.isEmpty
                             ? "profile \(profile.id) has no GPIO signals"
                             : "profile \(profile.id) has no signal \"\(key)\" (signals: \(names.joined(separator: ", ")))")
                    continue
                }
                map[key] = line
            }
            s.finish()
            return map
        } ?? [:]
        if let points = o.object("points"), let base = profile {
            profile = base.overriding(points)
            points.finish()
        } else {
            o.allow("points")
        }
        let pointNames = Set((profile?.points.map(\.name) ?? []) + (profile?.signals.map(\.name) ?? []))
        let alarms = o.objects("alarms") { AlarmSpec.read($0, points: pointNames) } ?? []
        let settings = o.value("settings")
        if let settings, settings.objectValue == nil {
            r.report(o.path.key("settings"), "expected an object, got \(settings.kindDescription)")
        }

        if let profile, profile.usesModbus {
            if busName == nil { r.report(o.path.key("bus"), "missing (profile \(profile.id) has Modbus points: say which bus the device is on)") }
            if address == nil, !o.has("address") { r.report(o.path.key("address"), "missing (the device's Modbus unit address, 1–247)") }
        } else if let profile, busName != nil {
            r.report(o.path.key("bus"), "profile \(profile.id) has no Modbus points; remove \"bus\" and \"address\"")
        }
        if let busName {
            if let bus = buses[busName] {
                if let address, bus.isRTU, !ModbusLimits.isDeviceUnit(address, rtu: true) {
                    r.report(o.path.key("address"), "\(address) is not a unit address on an RTU bus (expected 1…247; 0 is broadcast)")
                } else if let address, !bus.isRTU, !ModbusLimits.isDeviceUnit(address, rtu: false) {
                    r.report(o.path.key("address"), "\(address) is not a usable unit id on Modbus TCP (expected 0 or 255 for the device itself, 1…247 behind a TCP-to-RTU gateway)")
                }
            } else {
                r.report(o.path.key("bus"), "no bus named \"\(busName)\" (buses: \(buses.keys.sorted().joined(separator: ", ")))")
            }
        }
        if let profile, profile.usesGPIO, !o.has("signals") {
            r.report(o.path.key("signals"), "missing (profile \(profile.id) has GPIO signals \(profile.signals.map(\.name).joined(separator: ", ")): map each to a board line)")
        }
        guard r.issues.count == before, let id, let profile else { return nil }
        return DeviceConfig(id: id, name: name, family: profile.family, profile: profile, bus: busName, address: address,
                            poll: poll, signals: signals, alarms: alarms, settings: settings, settingsPath: o.path.key("settings"), enabled: enabled)
    }

    private static func readStorage(_ o: JSONObjectReader) -> StorageConfig {
        defer { o.finish() }
        let path = o.string("path")
        let size = o.decode("maxSize") { v, p -> Int? in
            guard let n = v.stringValue.flatMap(parseByteSize) ?? v.numberValue.flatMap({ Int(exactly: $0.rounded(.down)) }), n >= 1 << 20, n <= 1 << 34 else {
                o.reader.report(p, "expected a size from 1MB to 16GB, such as \"64MB\"")
                return nil
            }
            return n
        }
        // The engine cuts telemetry on its 1 s tick: a shorter interval could not be honoured.
        let interval = o.duration("telemetryInterval", range: Duration.seconds(1)...Duration.seconds(3600))
        let mode = o.enumeration("telemetry", TelemetryMode.self)
        return StorageConfig(path: path, maxBytes: size ?? 32 << 20, telemetryInterval: interval ?? .seconds(5),
                             telemetryMode: mode ?? .every)
    }

    private static func readUplink(_ o: JSONObjectReader) -> UplinkConfig? {
        defer { o.finish() }
        let url = o.decode("url", required: true) { v, p -> MQTTURL? in
            guard let s = v.stringValue, let u = MQTTURL(s) else {
                o.reader.report(p, "expected mqtt://[user:pass@]host[:port] or mqtts://…, got \(v.stringValue.map { "\"\($0)\"" } ?? v.kindDescription)")
                return nil
            }
            return u
        }
        let clientID = o.string("clientId")
        if let clientID, clientID.isEmpty || clientID.utf8.count > 64 {
            o.reader.report(o.path.key("clientId"), "expected 1–64 characters")
        }
        let prefix = o.string("topicPrefix") ?? ""
        if prefix.contains("#") || prefix.contains("+") {
            o.reader.report(o.path.key("topicPrefix"), "a topic prefix cannot contain the wildcards + or #")
        }
        let keepalive = o.duration("keepalive", range: .seconds(5)...Duration.seconds(3600)) ?? .seconds(30)
        let tls: TLSConfig? = o.object("tls").flatMap { t in
            defer { t.finish() }
            guard let ca = t.string("ca", required: true) else { return nil }
            let cert = t.string("cert"), key = t.string("key")
            if (cert == nil) != (key == nil) {
                t.reader.report(t.path.key(cert == nil ? "cert" : "key"), "missing (a client certificate and its key go together)")
            }
            return TLSConfig(caFile: ca, certFile: cert, keyFile: key)
        }
        let allowRegisters = o.bool("allowRegisterRPC") ?? false
        let sole = o.bool("soleGateway") ?? false
        let rpcRole = o.enumeration("rpcRole", ConsoleUser.Role.self) ?? .technician
        guard let url else { return nil }
        return UplinkConfig(url: url, clientID: clientID, topicPrefix: prefix, keepalive: keepalive, tls: tls,
                            allowRegisterRPC: allowRegisters, soleGateway: sole, rpcRole: rpcRole)
    }

    private static func readConsole(_ o: JSONObjectReader) -> ConsoleConfig? {
        defer { o.finish() }
        let serial = o.bool("serial") ?? true
        let baud = o.int("baud", range: 1200...4_000_000)
        let terminal = o.enumeration("terminal", ConsoleConfig.Terminal.self) ?? .auto
        let idle = o.duration("idleLogout", range: .seconds(30)...Duration.seconds(86_400)) ?? .seconds(600)
        let users = o.objects("users") { u -> ConsoleUser? in
            let name = u.identifier("name", required: true)
            let role = u.enumeration("role", ConsoleUser.Role.self, required: true)
            let hash = u.string("hash", required: true)
            if let hash, !isCryptHash(hash) {
                u.reader.report(u.path.key("hash"), "not a crypt(3) hash (expected \"$y$…\" or \"$6$…\"; make one with `fieldgate passwd`; never put a clear password here)")
                return nil
            }
            guard let name, let role, let hash else { return nil }
            return ConsoleUser(name: name, role: role, passwordHash: hash)
        } ?? []
        checkUnique(users.map(\.name), at: o.path.key("users"), what: "user", o.reader)
        return ConsoleConfig(serial: serial, baud: baud, terminal: terminal, users: users, idleLogout: idle)
    }

    private static func checkUnique(_ names: [String], at path: JSONPath, what: String, _ r: JSONReader) {
        var seen: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            if let first = seen[n] {
                r.report(path.index(i), "\(what) \"\(n)\" is defined twice (first at \(path.index(first)))")
            } else {
                seen[n] = i
            }
        }
    }

    private static func checkAddresses(_ devices: [DeviceConfig], at path: JSONPath, _ r: JSONReader) {
        var seen: [String: String] = [:]
        for (i, d) in devices.enumerated() {
            guard let bus = d.bus, let address = d.address, d.enabled else { continue }
            let key = "\(bus)#\(address)"
            if let other = seen[key] {
                r.report(path.index(i).key("address"), "unit \(address) on \(bus) is already device \"\(other)\"")
            } else {
                seen[key] = d.id
            }
        }
    }

    /// Loads and validates a site file (board checks are separate: `check(against:)`).
    package static func load(path: String, builtins: [String: DeviceProfile]) throws -> Site {
        try parse(loadJSONDocument(path: path), source: path, builtins: builtins)
    }

    /// Validates a site document, throwing every problem at once.
    package static func parse(_ doc: JSONValue, source: String, builtins: [String: DeviceProfile]) throws(ConfigError) -> Site {
        let r = JSONReader()
        let site = r.object(doc).flatMap { read($0, builtins: builtins) }
        try r.check(source: source)
        guard let site else { throw ConfigError(source: source, issues: [ConfigIssue(path: .root, message: "not a site file")]) }
        return site
    }
}

/// `"+08:00"`, `"-03:30"`, `"+8"`, `"UTC"` → minutes east of UTC.
package func parseUTCOffset(_ s: String) -> Int? {
    if s == "UTC" || s == "Z" || s == "+00:00" { return 0 }
    guard let sign = s.first, sign == "+" || sign == "-" else { return nil }
    let body = s.dropFirst()
    let parts = body.split(separator: ":", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), let h = Int(parts[0]), (0...14).contains(h) else { return nil }
    let m = parts.count == 2 ? Int(parts[1]) : 0
    guard let m, (0...59).contains(m) else { return nil }
    return (sign == "-" ? -1 : 1) * (h * 60 + m)
}

/// `"64MB"`, `"512KB"`, `"1GB"`, `"1048576"` → bytes (binary multiples).
package func parseByteSize(_ s: String) -> Int? {
    let units: [(String, Int)] = [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1)]
    let t = s.uppercased()
    for (suffix, scale) in units where t.hasSuffix(suffix) {
        guard let n = Double(t.dropLast(suffix.count).trimmingPrefixAndSuffixSpaces()), n >= 0 else { return nil }
        // Int(exactly:) is nil past Int.max (a trap for Int(_:)), so "1e30GB" is refused, not fatal.
        return Int(exactly: (n * Double(scale)).rounded(.down))
    }
    // A size is never negative (found by TextFuzzTests: "-400" was taken as -400 bytes).
    return Int(t).flatMap { $0 >= 0 ? $0 : nil }
}

/// True for the crypt(3) hash formats libcrypt verifies (yescrypt, SHA-512/256, bcrypt).
package func isCryptHash(_ s: String) -> Bool {
    ["$y$", "$6$", "$5$", "$2b$", "$2y$", "$7$", "$gy$"].contains { s.hasPrefix($0) } && s.count >= 20 && !s.contains(":")
}

extension StringProtocol {
    func trimmingPrefixAndSuffixSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
