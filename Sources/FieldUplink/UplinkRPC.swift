import FieldApps
import FieldCore
import FieldDevices
import FieldEngine
import FoundationEssentials

/// Where the answer to a platform command goes.
package enum UplinkRPCAddress: Sendable, Hashable {
    /// A command for a device behind the gateway (`v1/gateway/rpc`): the answer echoes the
    /// device's platform name and the request id.
    case device(name: String, id: JSONValue)
    /// A command for the gateway itself (`v1/devices/me/rpc/request/<id>`): the answer goes to
    /// `v1/devices/me/rpc/response/<id>`.
    case gateway(requestID: String)
}

/// A platform command that passed every check, as the one typed command (DESIGN rule 7).
package struct UplinkRPCRequest: Sendable, Hashable {
    package var address: UplinkRPCAddress
    package var method: String
    package var command: GatewayCommand
}

/// What to do with a message that arrived on an RPC topic.
package enum UplinkRPCOutcome: Sendable, Hashable {
    /// Run the command and answer with its result.
    case execute(UplinkRPCRequest)
    /// Answer with this error at once; nothing is run, nothing changes.
    case refuse(UplinkRPCAddress, CommandError)
    /// Not a request (the gateway's own answer coming back on `v1/gateway/rpc`), or a request
    /// without a device and id to answer to (the reason says which; the uplink logs it).
    case ignore(reason: String?)
}

/// Reads platform commands (docs/uplink.md, "Commands") and checks them completely before
/// anything runs: malformed JSON, unknown devices and methods, wrong types and out-of-range
/// values get an error answer that names the parameter (`params.level: 120 is out of range`).
package struct UplinkRPC: Sendable {
    /// Methods for a device behind the gateway (`v1/gateway/rpc`).
    package static let deviceMethods = ["setLamp", "setThreshold", "ackAlarm", "runCommand", "writePoint", "readRegisters", "writeRegisters"]
    /// Methods for the gateway (`v1/devices/me/rpc/request/<id>`): the device methods with a
    /// `device` parameter, register access by bus and unit, and `restart`.
    package static let gatewayMethods = deviceMethods + ["restart"]

    package let topics: UplinkTopics
    package let identity: UplinkIdentity
    package let allowRegisterRPC: Bool
    /// Answer `not-found` for devices named after other gateways too (`uplink.soleGateway`).
    package let soleGateway: Bool
    /// The role the platform acts with (`uplink.rpcRole`): a command that needs more is refused.
    package let role: ConsoleUser.Role
    private let devices: [String: UplinkDevice]

    package init(topics: UplinkTopics, identity: UplinkIdentity, devices: [UplinkDevice], allowRegisterRPC: Bool,
                soleGateway: Bool = false, role: ConsoleUser.Role = .technician) {
        self.topics = topics
        self.identity = identity
        self.allowRegisterRPC = allowRegisterRPC
        self.soleGateway = soleGateway
        self.role = role
        self.devices = Dictionary(devices.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads one message from an RPC topic.
    package func parse(topic: String, payload: [UInt8]) -> UplinkRPCOutcome {
        if topic == topics.rpc { return parseDeviceRequest(payload) }
        if let id = topics.gatewayRPCRequestID(topic) { return parseGatewayRequest(payload, requestID: id) }
        return .ignore(reason: "\(topic) is not an RPC topic")
    }

    // MARK: - Envelopes

    private func parseDeviceRequest(_ payload: [UInt8]) -> UplinkRPCOutcome {
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(Data(payload))
        } catch {
            return .ignore(reason: "\(topics.rpc): \(error); no device and id to answer to")
        }
        guard case .object(let envelope) = doc else {
            return .ignore(reason: "\(topics.rpc): expected an object, got \(doc.kindDescription); no device and id to answer to")
        }
        let data = envelope["data"]?.objectValue
        if envelope["id"] != nil, data?["method"] == nil { return .ignore(reason: nil) }
        guard let name = envelope["device"]?.stringValue, let data, let id = data["id"], id != .null else {
            return .ignore(reason: "\(topics.rpc): a request needs \"device\" and \"data\": {\"id\", \"method\", \"params\"}; no device and id to answer to")
        }
        let address = UplinkRPCAddress.device(name: name, id: id)
        // On a broker shared by several gateways every one of them gets every device command:
        // one named after another gateway is that gateway's to answer (one reply, not several).
        if identity.deviceID(name) == nil, !soleGateway { return .ignore(reason: nil) }
        guard let deviceID = identity.deviceID(name), let device = devices[deviceID] else {
            return .refuse(address, CommandError(.notFound, "no device \"\(name)\" behind gateway \(identity.gateway)"))
        }
        guard let method = data["method"]?.stringValue else {
            return .refuse(address, CommandError(.invalidArgument, "data.method: expected the method's name (a string)"))
        }
        guard UplinkRPC.deviceMethods.contains(method) else {
            return .refuse(address, unknownMethod(method, expected: UplinkRPC.deviceMethods))
        }
        return outcome(address, method, command(method, params: data["params"], device: device, atGateway: false))
    }

    private func parseGatewayRequest(_ payload: [UInt8], requestID: String) -> UplinkRPCOutcome {
        let address = UplinkRPCAddress.gateway(requestID: requestID)
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(Data(payload))
        } catch {
            return .refuse(address, CommandError(.invalidArgument, "\(error)"))
        }
        guard case .object(let request) = doc else {
            return .refuse(address, CommandError(.invalidArgument, "expected an object {\"method\", \"params\"}, got \(doc.kindDescription)"))
        }
        guard let method = request["method"]?.stringValue else {
            return .refuse(address, CommandError(.invalidArgument, "method: expected the method's name (a string)"))
        }
        guard UplinkRPC.gatewayMethods.contains(method) else {
            return .refuse(address, unknownMethod(method, expected: UplinkRPC.gatewayMethods))
        }
        return outcome(address, method, command(method, params: request["params"], device: nil, atGateway: true))
    }

    private func outcome(_ address: UplinkRPCAddress, _ method: String, _ result: Result<GatewayCommand, CommandError>) -> UplinkRPCOutcome {
        switch result {
        case .success(let c): .execute(UplinkRPCRequest(address: address, method: method, command: c))
        case .failure(let e): .refuse(address, e)
        }
    }

    private func unknownMethod(_ method: String, expected: [String]) -> CommandError {
        CommandError(.invalidArgument, "unknown method \"\(method)\" (expected one of: \(expected.joined(separator: ", ")))")
    }

    // MARK: - Methods

    private func command(_ method: String, params raw: JSONValue?, device: UplinkDevice?, atGateway: Bool) -> Result<GatewayCommand, CommandError> {
        if method == "readRegisters" || method == "writeRegisters", !allowRegisterRPC {
            return .failure(CommandError(.forbidden, "\(method) is not allowed on this gateway (the site's uplink.allowRegisterRPC is off)"))
        }
        var params = raw ?? .object([:])
        // ThingsBoard's widgets may send the parameters as a JSON string.
        if case .string(let text) = params, let inner = try? JSONValue.parse(text), case .object = inner { params = inner }
        if params == .null { params = .object([:]) }
        let reader = JSONReader()
        guard let o = reader.object(params, at: JSONPath.root.key("params")) else { return .failure(invalid(reader)) }
        var target = device
        if atGateway, method != "restart", ["setLamp", "setThreshold", "runCommand", "writePoint"].contains(method) || o.has("device") {
            guard let name = o.string("device", required: true) else { return .failure(invalid(reader)) }
            guard let d = devices[name] ?? identity.deviceID(name).flatMap({ devices[$0] }) else {
                return .failure(CommandError(.notFound, "params.device: no device \"\(name)\" on gateway \(identity.gateway)"))
            }
            target = d
        }
        let command: GatewayCommand?
        switch method {
        case "setLamp": command = lamp(o, target!)
        case "setThreshold": command = threshold(o, target!)
        case "ackAlarm": command = acknowledge(o, target)
        case "runCommand": command = run(o, target!)
        case "writePoint": command = writePoint(o, target!)
        case "readRegisters": command = readRegisters(o, target)
        case "writeRegisters": command = writeRegisters(o, target)
        default: command = .restart
        }
        o.finish()
        guard reader.issues.isEmpty, let command else { return .failure(invalid(reader)) }
        return permitted(command, method, on: target)
    }

    /// The command, or `forbidden` when it needs a higher role than the platform's
    /// (`uplink.rpcRole`), by the rule the engine checks too (`GatewayCommand.requiredRole`).
    private func permitted(_ command: GatewayCommand, _ method: String, on d: UplinkDevice?) -> Result<GatewayCommand, CommandError> {
        let needed = command.requiredRole(profileCommands: d?.commands ?? [], appCommands: d?.appCommands ?? [], points: d?.points ?? [])
        guard role >= needed.role else {
            let what: String
            if let point = needed.point, let by = needed.command {
                what = "\(method) \(point) (\(by), \(needed.role == .admin ? "an" : "a") \(needed.role.rawValue) command, writes it)"
            } else {
                what = needed.command.map { "\(method) \($0)" } ?? method
            }
            return .failure(CommandError(.forbidden, "\(what) needs the \(needed.role.rawValue) role; the platform acts as \(role.rawValue) (the site's uplink.rpcRole)"))
        }
        return .success(command)
    }

    private func invalid(_ reader: JSONReader) -> CommandError {
        CommandError(.invalidArgument, reader.issues.map(\.description).joined(separator: "; "))
    }

    /// `setLamp {"action": "on"|"off"|"dim"|"auto", "level": 0…100, "for": "1m"…"24h"}` →
    /// the lamp head's `lamp` command; without `for` the app's default override time applies,
    /// after which the lamp goes back to its schedule.
    private func lamp(_ o: JSONObjectReader, _ d: UplinkDevice) -> GatewayCommand? {
        // The lamp command's own reader: its limits are checked in one place, for the app too.
        let command = LampCommand.read(o)
        guard d.app == "lamp-head" else {
            o.reader.report(o.path, "device \(d.id) is not a lamp head (its app is \(d.app.map { "\"\($0)\"" } ?? "none"))")
            return nil
        }
        return command.map { .app(device: d.id, command: "lamp", arguments: $0.arguments) }
    }

    /// `setThreshold {"alarm": "<type>", "value": <number>}` → the app's `set-threshold`
    /// command (the app checks the value against the alarm's own limits).
    private func threshold(_ o: JSONObjectReader, _ d: UplinkDevice) -> GatewayCommand? {
        let alarm = o.identifier("alarm", required: true)
        let value = o.double("value", required: true)
        let point = o.identifier("point")
        guard d.app != nil else {
            o.reader.report(o.path, "device \(d.id) has no app with alarm thresholds")
            return nil
        }
        guard let alarm, let value else { return nil }
        var arguments: [String: JSONValue] = ["alarm": .string(alarm), "value": .number(value)]
        if let point { arguments["point"] = .string(point) }
        return .app(device: d.id, command: "set-threshold", arguments: .object(arguments))
    }

    /// `runCommand {"command": "<name>", "arguments": {"<parameter>": <number>, …}}`: a command
    /// the device's profile declares, its arguments checked against the declaration (number,
    /// whole where `integer`, range or choices, and what the target register can hold); or one
    /// the device's app declares (`fan`, `silence`, `set-floor`, …), checked by the app's schema
    /// (words, durations, flags, numbers with their ranges). Any other name is refused with the
    /// names that exist.
    private func run(_ o: JSONObjectReader, _ d: UplinkDevice) -> GatewayCommand? {
        let name = o.identifier("command", required: true)
        let at = o.path.key("arguments")
        let arguments = o.decode("arguments") { v, p -> [String: JSONValue]? in
            guard case .object(let fields) = v else {
                o.reader.report(p, "expected an object of parameter → value, got \(v.kindDescription)")
                return nil
            }
            return fields
        } ?? [:]
        guard let name, o.reader.issues.isEmpty else { return nil }
        guard let spec = d.commands.first(where: { $0.name == name }) else {
            guard let appSpec = d.appCommands.first(where: { $0.name == name }) else {
                let profile = d.commands.map(\.name), app = d.appCommands.map(\.name)
                // Built in steps: Swift 6.0.3 cannot type-check it as one expression in time.
                let declared: String = profile.isEmpty ? "none" : profile.joined(separator: ", ")
                let taken: String = app.isEmpty ? "none" : app.joined(separator: ", ")
                var appPart = ", and it runs no app"
                if let appName = d.app { appPart = "; its app \(appName) takes \(taken)" }
                o.reader.report(o.path.key("command"), "device \(d.id) has no command \"\(name)\" (its profile declares \(declared)\(appPart))")
                return nil
            }
            do throws(CommandSpecError) {
                return .app(device: d.id, command: name, arguments: try appSpec.checked(arguments: .object(arguments)))
            } catch {
                Self.report(error, at: at, in: o.reader)
                return nil
            }
        }
        var numbers: [String: Double] = [:]
        for key in arguments.keys.sorted() {
            guard spec.parameter(key) != nil else {
                let names = spec.parameters.map(\.name)
                o.reader.report(at.key(key), "\(name) has no parameter \"\(key)\" (it takes " + (names.isEmpty ? "none" : names.joined(separator: ", ")) + ")")
                continue
            }
            guard case .number(let n) = arguments[key] else {
                o.reader.report(at.key(key), "expected a number, got \(arguments[key]?.kindDescription ?? "nothing")")
                continue
            }
            numbers[key] = n
        }
        guard o.reader.issues.isEmpty else { return nil }
        do throws(CommandSpecError) {
            _ = try spec.writes(arguments: numbers)
        } catch {
            Self.report(error, at: at, in: o.reader)
            return nil
        }
        return .deviceCommand(device: d.id, command: name, arguments: numbers)
    }

    /// `writePoint {"point": "<name>", "value": <number> | true | false}`: a writable point of the
    /// device's profile, the value in the point's unit (fractional where the point is), checked
    /// against its access, type and range and encoded by its codec (scale, word order) before
    /// anything runs.
    /// An app's or profile's refusal of `arguments` (at `at`), at the path of the parameter it
    /// names.
    private static func report(_ error: CommandSpecError, at: JSONPath, in reader: JSONReader) {
        switch error {
        case .missingArgument(let p): reader.report(at.key(p), "missing (required)")
        case .badArgument(let p, let why): reader.report(at.key(p), why)
        case .unknownArgument(let a): reader.report(at.key(a), "unknown parameter")
        case .encoding(let e): reader.report(at, e.description)
        }
    }

    private func writePoint(_ o: JSONObjectReader, _ d: UplinkDevice) -> GatewayCommand? {
        let name = o.identifier("point", required: true)
        let raw = o.value("value", required: true)
        guard let name, let raw else { return nil }
        let at = o.path.key("value")
        let ref = PointRef(device: d.id, point: name)
        if let spec = d.points.first(where: { $0.name == name }) {
            let value: PointValue
            switch (raw, spec.type) {
            case (.bool(let b), .bool): value = .bool(b)
            case (.number(let n), let t) where t != .bool && n.isFinite: value = .number(n)
            default:
                o.reader.report(at, "expected \(spec.type == .bool ? "true or false" : "a number") for \(ref), got \(raw.kindDescription)")
                return nil
            }
            guard spec.isWritable else {
                o.reader.report(o.path.key("point"), "\(ref) is read-only")
                return nil
            }
            do throws(CodecError) {
                _ = try spec.write(value)
            } catch {
                o.reader.report(at, error.description)
                return nil
            }
            return .writePoint(ref, value)
        }
        if let signal = d.signals.first(where: { $0.name == name }) {
            guard signal.direction == .output else {
                o.reader.report(o.path.key("point"), "\(ref) is an input signal; it cannot be written")
                return nil
            }
            guard case .bool(let b) = raw else {
                o.reader.report(at, "expected true or false for \(ref), got \(raw.kindDescription)")
                return nil
            }
            return .writePoint(ref, .bool(b))
        }
        o.reader.report(o.path.key("point"), "device \(d.id) has no point \"\(name)\"")
        return nil
    }

    /// `ackAlarm {"alarm": "<device>[.<point>]/<type>"}`; on a device, the type alone will do.
    private func acknowledge(_ o: JSONObjectReader, _ d: UplinkDevice?) -> GatewayCommand? {
        guard let text = o.string("alarm", required: true) else { return nil }
        let p = o.path.key("alarm")
        let id: AlarmID
        if text.contains("/") {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            let source = String(parts[0])
            guard parts.count == 2, isIdentifier(String(parts[1])),
                  isIdentifier(source) || PointRef(source) != nil else {
                o.reader.report(p, "\"\(text)\" is not an alarm id (expected device/type or device.point/type)")
                return nil
            }
            id = AlarmID(rawValue: text)
        } else if let d, isIdentifier(text) {
            id = AlarmID(device: d.id, type: text)
        } else {
            o.reader.report(p, "\"\(text)\" is not an alarm id (expected device/type or device.point/type)")
            return nil
        }
        if let d, id.device != d.id {
            o.reader.report(p, "alarm \(id) is not one of device \(d.id)'s")
            return nil
        }
        return .acknowledge(id)
    }

    /// `readRegisters {"table", "address", "count"}` (plus `"bus"` and `"unit"` at the gateway).
    private func readRegisters(_ o: JSONObjectReader, _ d: UplinkDevice?) -> GatewayCommand? {
        let table = o.enumeration("table", RegisterTable.self, required: true)
        let address = o.int("address", required: true, range: 0...65535)
        let limit = table?.isBitTable == true ? 2000 : 125
        let count = o.int("count", required: true, range: 1...limit)
        let link = busAndUnit(o, d)
        guard let table, let address, let count, let link else { return nil }
        guard address + count <= 65536 else {
            o.reader.report(o.path.key("count"), "\(count) from address \(address) runs past 65535")
            return nil
        }
        return .readRegisters(bus: link.bus, unit: link.unit, table: table, address: address, count: count)
    }

    /// `writeRegisters {"table": "holding"|"coil", "address", "values": [...]}` (plus `"bus"`
    /// and `"unit"` at the gateway).
    private func writeRegisters(_ o: JSONObjectReader, _ d: UplinkDevice?) -> GatewayCommand? {
        let tableName = o.string("table", required: true, oneOf: ["holding", "coil"])
        let table = tableName.flatMap(RegisterTable.init(rawValue:))
        let address = o.int("address", required: true, range: 0...65535)
        let maxValue = table == .coil ? 1 : 65535
        let values: [UInt16]? = o.array("values", required: true) { v, p in
            guard case .number(let n) = v, n == n.rounded(), n >= 0, n <= Double(maxValue) else {
                o.reader.report(p, "expected \(maxValue == 1 ? "0 or 1" : "an integer 0…65535"), got \(v.kindDescription == "a number" ? formatNumber(v.numberValue!) : v.kindDescription)")
                return nil
            }
            return UInt16(n)
        }
        let link = busAndUnit(o, d)
        guard let table, let address, let values, let link, o.reader.issues.isEmpty else { return nil }
        let limit = table == .coil ? 1968 : 123
        guard (1...limit).contains(values.count) else {
            o.reader.report(o.path.key("values"), "\(values.count) values (expected 1…\(limit) per request)")
            return nil
        }
        guard address + values.count <= 65536 else {
            o.reader.report(o.path.key("values"), "\(values.count) values from address \(address) run past 65535")
            return nil
        }
        return .writeRegisters(bus: link.bus, unit: link.unit, table: table, address: address, values: values)
    }

    private func busAndUnit(_ o: JSONObjectReader, _ d: UplinkDevice?) -> (bus: String, unit: Int)? {
        if let d {
            guard let bus = d.bus, let unit = d.address else {
                o.reader.report(o.path, "device \(d.id) has no Modbus side (no bus and address)")
                return nil
            }
            return (bus, unit)
        }
        let bus = o.identifier("bus", required: true)
        // A byte here; which unit ids the bus serves (1–247 on RTU) is the runtime's one check.
        let unit = o.int("unit", required: true, range: 0...255)
        guard let bus, let unit else { return nil }
        return (bus, unit)
    }
}
