import FieldCore

/// The simulated centre's own reading of GB/T 26875.3-2011 frames, written from the standard's
/// tables (docs/gb26875.md) and deliberately sharing nothing with the firmware's `GB26875`
/// encoder: it is the independent check of what the gateway sends.
///
/// Frame (§6, table 1): `@@` · serial (2, low byte first) · version (2: major, minor) · time label
/// (6: s m h D M Y−2000) · source (6) · destination (6) · application data length (2, low byte
/// first) · command (1) · application data · checksum (1: sum mod 256 of serial … data) · `##`.
enum CentreDecoder {
    static let headerBytes = 27
    static let trailerBytes = 3

    /// Commands (table 2).
    static let commandNames: [UInt8: String] = [1: "control", 2: "send-data", 3: "confirm", 4: "request", 5: "response", 6: "deny"]

    /// Upload data unit types the centre accepts from a device (table 3): the object's body
    /// length and whether a 6-byte time label follows it.
    static let uploadTypes: [UInt8: (name: String, body: Int, timed: Bool)] = [
        1: ("system-status", 4, true),
        2: ("component-status", 40, true),
        3: ("analog-value", 10, true),
        4: ("operation-record", 4, true),
        5: ("software-version", 4, false),
        8: ("system-time", 2, true),
        21: ("device-status", 1, true),
        24: ("device-operation", 2, true),
        25: ("device-software-version", 2, false),
        28: ("device-time", 0, true),
    ]
    // A response (command 5) answers a read with the upload unit of what was read: 61 → 1,
    // 62 → 2, 63 → 3, 68 → 8, 81 → 21, 85 → 25, 88 → 28; its objects read as above.


    /// Where a frame starts in `bytes` and how long it is, or why none is there yet.
    enum Cut: Equatable {
        case frame(start: Int, length: Int)
        case needMore
        /// Bytes to skip and why (garbage before a start mark, an absurd length).
        case skip(Int, String)
    }

    /// The largest application data the centre accepts in one frame (the standard's limit on
    /// the application data unit is 1024 bytes).
    static let maxData = 1024

    static func cut(_ b: [UInt8]) -> Cut {
        guard let start = b.indices.dropLast().first(where: { b[$0] == 0x40 && b[$0 + 1] == 0x40 }) else {
            if b.count > 1 { return .skip(b.last == 0x40 ? b.count - 1 : b.count, "bytes without a start mark @@") }
            return b == [0x40] || b.isEmpty ? .needMore : .skip(1, "a byte without a start mark @@")
        }
        if start > 0 { return .skip(start, "bytes before a start mark @@") }
        guard b.count >= headerBytes else { return .needMore }
        let length = Int(b[24]) + 256 * Int(b[25])
        guard length <= maxData else { return .skip(2, "application data length \(length) over the standard's \(maxData) bytes") }
        let total = headerBytes + length + trailerBytes
        return b.count >= total ? .frame(start: 0, length: total) : .needMore
    }

    /// A whole frame (from `cut`) decoded and validated; the error says which field is wrong.
    static func decode(_ f: [UInt8]) -> Result<CentreFrame, CentreDecodeError> {
        guard f.count >= headerBytes + trailerBytes else { return .failure(.init("frame of \(f.count) bytes is shorter than the 30-byte minimum")) }
        guard f[0] == 0x40, f[1] == 0x40 else { return .failure(.init("no start mark @@")) }
        let length = Int(f[24]) + 256 * Int(f[25])
        guard f.count == headerBytes + length + trailerBytes else {
            return .failure(.init("length field says \(length) data bytes, the frame has \(f.count - headerBytes - trailerBytes)"))
        }
        guard f[f.count - 2] == 0x23, f[f.count - 1] == 0x23 else { return .failure(.init("no end mark ##")) }
        var sum = 0
        for i in 2..<(f.count - 3) { sum = (sum + Int(f[i])) % 256 }
        guard sum == Int(f[f.count - 3]) else {
            return .failure(.init("checksum \(f[f.count - 3]) does not match the sum \(sum) of bytes 2…\(f.count - 4)", serial: serial(f)))
        }
        guard let command = commandNames[f[26]] else { return .failure(.init("unknown command byte \(f[26])", serial: serial(f))) }
        guard let time = timeLabel(Array(f[6..<12])) else {
            return .failure(.init("invalid time label \(Array(f[6..<12]))", serial: serial(f)))
        }
        let data = Array(f[headerBytes..<(headerBytes + length)])
        var frame = CentreFrame(serial: serial(f), version: "\(f[4]).\(f[5])", time: time, source: Array(f[12..<18]),
                                destination: Array(f[18..<24]), command: command, units: [])
        if command == "send-data" || command == "response" {
            switch units(data) {
            case .success(let u): frame.units = u
            case .failure(var e):
                e.serial = frame.serial
                return .failure(e)
            }
        } else if !data.isEmpty && (command == "confirm" || command == "deny") {
            return .failure(.init("a \(command) carries \(data.count) data bytes (expected none)", serial: frame.serial))
        }
        return .success(frame)
    }

    private static func serial(_ f: [UInt8]) -> Int { Int(f[2]) + 256 * Int(f[3]) }

    /// Time label: second, minute, hour, day, month, year − 2000, each checked.
    static func timeLabel(_ b: [UInt8]) -> String? {
        guard b.count == 6, b[0] < 60, b[1] < 60, b[2] < 24, (1...31).contains(b[3]), (1...12).contains(b[4]) else { return nil }
        func two(_ v: UInt8) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(2000 + Int(b[5]))-\(two(b[4]))-\(two(b[3]))T\(two(b[2])):\(two(b[1])):\(two(b[0]))"
    }

    /// The data units of a send-data frame: type, count, objects of the type's fixed size.
    static func units(_ data: [UInt8]) -> Result<[JSONValue], CentreDecodeError> {
        var at = 0
        var out: [JSONValue] = []
        guard !data.isEmpty else { return .failure(.init("send-data or response frame without data units")) }
        while at < data.count {
            guard data.count - at >= 2 else { return .failure(.init("data unit header cut short at byte \(at)")) }
            let type = data[at], count = Int(data[at + 1])
            guard let spec = uploadTypes[type] else { return .failure(.init("data unit type \(type) is not one a device uploads (table 3)")) }
            let size = spec.body + (spec.timed ? 6 : 0)
            guard count > 0 else { return .failure(.init("data unit type \(type) with no objects")) }
            guard data.count - at - 2 >= count * size else {
                return .failure(.init("data unit type \(type): \(count) objects of \(size) bytes need \(count * size), \(data.count - at - 2) left"))
            }
            at += 2
            for _ in 0..<count {
                let o = Array(data[at..<(at + size)])
                at += size
                switch object(type: type, name: spec.name, o, body: spec.body, timed: spec.timed) {
                case .success(let v): out.append(v)
                case .failure(let e): return .failure(e)
                }
            }
        }
        return .success(out)
    }

    private static func object(type: UInt8, name: String, _ o: [UInt8], body: Int, timed: Bool) -> Result<JSONValue, CentreDecodeError> {
        var v: [String: JSONValue] = ["type": .number(Double(type)), "kind": .string(name)]
        if timed {
            guard let t = timeLabel(Array(o[body..<(body + 6)])) else {
                return .failure(.init("\(name) object with an invalid time label \(Array(o[body..<(body + 6)]))"))
            }
            v["time"] = .string(t)
        }
        func system() {
            v["system"] = ["type": .number(Double(o[0])), "address": .number(Double(o[1])), "name": .string(codeName(o[0], systemTypes))]
        }
        func component() {
            let address = Int(o[3]) | Int(o[4]) << 8 | Int(o[5]) << 16 | Int(o[6]) << 24
            v["component"] = ["type": .number(Double(o[2])), "address": .number(Double(address)), "name": .string(codeName(o[2], componentTypes))]
        }
        switch type {
        case 1:
            system()
            v["state"] = .array(stateNames(Int(o[2]) | Int(o[3]) << 8, table: systemStateBits).map { .string($0) })
        case 2:
            system()
            component()
            v["state"] = .array(stateNames(Int(o[7]) | Int(o[8]) << 8, table: componentStateBits).map { .string($0) })
            let text = o[9..<40].prefix { $0 != 0 }
            // GB 18030 text: ASCII is itself, other characters are two or four bytes ≥ 0x81.
            guard !text.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                return .failure(.init("component description has control characters"))
            }
            v["description"] = .string(String(decoding: text, as: UTF8.self))
        case 3:
            system()
            component()
            let value = Int(Int16(bitPattern: UInt16(o[8]) | UInt16(o[9]) << 8))
            v["analogType"] = .number(Double(o[7]))
            v["value"] = .number(Double(value))
            if let a = analogTypes[o[7]] {
                v["analog"] = .string(a.name)
                v["reading"] = .string(reading(value, decimals: a.decimals) + (a.unit.isEmpty ? "" : " " + a.unit))
            } else {
                v["analog"] = .string(codeName(o[7], [:]))
            }
        case 4:
            system()
            v["operations"] = .array(stateNames(Int(o[2]), table: operationBits).map { .string($0) })
            v["operator"] = .number(Double(o[3]))
        case 8:
            system()
        case 28:
            break  // the time label is the whole object
        case 21:
            v["state"] = .array(stateNames(Int(o[0]), table: deviceStateBits).map { .string($0) })
        case 24:
            v["operations"] = .array(stateNames(Int(o[0]), table: deviceOperationBits).map { .string($0) })
            v["operator"] = .number(Double(o[1]))
        default:
            v["body"] = .array(o[0..<body].map { .number(Double($0)) })
        }
        return .success(.object(v))
    }

    /// System types (table 4, 建筑消防设施系统类型); 2–9 and 25–127 are reserved, 128–255
    /// user-defined. 129 is this centre's own code for an electrical fire monitoring system
    /// (电气火灾监控系统, which the 2011 table lacks): its "interface document" says so.
    static let systemTypes: [UInt8: String] = [
        0: "general", 1: "fire-alarm", 10: "linkage-control", 11: "hydrant", 12: "sprinkler", 13: "gas-extinguishing",
        14: "water-spray-pump", 15: "water-spray-pressure", 16: "foam", 17: "dry-powder", 18: "smoke-control",
        19: "fire-doors", 20: "fire-lift", 21: "broadcast", 22: "emergency-lighting", 23: "fire-power", 24: "fire-telephone",
        129: "electrical-fire",
    ]
    /// Component types (table 6, 建筑消防设施部件类型): the detectors, modules and the water and
    /// electrical fire parts; other codes read as `reserved` or `user-defined`.
    static let componentTypes: [UInt8: String] = [
        0: "general", 1: "fire-alarm-controller", 10: "combustible-gas-detector", 11: "point-gas-detector",
        12: "standalone-gas-detector", 13: "line-gas-detector",
        16: "electrical-fire-monitor",  // 电气火灾监控报警器
        17: "residual-current-detector",  // 剩余电流式电气火灾监控探测器
        18: "temperature-sensing-detector",  // 测温式电气火灾监控探测器
        21: "detection-loop", 22: "fire-display-panel", 23: "manual-call-point", 24: "hydrant-button", 25: "fire-detector",
        30: "heat-detector", 40: "smoke-detector", 50: "multi-sensor-detector", 61: "uv-flame-detector", 62: "ir-flame-detector",
        81: "gas-extinguishing-controller", 82: "fire-electrical-control", 84: "module", 85: "input-module", 86: "output-module",
        87: "io-module", 88: "relay-module",
        91: "fire-pump", 92: "fire-tank", 95: "sprinkler-pump", 96: "flow-indicator", 97: "signal-valve", 98: "alarm-valve",
        99: "pressure-switch", 101: "valve-driver", 102: "fire-door", 103: "fire-damper", 111: "smoke-fan", 117: "shutter-controller",
        118: "fire-door-monitor", 121: "alarm-device",
    ]
    /// Analogue types (table 7): name, unit of one count, and the decimals that unit has. 128 is
    /// this centre's user-defined residual current in mA (the table has only current in 0.1 A).
    static let analogTypes: [UInt8: (name: String, unit: String, decimals: Int)] = [
        1: ("event-count", "", 0), 2: ("height", "m", 2), 3: ("temperature", "°C", 1), 4: ("pressure", "MPa", 1),
        5: ("pressure", "kPa", 1), 6: ("gas-concentration", "%LEL", 1), 7: ("time", "s", 0), 8: ("voltage", "V", 1),
        9: ("current", "A", 1), 10: ("flow", "L/s", 1), 11: ("air-volume", "m³/min", 1), 12: ("air-speed", "m/s", 0),
        128: ("residual-current", "mA", 0),
    ]

    /// A code's name, or what the standard reserves it as.
    private static func codeName(_ code: UInt8, _ table: [UInt8: String]) -> String {
        table[code] ?? (code >= 128 ? "user-defined" : "reserved")
    }

    /// The value in the type's unit as decimal text (`-12` with 1 decimal is `-1.2`): text, so a
    /// scenario can match it exactly.
    static func reading(_ value: Int, decimals: Int) -> String {
        guard decimals > 0 else { return "\(value)" }
        var divisor = 1
        for _ in 0..<decimals { divisor *= 10 }
        let digits = String(abs(value) % divisor)
        let fraction = String(repeating: "0", count: decimals - digits.count) + digits
        return (value < 0 ? "-" : "") + "\(abs(value) / divisor)." + fraction
    }

    /// §8.2.1.1: bit 0 set is normal running, clear is test; bits 14–15 reserved.
    static let systemStateBits = ["normal", "fire-alarm", "fault", "disabled", "supervisory", "started", "feedback", "delayed",
                                  "main-power-fault", "standby-power-fault", "bus-fault", "manual", "configuration-changed", "reset"]
    /// §8.2.1.2: bits 9–15 reserved.
    static let componentStateBits = ["normal", "fire-alarm", "fault", "disabled", "supervisory", "started", "feedback", "delayed", "power-fault"]
    /// §8.2.1.4.
    static let operationBits = ["reset", "silence", "manual-alarm", "alarm-cleared", "self-test", "confirm", "test"]
    /// §8.2.1.9.
    static let deviceStateBits = ["monitoring", "fire-alarm", "fault", "main-power-fault", "standby-power-fault", "centre-link-fault", "line-fault"]
    /// §8.2.1.10.
    static let deviceOperationBits = ["reset", "silence", "manual-alarm", "alarm-cleared", "self-test", "roll-call-answered", "test"]

    /// Bit 0 of a state is named for both values ("normal" / "test"); reserved bits set are
    /// named `bit<n>` so a test sees them.
    private static func stateNames(_ bits: Int, table: [String]) -> [String] {
        var names: [String] = []
        if table.first == "normal" && bits & 1 == 0 { names.append("test") }
        for (i, name) in table.enumerated() where bits & (1 << i) != 0 { names.append(name) }
        for i in table.count..<16 where bits & (1 << i) != 0 { names.append("bit\(i)") }
        return names
    }
}

/// A frame as the centre read it.
struct CentreFrame: Sendable {
    var serial: Int
    var version: String
    var time: String
    var source: [UInt8]
    var destination: [UInt8]
    var command: String
    /// The data units' objects, one JSON object each (`kind`, `system`, `component`, `state`…).
    var units: [JSONValue]
}

/// Why the centre refused a frame; `serial` when the header could be read (for the deny).
package struct CentreDecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    package var message: String
    package var serial: Int?

    init(_ message: String, serial: Int? = nil) {
        self.message = message
        self.serial = serial
    }

    package var description: String { message }
}
