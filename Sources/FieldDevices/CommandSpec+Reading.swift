import FieldCore
import FieldHAL

extension CommandSpec {
    /// Reads one of a profile's `commands`. Writes name the profile's points (`"point"`) or a bare
    /// register (`"table"`, `"address"`, `"type"`, …); each takes a fixed `"value"` or a `"parameter"`.
    /// - Parameter declared: every point name the profile declares, including points that failed to
    ///   read (their errors are reported already; a write naming them is not reported again).
    static func read(_ o: JSONObjectReader, points: [PointSpec], declared: Set<String>) -> CommandSpec? {
        let r = o.reader
        let before = r.issues.count
        o.allow("$comment")
        let name = o.identifier("name", required: true)
        let description = o.string("description") ?? ""
        let role = o.enumeration("role", ConsoleUser.Role.self) ?? .technician
        if role == .viewer {
            r.report(o.path.key("role"), "a command acts on the device: give \"technician\" or \"admin\" (viewers only look)")
        }
        var seen: [String: Int] = [:]
        let parameters = o.array("parameters") { v, p -> CommandParameter? in
            guard let po = r.object(v, at: p) else { return nil }
            defer { po.finish() }
            guard let param = CommandParameter.read(po) else { return nil }
            if let first = seen[param.name] {
                r.report(p.key("name"), "duplicate parameter \"\(param.name)\" (also parameters[\(first)])")
                return nil
            }
            if case .index(let i)? = p.components.last { seen[param.name] = i }
            return param
        } ?? []
        var used: Set<String> = []
        let writes = o.array("writes", required: true) { v, p -> CommandWrite? in
            guard let wo = r.object(v, at: p) else { return nil }
            defer { wo.finish() }
            let w = CommandWrite.read(wo, points: points, declared: declared, parameters: parameters)
            if case .parameter(let name)? = w?.value { used.insert(name) }
            return w
        }
        if let writes, writes.isEmpty, r.issues.count == before {
            r.report(o.path.key("writes"), "a command needs at least one write")
        }
        for p in parameters where !used.contains(p.name) {
            r.report(o.path.key("parameters"), "parameter \"\(p.name)\" is not used by any write")
        }
        guard let name, let writes, r.issues.count == before else { return nil }
        return CommandSpec(name: name, description: description, parameters: parameters, writes: writes, role: role)
    }
}

extension CommandParameter {
    static func read(_ o: JSONObjectReader) -> CommandParameter? {
        let r = o.reader
        let before = r.issues.count
        o.allow("$comment")
        let name = o.identifier("name", required: true)
        let description = o.string("description") ?? ""
        let unit = o.string("unit") ?? ""
        let range = PointSpec.readRange(o, "range")
        let integer = o.bool("integer") ?? true
        let choices = o.decode("choices") { v, p -> [CommandChoice]? in
            guard case .object(let fields) = v, !fields.isEmpty else {
                r.report(p, "expected an object of value → code, e.g. {\"9600\": 2}, got \(v.kindDescription)")
                return nil
            }
            var out: [CommandChoice] = []
            for (key, code) in fields.sorted(by: { $0.key < $1.key }) {
                guard let value = Double(key), value.isFinite else {
                    r.report(p.key(key), "a choice must be a number, got \"\(key)\"")
                    continue
                }
                guard let c = code.numberValue, c.isFinite else {
                    r.report(p.key(key), "expected the code to write (a number), got \(code.kindDescription)")
                    continue
                }
                out.append(CommandChoice(value: value, code: c))
            }
            return out.sorted { $0.value < $1.value }
        } ?? []
        if range == nil, choices.isEmpty, !o.has("range"), !o.has("choices") {
            r.report(o.path, "give \"range\" or \"choices\": a parameter without limits would write anything")
        }
        if range != nil, !choices.isEmpty {
            r.report(o.path.key("range"), "give either \"range\" or \"choices\", not both")
        }
        guard let name, r.issues.count == before else { return nil }
        return CommandParameter(name: name, description: description, unit: unit, range: range, integer: integer,
                                choices: choices)
    }

    /// The values a write may receive from this parameter: the range's ends or every choice's code.
    var extremes: [Double] {
        choices.isEmpty ? [range?.lowerBound, range?.upperBound].compactMap { $0 } : choices.map(\.code)
    }
}

extension CommandWrite {
    static func read(_ o: JSONObjectReader, points: [PointSpec], declared: Set<String>,
                     parameters: [CommandParameter]) -> CommandWrite? {
        let r = o.reader
        let before = r.issues.count
        o.allow("$comment")
        let target: PointSpec?
        let isProfilePoint = o.has("point")
        if isProfilePoint {
            target = o.identifier("point").flatMap { name in
                guard let p = points.first(where: { $0.name == name }) else {
                    if !declared.contains(name) {
                        r.report(o.path.key("point"), "no point named \"\(name)\" in this profile")
                    }
                    return nil
                }
                guard p.isWritable else {
                    r.report(o.path.key("point"), "point \"\(name)\" is read-only (access \(p.access.rawValue))")
                    return nil
                }
                return p
            }
        } else {
            target = readRegister(o)
        }
        let value: Value?
        switch (o.value("value"), o.identifier("parameter")) {
        case (let v?, nil):
            switch v {
            case .number(let n): value = .fixed(.number(n))
            case .bool(let b): value = .fixed(.bool(b))
            default:
                r.report(o.path.key("value"), "expected a number or true/false, got \(v.kindDescription)")
                value = nil
            }
        case (nil, let p?):
            if parameters.contains(where: { $0.name == p }) {
                value = .parameter(p)
            } else {
                r.report(o.path.key("parameter"), "no parameter named \"\(p)\" in this command")
                value = nil
            }
        case (nil, nil):
            if !o.has("parameter") { r.report(o.path, "give \"value\" (a fixed value) or \"parameter\" (a parameter's name)") }
            value = nil
        case (_?, _?):
            r.report(o.path, "give either \"value\" or \"parameter\", not both")
            value = nil
        }
        guard let target, let value, r.issues.count == before else { return nil }
        // Check now that every value the write can receive fits the target, not when it runs.
        switch value {
        case .fixed(let v):
            do {
                _ = try target.write(v)
            } catch {
                r.report(o.path.key("value"), error.description)
            }
        case .parameter(let name):
            for x in parameters.first(where: { $0.name == name })?.extremes ?? [] {
                do {
                    _ = try target.write(.number(x))
                } catch {
                    r.report(o.path.key("parameter"), "parameter \"\(name)\" allows \(formatNumber(x)), but \(error.description)")
                }
            }
        }
        guard r.issues.count == before else { return nil }
        return CommandWrite(target: target, isProfilePoint: isProfilePoint, value: value)
    }

    /// A bare register or coil a command writes without it being one of the profile's points.
    private static func readRegister(_ o: JSONObjectReader) -> PointSpec? {
        let r = o.reader
        let table = o.enumeration("table", RegisterTable.self, required: true)
        let address = o.int("address", required: true, range: ModbusLimits.addresses)
        if let table, !table.isWritable {
            r.report(o.path.key("table"), "a\(table == .input ? "n" : "") \(table) cannot be written (only coil or holding)")
            return nil
        }
        let type = o.enumeration("type", ValueType.self) ?? (table == .coil ? .bool : .u16)
        let wordOrder = o.enumeration("wordOrder", WordOrder.self) ?? .abcd
        let scale = o.double("scale") ?? 1
        let offset = o.double("offset") ?? 0
        guard let table, let address else { return nil }
        let p = PointSpec(name: "\(table)@\(address)", table: table, address: address, type: type, wordOrder: wordOrder,
                          scale: scale, offset: offset, access: .write)
        let before = r.issues.count
        p.checkShape(o)
        return r.issues.count == before ? p : nil
    }
}
